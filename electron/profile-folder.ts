import { join } from 'node:path';

/**
 * The desktop app's profile: `$MEMR1_PROFILE` when set (to open another
 * profile, such as the CLI's `~/.memr1/profiles/default`), else
 * `profiles/default` inside Electron's per-user data folder, laid out as the
 * CLI lays out `$MEMR1_HOME`.
 */
export function desktopProfileDir(userData: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.MEMR1_PROFILE || join(userData, 'profiles', 'default');
}
