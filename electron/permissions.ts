import type { Session } from 'electron';

/**
 * The UI needs no browser permission (camera, microphone, notifications,
 * geolocation, clipboard reads, …): every request is refused, and every
 * check answers no, so a page cannot even learn what might be granted.
 */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
