import { type Command, Option } from 'commander';
import { Assistant } from '../api/assistant.js';
import { LEARNING_AGENTS, type LearningAgent, type TrainingEvent, type TrainingStatus } from '../contract/learning-schemas.js';
import type { RouteInput, RouteOutput, UnaryRouteName } from '../contract/routes.js';
import { printJson } from './output.js';
import { defaultProfileDir } from './paths.js';
import { createProgress } from './progress.js';
import { numberIn } from './numbers.js';

const profileOption = () => new Option('--profile <dir>', 'profile folder').default(defaultProfileDir(), '~/.memr1/profiles/default');

/**
 * `memr1 learn …`: the background updater without the UI (the same routes the
 * Learning screen uses). Each command opens the profile, so it is refused
 * while the app has it open: use the Learning screen then.
 */
export function registerLearnCommands(program: Command): void {
  const learn = program.command('learn').description("learning from the user's feedback (opt-in): status, settings, a run now");

  learn
    .command('status')
    .description('learning settings, the data learned from, the policies in use and the last run')
    .addOption(profileOption())
    .option('--json', 'print JSON')
    .action((opts: { profile: string; json?: boolean }) =>
      withAssistant(opts.profile, async (assistant) => {
        const status = await call(assistant, 'training.status', {});
        if (opts.json) printJson(status);
        else console.log(describeStatus(status));
      }),
    );

  learn
    .command('set')
    .description('opt in or out, choose GRPO or PPO, the schedule and how many versions to keep')
    .addOption(profileOption())
    .addOption(new Option('--enabled <on-or-off>', 'learning on or off').choices(['on', 'off']))
    .addOption(new Option('--algo <algo>', 'RL algorithm').choices(['grpo', 'ppo']))
    // The ranges of the learning settings (LearningSettings in models/contract/learning-schemas.ts).
    .option('--schedule <minutes>', 'minutes between scheduled runs while the app runs (0: only on demand)', numberIn('--schedule', { min: 0, max: 10_080, integer: true }))
    .option('--min-feedback <n>', 'new feedback signals a scheduled run waits for', numberIn('--min-feedback', { min: 1, max: 10_000, integer: true }))
    .option('--keep <n>', 'policy versions kept per agent', numberIn('--keep', { min: 2, max: 50, integer: true }))
    .option('--json', 'print JSON')
    .action((opts: { profile: string; enabled?: 'on' | 'off'; algo?: 'grpo' | 'ppo'; schedule?: number; minFeedback?: number; keep?: number; json?: boolean }) =>
      withAssistant(opts.profile, async (assistant) => {
        const status = await call(assistant, 'training.configure', {
          ...(opts.enabled ? { enabled: opts.enabled === 'on' } : {}),
          ...(opts.algo ? { algo: opts.algo } : {}),
          ...(opts.schedule !== undefined ? { schedule_minutes: opts.schedule } : {}),
          ...(opts.minFeedback !== undefined ? { min_new_feedback: opts.minFeedback } : {}),
          ...(opts.keep !== undefined ? { keep_versions: opts.keep } : {}),
        });
        if (opts.json) printJson(status.settings);
        else console.log(describeStatus(status));
      }),
    );

  learn
    .command('now')
    .description('run the updater now: train candidates in a worker, promote those not worse than the policies in use')
    .addOption(profileOption())
    .option('--agents <list>', `comma-separated: ${LEARNING_AGENTS.join(', ')}`, LEARNING_AGENTS.join(','))
    .option('--locomo-data <file>', 'also gate candidates on LoCoMo validation (conv-30) from locomo10.json')
    .option('--json', 'print the finished run as JSON')
    .action((opts: { profile: string; agents: string; locomoData?: string; json?: boolean }) => {
      const agents = opts.agents.split(',').map((a) => a.trim());
      const unknown = agents.filter((a) => !(LEARNING_AGENTS as readonly string[]).includes(a));
      if (unknown.length || !agents.length) throw new Error(`--agents takes ${LEARNING_AGENTS.join(', ')}; got "${opts.agents}"`);
      return withAssistant(
        opts.profile,
        async (assistant) => {
          const done = await runNow(assistant, agents as LearningAgent[], !opts.json);
          if (opts.json) printJson(done);
          if (done.state !== 'finished') process.exitCode = 1;
        },
        opts.locomoData,
      );
    });
}

async function withAssistant(profileDir: string, work: (assistant: Assistant) => Promise<void>, locomoData?: string): Promise<void> {
  const assistant = await Assistant.open({ profileDir, ...(locomoData ? { locomoData } : {}) });
  try {
    await work(assistant);
  } finally {
    await assistant.close();
  }
}

async function call<R extends UnaryRouteName>(assistant: Assistant, route: R, input: RouteInput<R>): Promise<RouteOutput<R>> {
  const result = await assistant.dispatch(route, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.output as RouteOutput<R>;
}

/** Starts a run and follows it to its end, with a progress bar and a line per agent's result. */
async function runNow(assistant: Assistant, agents: LearningAgent[], verbose: boolean): Promise<Extract<TrainingEvent, { type: 'done' }>['run']> {
  const progress = createProgress();
  let done: Extract<TrainingEvent, { type: 'done' }>['run'] | undefined;
  let failure: string | undefined;
  try {
    await assistant.dispatch('training.start', { agents }, (raw) => {
      const event = raw as TrainingEvent;
      if (event.type === 'step') progress.update(`${event.point.agent} (${event.point.step})`, event.progress.done, event.progress.total);
      else if (event.type === 'result' && verbose) process.stderr.write(`${event.result.agent}: ${event.result.outcome} (${event.result.reason})\n`);
      else if (event.type === 'done') done = event.run;
      else if (event.type === 'error') failure = event.message;
    });
  } finally {
    progress.stop();
  }
  if (!done) throw new Error(failure ?? 'the run ended without a result');
  if (verbose) console.log(`run ${done.run_id}: ${done.state}${done.message ? ` (${done.message})` : ''}; in use: ${describeVersions(await call(assistant, 'training.status', {}))}`);
  return done;
}

function describeVersions(status: TrainingStatus): string {
  return `manager ${status.current_versions.manager}, answer ${status.current_versions.answer}`;
}

function describeStatus(status: TrainingStatus): string {
  const { settings, data, last_run: last } = status;
  return [
    `learning: ${settings.enabled ? 'on' : 'off'}, ${settings.algo.toUpperCase()}, ${settings.schedule_minutes ? `every ${settings.schedule_minutes} min with ${settings.min_new_feedback}+ new signals (while the app runs)` : 'on demand only'}, keeping ${settings.keep_versions} versions`,
    `data: ${data.feedback} feedback signals (${data.new_feedback} new), episodes: manager ${data.episodes.manager}, answer ${data.episodes.answer}`,
    `held out to judge a candidate: ${(['manager', 'answer'] as const).map((agent) => describeReadiness(agent, data.readiness[agent])).join(', ')}`,
    `in use: ${describeVersions(status)}`,
    `last run: ${last ? `${last.run_id} ${last.state} ${last.results.map((r) => `${r.agent} ${r.outcome}`).join(', ')}${last.message ? ` (${last.message})` : ''}` : 'none'}`,
    ...status.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

function describeReadiness(agent: string, r: TrainingStatus['data']['readiness']['manager']): string {
  return `${agent} ${r.held_out} of ${r.needed} reviews${r.more_reviews ? ` (about ${r.more_reviews} more to go)` : ''}`;
}
