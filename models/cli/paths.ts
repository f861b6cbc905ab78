import { homedir } from 'node:os';
import { join } from 'node:path';

/** The default profile's folder: `$MEMR1_HOME/profiles/default`, `$MEMR1_HOME` defaulting to `~/.memr1`. */
export function defaultProfileDir(): string {
  return join(process.env.MEMR1_HOME ?? join(homedir(), '.memr1'), 'profiles', 'default');
}

/** Where the profile's memory database lives when `--db` is not given. */
export function defaultDatabasePath(): string {
  return join(defaultProfileDir(), 'memory');
}

/** Where the profile's downloaded models live when `--models` is not given. */
export function defaultModelsDir(): string {
  return join(defaultProfileDir(), 'models');
}

/** Where the profile's trained policies live when `--policies` is not given. */
export function defaultPoliciesDir(): string {
  return join(defaultProfileDir(), 'policies');
}
