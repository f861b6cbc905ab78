import { defaultProfileDir, profileLayout } from '../util/profile-layout.js';

export { defaultProfileDir };

/** Where the profile's memory database lives when `--db` is not given. */
export function defaultDatabasePath(): string {
  return profileLayout(defaultProfileDir()).memory;
}

/** Where the profile's downloaded models live when `--models` is not given. */
export function defaultModelsDir(): string {
  return profileLayout(defaultProfileDir()).models;
}

/** Where the profile's trained policies live when `--policies` is not given. */
export function defaultPoliciesDir(): string {
  return profileLayout(defaultProfileDir()).policies;
}
