import { type Command, Option } from 'commander';
import { join } from 'node:path';
import { policyFolder, type AgentName } from '../agents/policy-loader.js';
import { createEmbedder, DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import type { Algorithm } from '../train/train-loop.js';
import { trainOnSyntheticTask } from '../train/train-synthetic.js';
import { trainOnLocomo, type LocomoTrack } from '../train/locomo/train-locomo.js';
import { locomoDataFile } from '../train/locomo/locomo-provenance.js';
import { installPolicies } from '../agents/policy-install.js';
import { loadLocomo } from '../eval/locomo/load-locomo.js';
import { splitLocomo } from '../eval/locomo/split.js';
import { createChatModel } from '../llm/create-chat-model.js';
import { printJson } from './output.js';
import { printInstalled, profileOption } from './policy-commands.js';
import { defaultModelsDir, defaultPoliciesDir, defaultProfileDir } from './paths.js';
import { bankBudgetOption, embedCacheOption, locomoEmbedder } from './locomo-options.js';
import { createProgress } from './progress.js';
import { numberIn } from './numbers.js';

const policiesOption = () => new Option('--policies <dir>', 'trained policies folder').default(defaultPoliciesDir(), '~/.memr1/profiles/default/policies');

/** `memr1 train`: learning the agents' policies (`memr1 policy` manages the profile's versions). */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      "train an agent's policy with PPO or GRPO: on LoCoMo with --data (the paper's split; chosen on validation; saved in --checkpoints/<algo>/<agent>), " +
        'else on its synthetic task (known optimal actions; the result becomes the profile\'s current policy)',
    )
    .addOption(new Option('--agent <agent>', 'which agent (both: the manager, then the answer agent on its banks; LoCoMo only)').choices(['manager', 'answer', 'both']).makeOptionMandatory())
    .addOption(new Option('--algo <algo>', 'RL algorithm').choices(['grpo', 'ppo']).default('grpo'))
    .option('--data <file>', 'train on LoCoMo (locomo10.json): train conv-26, choose on conv-30')
    .addOption(new Option('--track <track>', 'LoCoMo reward: evidence F1 of the kept memories (no LLM) or the LLM answer\'s exact match (needs --llm)').choices(['evidence', 'qa']).default('evidence'))
    .option('--llm <spec>', 'QA track: the frozen answering model (onnx:<folder-or-hub-id> | openai:<base-url>#<model>)')
    .option('--checkpoints <dir>', 'LoCoMo: where trained policies go, as <dir>/<algo>/<agent> (what `memr1 bench locomo` loads)', join(defaultProfileDir(), 'locomo-checkpoints'))
    .option('--steps <n>', 'training steps (default: the recipe for the agent and algorithm)', numberIn('--steps', { min: 1, max: 1_000_000, integer: true }))
    .addOption(bankBudgetOption())
    .option('--seed <n>', 'seed (tasks, initialisation, sampling)', numberIn('--seed', { min: 0, max: 2 ** 32 - 1, integer: true }), 7)
    .option('--out <dir>', "synthetic task: checkpoints folder (default: the profile's policies/<agent>)")
    .addOption(policiesOption())
    .option('--embed <spec>', 'embedder', DEFAULT_EMBEDDER)
    .addOption(embedCacheOption())
    .option('--install', "LoCoMo: then install the trained policies as the profile's current ones (as `memr1 policy install`)")
    .addOption(profileOption())
    .option('--json', 'print the summary as JSON')
    .action(async (opts: TrainCliOptions) => {
      if (opts.data) return trainLocomoCommand(opts);
      if (opts.install) throw new Error('--install installs LoCoMo-trained policies: add --data <locomo10.json> (synthetic training already saves into the profile\'s policies)');
      if (opts.agent === 'both') throw new Error('--agent both trains on LoCoMo only: add --data <locomo10.json>, or train manager and answer one at a time');
      await trainSyntheticCommand({ ...opts, agent: opts.agent });
    });
}

interface TrainCliOptions {
  agent: AgentName | 'both';
  algo: Algorithm;
  data?: string;
  track: LocomoTrack;
  llm?: string;
  checkpoints: string;
  steps?: number;
  bankBudget: number;
  seed: number;
  out?: string;
  policies: string;
  install?: boolean;
  profile: string;
  embed: string;
  embedCache: string;
  json?: boolean;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function trainSyntheticCommand(opts: TrainCliOptions & { agent: AgentName }): Promise<void> {
  const out = opts.out ?? policyFolder(opts.policies, opts.agent);
  const metricsFile = join(out, 'runs', `${opts.agent}-${opts.algo}-${stamp()}.jsonl`);
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
}

async function trainLocomoCommand(opts: TrainCliOptions): Promise<void> {
  if (opts.track === 'qa' && !opts.llm) throw new Error('the QA track needs a chat model: --llm onnx:<folder-or-hub-id> or --llm openai:<base-url>#<model>');
  const split = splitLocomo(await loadLocomo(opts.data!));
  const dataFile = await locomoDataFile(opts.data!);
  const progress = createProgress();
  const embedder = await locomoEmbedder(opts.embed, opts.embedCache, progress);
  const llm = opts.llm ? await createChatModel(opts.llm, { modelsDir: defaultModelsDir() }) : undefined;
  const agents: AgentName[] = opts.agent === 'both' ? ['manager', 'answer'] : [opts.agent];
  const summaries = [];
  try {
    for (const agent of agents) {
      const metricsFile = join(opts.checkpoints, opts.algo, agent, 'runs', `${opts.track}-${stamp()}.jsonl`);
      const result = await trainOnLocomo({
        split,
        dataFile,
        embedder,
        agent,
        algo: opts.algo,
        track: opts.track,
        ...(llm ? { llm } : {}),
        checkpoints: opts.checkpoints,
        seed: opts.seed,
        bankBudget: opts.bankBudget,
        metricsFile,
        ...(opts.steps ? { steps: opts.steps } : {}),
        onProgress: progress.update,
        onStep: (record) => progress.update(`${agent}/${opts.algo} (${opts.track})`, record.step, opts.steps ?? record.step),
      });
      progress.stop();
      const summary = { agent, algo: opts.algo, track: opts.track, version: result.meta.version, folder: result.folder, metrics_file: metricsFile, validation_baseline: result.baseline, validation_chosen: result.chosen, warnings: result.warnings };
      summaries.push(summary);
      if (!opts.json) {
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        console.log(`${agent}/${opts.algo} on LoCoMo (${opts.track}): validation ${formatScores(result.baseline)} (zero-shot) → ${formatScores(result.chosen.eval)} (step ${result.chosen.step}); saved ${result.meta.version} in ${result.folder}; learning curve in ${metricsFile}`);
      }
    }
    // Each agent's chosen version, installed only once every agent trained: a failed run installs nothing.
    const installed = opts.install ? await installPolicies(summaries.map((s) => ({ folder: s.folder, version: s.version })), opts.profile) : undefined;
    if (opts.json) printJson(installed ? { trained: summaries, installed } : summaries.length === 1 ? summaries[0] : summaries);
    else if (installed) printInstalled(installed, opts.profile);
  } finally {
    progress.stop();
    await Promise.all([embedder.dispose(), llm?.dispose()]);
  }
}

function formatScores(scores: Record<string, number>): string {
  return ['content_recall', 'evidence_recall', 'em', 'kept_mean', 'memories']
    .filter((key) => scores[key] !== undefined)
    .map((key) => `${key} ${scores[key]!.toFixed(3)}`)
    .join(', ');
}
