/**
 * The desktop app's own origin. The built renderer is served as
 * `app://memr1/…` through a privileged scheme rather than from file://, so
 * the page has a real origin: its CSP's 'self' means exactly the app, and
 * nothing else on the disk can be read by a relative URL.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'memr1';

/** The page the main window opens. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * True when `url` is on the app's origin. Node's URL gives a custom scheme an
 * opaque `origin` ("null"), so the scheme and host are compared instead.
 */
export function isAppUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, host } = new URL(url);
  return protocol === `${APP_SCHEME}:` && host === APP_HOST;
}
