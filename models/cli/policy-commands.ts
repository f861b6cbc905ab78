import { type Command, Option } from 'commander';
import { findInstallSources, installPolicies, type InstalledPolicy } from '../agents/policy-install.js';
import { FEATURE_DIMS, policyFolder, type AgentName } from '../agents/policy-loader.js';
import { CheckpointStore, type CheckpointMeta } from '../rl/checkpoints.js';
import type { PolicyProvenance } from '../rl/provenance.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { profileLayout } from '../util/profile-layout.js';
import { printJson } from './output.js';
import { defaultPoliciesDir, defaultProfileDir } from './paths.js';

const AGENTS: readonly AgentName[] = ['manager', 'answer'];
const policiesOption = () => new Option('--policies <dir>', 'trained policies folder').default(defaultPoliciesDir(), '~/.memr1/profiles/default/policies');
export const profileOption = () => new Option('--profile <dir>', 'profile folder whose policies/ receive the installed versions').default(defaultProfileDir(), '~/.memr1/profiles/default');

/** `memr1 policy show | install | rollback`: the profile's policy versions, what the chat and the learning updater use. */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description("show, install or roll back the agents' policy versions (the profile's: what the chat and the learning updater use, unless --policies names another folder)");
  policy
    .command('show')
    .description('per agent: the version in use, where it came from (provenance) and its scores, then every version; the current one is marked')
    .addOption(new Option('--agent <agent>', 'one agent (default: both)').choices(AGENTS))
    .addOption(policiesOption())
    .option('--json', 'print JSON (one object with --agent, else one per agent)')
    .action(async (opts: { agent?: AgentName; policies: string; json?: boolean }) => {
      await ensureTfBackend();
      const views = [];
      for (const agent of opts.agent ? [opts.agent] : AGENTS) views.push(await agentPolicies(opts.policies, agent));
      if (opts.json) return printJson(opts.agent ? views[0] : views);
      console.log(views.map(describeAgent).join('\n\n'));
    });
  policy
    .command('install')
    .description(
      'make trained policies the profile\'s current ones: <dir> is a `memr1 train --data` folder (<checkpoints>/<algo>, holding manager/ and/or answer/) or one agent\'s folder; ' +
        'the current version of each is copied as a new version with its provenance. Refused while the app or `memr1 serve` has the profile open',
    )
    .argument('<dir>', 'checkpoints folder to install from')
    .addOption(profileOption())
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { profile: string; json?: boolean }) => {
      const installed = await installPolicies(await findInstallSources(dir), opts.profile);
      printInstalled(installed, opts.profile, opts.json);
    });
  policy
    .command('rollback')
    .description(
      'make the previous good version current. A running app (memr1 serve, the desktop app) keeps the policy it loaded until it restarts; ' +
        "its Learning screen's rollback switches at once",
    )
    .addOption(new Option('--agent <agent>', 'which agent').choices(AGENTS).makeOptionMandatory())
    .addOption(policiesOption())
    .option('--json', 'print JSON')
    .action(async (opts: { agent: AgentName; policies: string; json?: boolean }) => {
      await ensureTfBackend();
      const meta = await new CheckpointStore(policyFolder(opts.policies, opts.agent)).rollback();
      if (opts.json) printJson({ agent: opts.agent, current: meta.version });
      else console.log(`${opts.agent}: ${meta.version} is current again`);
    });
}

/** What `install` did, as JSON or one line per agent. */
export function printInstalled(installed: readonly InstalledPolicy[], profileDir: string, json?: boolean): void {
  if (json) return printJson({ policies: profileLayout(profileDir).policies, installed });
  for (const item of installed) {
    console.log(`${item.agent}: installed ${item.from.folder} ${item.from.version} as ${item.version}, now current (${describeProvenance(item.provenance)})`);
  }
}

interface AgentPolicies {
  agent: AgentName;
  /** The version `current` names (null: none). */
  current: string | null;
  /** What the chat loads: the current version, an older good one when it is damaged, or `prior`. */
  in_use: string;
  provenance: PolicyProvenance | null;
  metrics: Record<string, number>;
  warnings: string[];
  versions: CheckpointMeta[];
}

/** An agent's versions and the one the chat would load now, with the same fallbacks the chat applies. */
async function agentPolicies(policiesDir: string, agent: AgentName): Promise<AgentPolicies> {
  const store = new CheckpointStore(policyFolder(policiesDir, agent));
  const [versions, current] = [await store.list(), await store.currentVersion().catch(() => null)];
  const loaded = await store.loadCurrent({ featureDim: FEATURE_DIMS[agent] });
  for (const model of Object.values(loaded.models ?? {})) model.dispose();
  return {
    agent,
    current,
    in_use: loaded.meta?.version ?? 'prior',
    provenance: loaded.meta?.provenance ?? null,
    metrics: loaded.meta?.metrics ?? {},
    warnings: loaded.warnings,
    versions,
  };
}

function describeAgent(view: AgentPolicies): string {
  const inUse =
    view.in_use === 'prior'
      ? `${view.agent}: the untrained prior is in use (\`memr1 train --data locomo10.json --agent both --install\` trains and installs a policy)`
      : `${view.agent}: ${view.in_use} in use${view.provenance ? `, ${describeProvenance(view.provenance)}` : ' (no provenance recorded)'}`;
  const lines = [inUse, ...view.warnings.map((w) => `  warning: ${w}`)];
  for (const v of view.versions) {
    const from = v.provenance ? ` ${v.provenance.source}` : '';
    lines.push(`${v.version === view.current ? '*' : ' '} ${v.version}  ${v.algo}${from}  ${v.created_at}  ${formatScores(v.metrics)}`);
  }
  return lines.join('\n');
}

function describeProvenance(p: PolicyProvenance): string {
  const data = p.data_file ? ` on ${p.data_file}${p.data_sha256 ? ` (sha256 ${p.data_sha256.slice(0, 12)}…)` : ''}` : '';
  const parts = [
    `${p.source}${data}, ${p.algorithm.toUpperCase()}${p.seed !== undefined ? ` seed ${p.seed}` : ''}, prior ${p.prior}`,
    p.trained_at ? `trained ${p.trained_at}` : '',
    p.split ? `split train ${p.split.train.join(',')} / validation ${p.split.validation.join(',')}` : '',
    p.validation ? `validation ${formatScores(p.validation)}` : '',
    p.test ? `test ${formatScores(p.test)}` : '',
    p.installed_from ? `installed from ${p.installed_from} at ${p.installed_at ?? '?'}` : '',
    p.licence ? `data licence: ${p.licence}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}

function formatScores(scores: Record<string, number>): string {
  return Object.entries(scores)
    .map(([k, x]) => `${k}=${x.toFixed(3)}`)
    .join(' ');
}
