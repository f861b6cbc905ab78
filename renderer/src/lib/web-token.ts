/**
 * Web mode's per-run token. The server opens the page as `/#token=<token>`:
 * the token moves to sessionStorage (so a reload keeps working) and leaves the
 * address bar (so it is not copied, bookmarked or shown on screen).
 */
const STORAGE_KEY = 'memr1.token';

export function takeWebToken(): string | null {
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromAddress) {
    sessionStorage.setItem(STORAGE_KEY, fromAddress);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(STORAGE_KEY);
}
