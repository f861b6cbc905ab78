import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a profile's data lives when `--db` is not given: `$MEMR1_HOME` or `~/.memr1`. */
export function defaultDatabasePath(): string {
  const home = process.env.MEMR1_HOME ?? join(homedir(), '.memr1');
  return join(home, 'profiles', 'default', 'memory');
}
