import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWER_FEATURE_DIM } from '../../agents/answer-state.js';
import { MANAGER_FEATURE_DIM } from '../../agents/manager-state.js';
import { loadAnswerPolicy, loadManagerPolicy } from '../../agents/policy-loader.js';
import type { Embedder } from '../../embed/embedder.js';
import type { ChatModel } from '../../llm/chat-model.js';
import type { MemoryStore } from '../../memory/store.js';
import { BernoulliPolicy } from '../../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../../rl/categorical-policy.js';
import { bankFromObservations, bankFromTurns, bankFromTurnsByExtraction, openBank } from '../evidence/build-bank.js';
import { QA_METHOD_PLANS as METHOD_PLANS, type QaMethod } from './qa-methods.js';
import type { LocomoConversation } from '../locomo/types.js';

/** The policies one method runs with. */
export interface MethodPolicies {
  manager: CategoricalPolicy;
  managerVersion: string;
  answer: BernoulliPolicy;
  answerVersion: string;
}

export interface MethodBankOptions {
  conversations: LocomoConversation[];
  methods: QaMethod[];
  embedder: Embedder;
  /** `<dir>/<algo>/{manager,answer}`: trained checkpoints for the ppo and grpo methods. */
  checkpoints: string;
  /** The QA track's LLM: the manager's prior (and fact extractor with `facts: 'extraction'`). */
  llm?: ChatModel;
  /** Observation banks from LoCoMo's observations (default) or from the LLM's extraction over the turns. */
  facts?: 'observations' | 'extraction';
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One method's bank for one conversation, ready for questions. */
export interface MethodBank {
  conversation: LocomoConversation;
  method: QaMethod;
  store: MemoryStore;
  policies: MethodPolicies;
}

/**
 * Builds every method's memory bank for every conversation through the real
 * store (methods that share a bank build it once) and hands each to `visit`.
 * Returns the manager's operation counts per bank kind.
 */
export async function forEachMethodBank(options: MethodBankOptions, visit: (bank: MethodBank) => Promise<void>): Promise<Map<string, Record<string, number>>> {
  const policies = await loadMethodPolicies(options);
  const operations = new Map<string, Record<string, number>>();
  const workDir = mkdtempSync(join(tmpdir(), 'memr1-locomo-'));
  try {
    for (const conversation of options.conversations) {
      const banks = new Map<string, MemoryStore>();
      try {
        for (const method of options.methods) {
          const key = bankKey(method);
          let store = banks.get(key);
          if (!store) {
            store = await openBank(join(workDir, `${conversation.sampleId}-${key}`), options.embedder);
            banks.set(key, store);
            const counts = await fill(store, conversation, method, policies.get(method)!, options);
            if (counts) operations.set(key, addCounts(operations.get(key), counts));
          }
          await visit({ conversation, method, store, policies: policies.get(method)! });
        }
      } finally {
        for (const store of banks.values()) await store.close();
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return operations;
}

export function bankKey(method: QaMethod): string {
  const plan = METHOD_PLANS[method];
  return plan.bank === 'turns' ? 'turns' : `observations-${plan.manager}`;
}

async function fill(store: MemoryStore, conversation: LocomoConversation, method: QaMethod, policies: MethodPolicies, options: MethodBankOptions): Promise<Record<string, number> | undefined> {
  const plan = METHOD_PLANS[method];
  if (plan.bank === 'turns') {
    await bankFromTurns(store, conversation);
    return undefined;
  }
  let done = 0;
  const stage = `${conversation.sampleId} bank (${plan.manager})`;
  if (options.facts === 'extraction') {
    if (!options.llm) throw new Error('fact extraction needs an LLM (--llm)');
    return bankFromTurnsByExtraction(store, options.embedder, conversation, policies.manager, policies.managerVersion, options.llm, () => options.onProgress?.(stage, ++done, conversation.turns.length));
  }
  const tick = () => options.onProgress?.(stage, ++done, conversation.observations.length);
  return bankFromObservations(store, options.embedder, conversation, policies.manager, policies.managerVersion, tick, options.llm);
}

/** The zero-shot policies for `rag` and `mem0`, the trained checkpoints for `ppo` and `grpo` (a clear error if missing). */
async function loadMethodPolicies(options: MethodBankOptions): Promise<Map<QaMethod, MethodPolicies>> {
  const out = new Map<QaMethod, MethodPolicies>();
  for (const method of options.methods) {
    const plan = METHOD_PLANS[method];
    if (plan.manager === 'prior' || plan.manager === 'none') {
      out.set(method, { manager: CategoricalPolicy.create(MANAGER_FEATURE_DIM), managerVersion: 'prior', answer: BernoulliPolicy.create(ANSWER_FEATURE_DIM), answerVersion: 'prior' });
      continue;
    }
    const dir = join(options.checkpoints, plan.manager);
    const [manager, answer] = [await loadManagerPolicy(dir), await loadAnswerPolicy(dir)];
    if (manager.version === 'prior' || answer.version === 'prior') {
      const missing = [manager.version === 'prior' ? 'manager' : null, answer.version === 'prior' ? 'answer' : null].filter(Boolean).join(' and ');
      throw new Error(
        `no trained ${missing} checkpoint for "${method}" in ${dir} (${[...manager.warnings, ...answer.warnings].join('; ') || 'empty'}); ` +
          `train them first: memr1 train --data <locomo10.json> --algo ${plan.manager} --agent manager|answer --out ${dir}`,
      );
    }
    out.set(method, { manager: manager.policy, managerVersion: manager.version, answer: answer.policy, answerVersion: answer.version });
  }
  return out;
}

function addCounts(a: Record<string, number> | undefined, b: Record<string, number>): Record<string, number> {
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
