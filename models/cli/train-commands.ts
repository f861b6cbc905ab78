import { type Command, Option } from 'commander';
import { join } from 'node:path';
import { policyFolder, type AgentName } from '../agents/policy-loader.js';
import { createEmbedder, DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import { CheckpointStore } from '../rl/checkpoints.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import type { Algorithm } from '../train/train-loop.js';
import { trainOnSyntheticTask } from '../train/train-synthetic.js';
import { printJson } from './output.js';
import { defaultPoliciesDir } from './paths.js';
import { createProgress } from './progress.js';

const policiesOption = () => new Option('--policies <dir>', 'trained policies folder').default(defaultPoliciesDir(), '~/.memr1/profiles/default/policies');
const agentOption = () => new Option('--agent <agent>', 'which agent').choices(['manager', 'answer']).makeOptionMandatory();

/** `memr1 train` and `memr1 policy`: learning and managing the agents' policies. */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description("train an agent's policy with PPO or GRPO on its synthetic task (known optimal actions); the result becomes its current policy")
    .addOption(agentOption())
    .addOption(new Option('--algo <algo>', 'RL algorithm').choices(['grpo', 'ppo']).default('grpo'))
    .option('--steps <n>', 'training steps (default: the recipe for the agent and algorithm)', (v) => Number.parseInt(v, 10))
    .option('--seed <n>', 'seed (tasks, initialisation, sampling)', (v) => Number.parseInt(v, 10), 7)
    .option('--out <dir>', "checkpoints folder (default: the profile's policies/<agent>)")
    .addOption(policiesOption())
    .option('--embed <spec>', 'embedder for the task', DEFAULT_EMBEDDER)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { agent: AgentName; algo: Algorithm; steps?: number; seed: number; out?: string; policies: string; embed: string; json?: boolean }) => {
      const out = opts.out ?? policyFolder(opts.policies, opts.agent);
      const metricsFile = join(out, 'runs', `${opts.agent}-${opts.algo}-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
      const embedder = await createEmbedder(opts.embed);
      const progress = createProgress();
      try {
        const result = await trainOnSyntheticTask(embedder, {
          agent: opts.agent,
          algo: opts.algo,
          seed: opts.seed,
          out,
          metricsFile,
          ...(opts.steps ? { steps: opts.steps } : {}),
          onStep: (record) => {
            progress.update(`${opts.agent}/${opts.algo}`, record.step, opts.steps ?? record.step);
            if (record.eval?.optimal_rate !== undefined && !opts.json) {
              process.stderr.write(`step ${record.step}: reward ${record.reward_mean.toFixed(3)}, KL ${record.kl.toFixed(3)}, held-out optimal ${record.eval.optimal_rate.toFixed(3)}\n`);
            }
          },
        });
        progress.stop();
        const summary = { agent: opts.agent, algo: opts.algo, version: result.meta.version, folder: out, metrics_file: metricsFile, before: result.before, after: result.after };
        if (opts.json) return printJson(summary);
        console.log(`${opts.agent}/${opts.algo}: held-out optimal ${result.before.optimal_rate?.toFixed(3)} (prior) → ${result.after.optimal_rate?.toFixed(3)}; saved ${result.meta.version} in ${out} (current); metrics in ${metricsFile}`);
      } finally {
        progress.stop();
        await embedder.dispose();
      }
    });

  const policy = program.command('policy').description("show or roll back an agent's policy versions");
  policy
    .command('show')
    .description('versions with their scores; the current one is marked')
    .addOption(agentOption())
    .addOption(policiesOption())
    .option('--json', 'print JSON')
    .action(async (opts: { agent: AgentName; policies: string; json?: boolean }) => {
      await ensureTfBackend();
      const store = new CheckpointStore(policyFolder(opts.policies, opts.agent));
      const [versions, current] = [await store.list(), await store.currentVersion()];
      if (opts.json) return printJson({ agent: opts.agent, current, versions });
      if (!versions.length) console.log(`no trained ${opts.agent} policy: the prior-only policy is used (\`memr1 train --agent ${opts.agent}\` makes one)`);
      for (const v of versions) console.log(`${v.version === current ? '*' : ' '} ${v.version}  ${v.algo}  ${v.created_at}  ${Object.entries(v.metrics).map(([k, x]) => `${k}=${x.toFixed(3)}`).join(' ')}`);
    });
  policy
    .command('rollback')
    .description('make the previous version current')
    .addOption(agentOption())
    .addOption(policiesOption())
    .option('--json', 'print JSON')
    .action(async (opts: { agent: AgentName; policies: string; json?: boolean }) => {
      await ensureTfBackend();
      const meta = await new CheckpointStore(policyFolder(opts.policies, opts.agent)).rollback();
      if (opts.json) printJson({ agent: opts.agent, current: meta.version });
      else console.log(`${opts.agent}: ${meta.version} is current again`);
    });
}
