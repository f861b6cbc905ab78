import type { Updater } from '../learning/updater.js';
import type { RouteHandlers } from './dispatch.js';
import type { LearningSettings, TrainingStatus } from '../contract/learning-schemas.js';

type TrainingRoute = Extract<keyof RouteHandlers, `training.${string}`>;

export interface TrainingRouteParts {
  updater: Updater;
  /** Saves the learning settings (with the profile's other settings) and tells the updater. */
  configure(patch: Partial<LearningSettings>): Promise<void>;
}

/** The `training.*` routes (DESIGN §8): the background updater's controls, views and data. */
export function trainingHandlers({ updater, configure }: TrainingRouteParts): Pick<RouteHandlers, TrainingRoute> {
  return {
    'training.status': () => updater.status(),
    'training.configure': async (patch): Promise<TrainingStatus> => {
      await configure(Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)));
      return updater.status();
    },
    // The run goes on in the background: a client that leaves only stops following it.
    'training.start': ({ agents }, emit, signal) =>
      new Promise<void>((resolve) => {
        const unsubscribe = updater.start('manual', agents, (event) => {
          emit(event);
          if (event.type === 'done') resolve();
        });
        const leave = () => (unsubscribe(), resolve());
        if (signal.aborted) leave();
        else signal.addEventListener('abort', leave, { once: true });
      }),
    'training.stop': async () => {
      await updater.stop();
      return updater.status();
    },
    'training.metrics': ({ run_id }) => updater.metrics(run_id),
    'training.versions': async ({ agent }) => ({ items: await updater.versions(agent) }),
    'training.rollback': ({ agent }) => updater.rollback(agent),
    'training.delete_data': () => updater.deleteData(),
  };
}
