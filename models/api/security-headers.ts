/**
 * Sent with every response of both transports: web mode's HTTP server and
 * the desktop app's `app://` protocol. The page may
 * load only its own scripts and styles and talk only to its own origin (no
 * eval, no remote origin); it may not be framed (clickjacking); no response is
 * sniffed into another type; no URL leaks in a Referer. Plain constants: the
 * Electron main process imports this without the HTTP server.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
