import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnswerAgent } from '../../agents/answer-agent.js';
import { loadAnswerPolicy, loadManagerPolicy } from '../../agents/policy-loader.js';
import type { Embedder } from '../../embed/embedder.js';
import type { MemoryStore } from '../../memory/store.js';
import { BernoulliPolicy } from '../../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../../rl/categorical-policy.js';
import { ANSWER_FEATURE_DIM } from '../../agents/answer-state.js';
import { MANAGER_FEATURE_DIM } from '../../agents/manager-state.js';
import type { LocomoConversation, LocomoQuestion } from '../locomo/types.js';
import { aggregate, type Aggregate, type ScoredQuestion } from '../metrics/aggregate.js';
import { CATEGORY_MAPPING_NOTE } from '../metrics/categories.js';
import { evidenceF1, evidenceRecall } from '../metrics/evidence.js';
import { bankFromObservations, bankFromTurns, openBank } from './build-bank.js';
import { METHOD_PLANS, type EvidenceMethod } from './methods.js';

export interface EvidenceTrackOptions {
  conversations: LocomoConversation[];
  /** The questions to score (category 5 already excluded by the split). */
  questions: LocomoQuestion[];
  methods: EvidenceMethod[];
  embedder: Embedder;
  /** `<dir>/<algo>/{manager,answer}`: trained checkpoints for the ppo and grpo methods. */
  checkpoints: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Means over a group of questions. */
export interface EvidenceFigures {
  questions: number;
  evidence_recall: number;
  evidence_f1: number;
  /** Mean size of the kept set. */
  kept_mean: number;
}

export interface MethodReport {
  overall: EvidenceFigures;
  /** By category name (see `category_mapping`). */
  categories: Record<string, EvidenceFigures>;
  /** Operations the manager chose while building the banks (observation methods). */
  operations?: Record<string, number>;
  policy_versions?: { manager: string; answer: string };
}

export interface EvidenceTrackReport {
  track: 'evidence';
  questions: number;
  /** Questions left out because LoCoMo gives them no evidence ids. */
  skipped_without_evidence: number;
  category_mapping: string;
  methods: Partial<Record<EvidenceMethod, MethodReport>>;
  seconds: number;
}

/**
 * The LLM-free evidence track: for each conversation and method, build the
 * memory bank through the real store (raw turns, or LoCoMo's observations
 * through the Memory Manager), retrieve 60 candidates per question (30 per
 * speaker), keep some, and score the kept memories' sources against the gold
 * evidence ids.
 */
export async function runEvidenceTrack(options: EvidenceTrackOptions): Promise<EvidenceTrackReport> {
  const started = performance.now();
  const asked = options.questions.filter((q) => q.evidence.length > 0);
  const rows = new Map<EvidenceMethod, ScoredQuestion[]>(options.methods.map((m) => [m, []]));
  // Operations the manager chose, per bank kind (mem0 and mem0-60 share one).
  const operations = new Map<string, Record<string, number>>();
  const versions = new Map<EvidenceMethod, { manager: string; answer: string }>();
  const policies = await loadPolicies(options);
  for (const [m, p] of policies) versions.set(m, { manager: p.managerVersion, answer: p.answerVersion });

  const workDir = mkdtempSync(join(tmpdir(), 'memr1-evidence-'));
  try {
    for (const conversation of options.conversations) {
      const questions = asked.filter((q) => q.id.startsWith(`${conversation.sampleId}#`));
      // Methods sharing a bank (mem0 and mem0-60) build it once.
      const banks = new Map<string, MemoryStore>();
      try {
        for (const method of options.methods) {
          const plan = METHOD_PLANS[method];
          const key = bankKey(method);
          let store = banks.get(key);
          if (!store) {
            store = await openBank(join(workDir, `${conversation.sampleId}-${key}`), options.embedder);
            banks.set(key, store);
            if (plan.bank === 'turns') await bankFromTurns(store, conversation);
            else {
              const policy = policies.get(method)!;
              let done = 0;
              const counts = await bankFromObservations(store, options.embedder, conversation, policy.manager, policy.managerVersion, () =>
                options.onProgress?.(`${conversation.sampleId} bank (${plan.manager})`, ++done, conversation.observations.length),
              );
              operations.set(key, addCounts(operations.get(key), counts));
            }
          }
          const agent = new AnswerAgent({ store, embedder: options.embedder, policy: policies.get(method)?.answer ?? BernoulliPolicy.create(ANSWER_FEATURE_DIM), subjects: conversation.speakers });
          for (const [i, question] of questions.entries()) {
            const result = await agent.distil(question.question);
            const kept = 'top' in plan.keep ? result.candidates.slice(0, plan.keep.top) : result.kept;
            const sources = kept.flatMap((m) => m.sources);
            rows.get(method)!.push({
              category: question.category,
              scores: { evidence_recall: evidenceRecall(sources, question.evidence), evidence_f1: evidenceF1(sources, question.evidence), kept: kept.length },
            });
            options.onProgress?.(`${conversation.sampleId} ${method}`, i + 1, questions.length);
          }
        }
      } finally {
        for (const store of banks.values()) await store.close();
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const methods: EvidenceTrackReport['methods'] = {};
  for (const method of options.methods) {
    const results = aggregate(rows.get(method)!);
    methods[method] = {
      overall: figures(results.overall),
      categories: Object.fromEntries(results.categories.map((c) => [`${c.category} ${c.name}`, figures(c)])),
      ...(operations.has(bankKey(method)) ? { operations: operations.get(bankKey(method))! } : {}),
      ...(versions.has(method) ? { policy_versions: versions.get(method)! } : {}),
    };
  }
  return {
    track: 'evidence',
    questions: asked.length,
    skipped_without_evidence: options.questions.length - asked.length,
    category_mapping: CATEGORY_MAPPING_NOTE,
    methods,
    seconds: Math.round((performance.now() - started) / 1000),
  };
}

interface MethodPolicies {
  manager: CategoricalPolicy;
  managerVersion: string;
  answer: BernoulliPolicy;
  answerVersion: string;
}

/** The zero-shot policies for `mem0`, the trained checkpoints for `ppo` and `grpo` (a clear error if missing). */
async function loadPolicies(options: EvidenceTrackOptions): Promise<Map<EvidenceMethod, MethodPolicies>> {
  const out = new Map<EvidenceMethod, MethodPolicies>();
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

function figures(group: Aggregate['overall']): EvidenceFigures {
  return {
    questions: group.count,
    evidence_recall: group.metrics.evidence_recall?.mean ?? 0,
    evidence_f1: group.metrics.evidence_f1?.mean ?? 0,
    kept_mean: group.metrics.kept?.mean ?? 0,
  };
}

function bankKey(method: EvidenceMethod): string {
  const plan = METHOD_PLANS[method];
  return plan.bank === 'turns' ? 'turns' : `observations-${plan.manager}`;
}

function addCounts(a: Record<string, number> | undefined, b: Record<string, number>): Record<string, number> {
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
