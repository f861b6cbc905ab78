import { type Command, Option } from 'commander';
import { AnswerAgent } from '../agents/answer-agent.js';
import { MemoryManager } from '../agents/memory-manager.js';
import { loadAnswerPolicy, loadManagerPolicy, policyVersionInUse } from '../agents/policy-loader.js';
import { createEmbedder, DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import type { Embedder } from '../embed/embedder.js';
import type { ChatModel } from '../llm/chat-model.js';
import { createChatModel, DEFAULT_DTYPE } from '../llm/create-chat-model.js';
import { withoutVector } from '../memory/records.js';
import { MemoryStore } from '../memory/store.js';
import { addModelOptions, type ModelCliOptions } from './model-options.js';
import { printJson } from './output.js';
import { defaultDatabasePath, defaultPoliciesDir } from './paths.js';

interface AgentCliOptions extends ModelCliOptions {
  db: string;
  embed: string;
  llm?: string;
  policies: string;
  json?: boolean;
}

/** The options `ingest` and `ask` share: where the memory, the policies and the models are. */
function addAgentOptions(command: Command): Command {
  return addModelOptions(command, DEFAULT_DTYPE)
    .addOption(new Option('--db <dir>', 'memory database folder or LanceDB URI').default(defaultDatabasePath(), '~/.memr1/profiles/default/memory'))
    .option('--embed <spec>', 'embedder: use-lite | transformers:<folder> | openai:<base-url>#<model>', DEFAULT_EMBEDDER)
    .option('--llm <spec>', 'chat model (onnx:<folder-or-hub-id> | openai:<base-url>#<model>); without it the agents run LLM-free')
    .addOption(new Option('--policies <dir>', 'trained policies folder').default(defaultPoliciesDir(), '~/.memr1/profiles/default/policies'))
    .option('--json', 'print JSON');
}

/** Opens what an agent needs, runs `use`, and closes everything. */
async function withAgentParts<T>(opts: AgentCliOptions, use: (parts: { store: MemoryStore; embedder: Embedder; llm?: ChatModel }) => Promise<T>): Promise<T> {
  const embedder = await createEmbedder(opts.embed);
  const llm = opts.llm ? await createChatModel(opts.llm, { modelsDir: opts.models, dtype: opts.dtype, device: opts.device, ...(opts.hub ? { hubUrl: opts.hub } : {}) }) : undefined;
  try {
    const store = await MemoryStore.open({ uri: opts.db, embedder });
    try {
      return await use({ store, embedder, ...(llm ? { llm } : {}) });
    } finally {
      await store.close();
    }
  } finally {
    await llm?.dispose();
    await embedder.dispose();
  }
}

/** `memr1 ingest` and `memr1 ask`: the two Memory-R1 agents on one message. */
export function registerAgentCommands(program: Command): void {
  addAgentOptions(program.command('ingest').description('run the Memory Manager on one message: choose and apply ADD / UPDATE / DELETE / NOOP per fact'))
    .requiredOption('--subject <subject>', 'whom the message is about (or who said it)')
    .requiredOption('--text <text>', 'the message (without --llm it is the fact)')
    .option('--time <iso>', 'when it was said')
    .option('--source <id...>', 'ids of the message(s)')
    .option('--scope <name>', 'the scope it is told in: only its memories are compared, and new ones go there (default personal)')
    .action(async (opts: AgentCliOptions & { subject: string; text: string; time?: string; source?: string[]; scope?: string }) => {
      const loaded = await loadManagerPolicy(opts.policies);
      for (const warning of loaded.warnings) console.error(`memr1: ${warning}`);
      await withAgentParts(opts, async ({ store, embedder, llm }) => {
        const manager = new MemoryManager({ store, embedder, policy: loaded.policy, policyVersion: loaded.version, ...(llm ? { llm } : {}), ...(opts.scope !== undefined && { scope: opts.scope }) });
        const decisions = await manager.ingest({ subject: opts.subject, text: opts.text, time: opts.time ?? null, sources: opts.source ?? [] });
        const operations = decisions.map((d) => ({
          kind: d.op.kind,
          memory_id: d.op.memory_id,
          op_id: d.op.op_id,
          text: d.op.after?.text ?? d.op.before?.text ?? null,
          before: d.op.before && withoutVector(d.op.before),
          fact: d.fact.text,
          prior: d.prior,
          prior_source: d.priorSource,
        }));
        if (opts.json) return printJson({ policy_version: loaded.version, operations });
        if (!operations.length) console.log('no facts worth remembering');
        for (const op of operations) console.log(`${op.kind.padEnd(6)} ${op.memory_id ?? '-'}  ${op.text ?? ''}  (op ${op.op_id}; prior ${op.prior_source}: ${op.prior.kind})`);
      });
    });

  addAgentOptions(program.command('ask').description('run the Answer Agent: retrieve 60 memories, keep the relevant ones, and answer (with --llm)'))
    .requiredOption('--query <question>', 'the question')
    .option('--subjects <a,b>', 'two subjects to retrieve 30 candidates each from (as the paper does for two speakers)')
    .option('--scope <name>', 'retrieve among this scope\'s memories only (default personal)')
    .action(async (opts: AgentCliOptions & { query: string; subjects?: string; scope?: string }) => {
      const loaded = await loadAnswerPolicy(opts.policies);
      for (const warning of loaded.warnings) console.error(`memr1: ${warning}`);
      // Both agents' versions: the kept memories come from banks the manager in use built.
      const policyVersion = { manager: await policyVersionInUse(opts.policies, 'manager'), answer: loaded.version };
      await withAgentParts(opts, async ({ store, embedder, llm }) => {
        const subjects = opts.subjects?.split(',').map((s) => s.trim());
        const agent = new AnswerAgent({ store, embedder, policy: loaded.policy, ...(llm ? { llm } : {}), ...(subjects ? { subjects } : {}), ...(opts.scope !== undefined && { scope: opts.scope }) });
        const result = await agent.answer(opts.query);
        const kept = result.kept.map((memory) => ({ ...withoutVector(memory), score: result.scores[result.candidates.indexOf(memory)]! }));
        if (opts.json) return printJson({ policy_version: policyVersion, candidates: result.candidates.length, kept, ...(result.answer !== undefined ? { answer: result.answer } : {}) });
        for (const memory of kept) console.log(`${memory.score.toFixed(3)}  [${memory.subject}] ${memory.event_time ? `${memory.event_time.slice(0, 10)}: ` : ''}${memory.text}`);
        console.log(`(kept ${kept.length} of ${result.candidates.length} candidates)`);
        if (result.answer !== undefined) console.log(`\nAnswer: ${result.answer}`);
      });
    });
}
