import { join } from 'node:path';
import { DEFAULT_KEEP } from '../../agents/answer-agent.js';
import { loadAnswerPolicy, loadManagerPolicy } from '../../agents/policy-loader.js';
import type { Embedder } from '../../embed/embedder.js';
import type { BernoulliPolicy } from '../../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../../rl/categorical-policy.js';
import { buildSimBank, type BankKind } from '../bank/build-sim-bank.js';
import { distillExample, type DistillExample } from '../bank/distill-example.js';
import { embedConversations, type EmbeddedConversation } from '../bank/embedded-conversation.js';
import type { LocomoSplit } from '../locomo/split.js';
import { aggregate, type ScoredQuestion } from '../metrics/aggregate.js';
import { CATEGORY_MAPPING_NOTE } from '../metrics/categories.js';
import { keptFigures, topIndices } from './kept-figures.js';
import { EVIDENCE_PLANS, RANK_TOP, type Distiller, type EvidenceMethod } from './methods.js';
import { SupervisedRanker } from './supervised-ranker.js';

export interface EvidenceTrackOptions {
  split: LocomoSplit;
  /** Which questions are scored. */
  part: 'validation' | 'test';
  methods: EvidenceMethod[];
  embedder: Embedder;
  /** `<dir>/<algo>/{manager,answer}`: trained checkpoints for the ppo and grpo methods. */
  checkpoints: string;
  /** Every method keeps exactly its `budget` best candidates; without it each keeps its own operating point. */
  budget?: number;
  /** The managed banks' budget, a share of the observations (unlimited when absent). */
  bankBudget?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Means over a group of questions. */
export interface EvidenceFigures {
  questions: number;
  evidence_recall: number;
  evidence_f1: number;
  /** Share of the gold answer's content words in the kept memories as the prompt renders them. */
  content_recall: number;
  kept_mean: number;
  /** Whitespace tokens of the kept memories' prompt lines. */
  kept_tokens_mean: number;
}

export interface MethodReport {
  bank: BankKind;
  overall: EvidenceFigures;
  /** By category name (see `category_mapping`). */
  categories: Record<string, EvidenceFigures>;
  /** The manager's operations while building the bank (observation banks). */
  manager_ops?: Record<string, number>;
  policy_versions: { manager: string; answer: string };
}

export interface EvidenceTrackReport {
  track: 'evidence';
  split: 'val' | 'test';
  questions: number;
  /** Questions left out because LoCoMo gives them no evidence ids. */
  skipped_without_evidence: number;
  budget: number | null;
  bank_budget: number | null;
  category_mapping: string;
  /** All 60 candidates of the distillation bank kept: the ceiling any distiller of them can reach. */
  pool: { bank: BankKind; overall: EvidenceFigures; categories: Record<string, EvidenceFigures> };
  methods: Partial<Record<EvidenceMethod, MethodReport>>;
  /** Each managed bank answered by one distiller (the grpo policy when trained, else the prior) at the budget (8 without one): the managers compared alone. */
  banks: Partial<Record<BankKind, { distiller: string; budget: number; overall: EvidenceFigures; memories_mean: number; manager_ops?: Record<string, number> }>>;
  /** The supervised baseline's L2 strength, chosen on conv-30. */
  supervised?: { l2: number };
  seconds: number;
}

/** The budget at which banks are compared when the run has none (the figure). */
const BANK_COMPARISON_BUDGET = 8;

/**
 * The LLM-free evidence track: every method's bank is built in memory
 * (`SimBank`: the same operations the store would apply), each question's
 * 60 candidates are retrieved once per bank (30 per speaker, hybrid), and
 * each method keeps some; the kept memories are scored for provenance
 * (evidence recall, F1), content (the answer's words) and size.
 */
export async function runEvidenceTrack(options: EvidenceTrackOptions): Promise<EvidenceTrackReport> {
  const started = performance.now();
  const { split, methods, budget } = options;
  const plans = methods.map((m) => EVIDENCE_PLANS[m]);
  const policies = await loadPolicies(options.checkpoints, new Set(plans.map((p) => p.distiller).filter((d): d is 'ppo' | 'grpo' => d === 'ppo' || d === 'grpo')), methods);
  const distillationBank: BankKind = policies.grpo ? 'grpo' : 'heuristic';
  const bankOf = (method: EvidenceMethod): BankKind => {
    const bank = EVIDENCE_PLANS[method].bank;
    return bank === 'distillation' ? distillationBank : bank;
  };
  const part = split[options.part];
  const needsSupervised = methods.includes('supervised');
  // The supervised baseline also needs conv-26 and conv-30 (once each, even when conv-30 is the part scored).
  const parts = needsSupervised ? [...new Set([part, split.train, split.validation])] : [part];
  options.onProgress?.('embedding', 0, 1);
  const embedded = await embedConversations(
    options.embedder,
    parts.flatMap((p) => p.conversations),
    parts.flatMap((p) => p.questions),
    { withTurns: methods.includes('rag') },
  );
  options.onProgress?.('embedding', 1, 1);
  const byId = new Map(embedded.map((c) => [c.sampleId, c]));
  const managers = { ...(policies.ppo ? { ppo: policies.ppo.manager } : {}), ...(policies.grpo ? { grpo: policies.grpo.manager } : {}) };
  const bankOptions = { ...(options.bankBudget === undefined ? {} : { bankBudget: options.bankBudget }), managers };

  const supervised = needsSupervised
    ? SupervisedRanker.fit(
        examplesOf(byId.get(split.train.conversations[0]!.sampleId)!, distillationBank, bankOptions),
        examplesOf(byId.get(split.validation.conversations[0]!.sampleId)!, distillationBank, bankOptions),
        budget ?? BANK_COMPARISON_BUDGET,
      )
    : undefined;
  const scorer = (distiller: Distiller) => (example: DistillExample): ArrayLike<number> => {
    if (distiller === 'rank') return example.candidates.map((_, i) => -i);
    if (distiller === 'supervised') return supervised!.scores(example.state);
    return policies[distiller]!.answer.stateLogits(example.state);
  };
  const keptBy = (distiller: Distiller, example: DistillExample, size: number | undefined): number[] => {
    const scores = scorer(distiller)(example);
    if (size !== undefined) return topIndices(scores, size);
    if (distiller === 'rank') return topIndices(scores, RANK_TOP);
    // The trained policies pick the chat's 8 (what they were trained and selected at); the classifier keeps p > 0.5.
    if (distiller !== 'supervised') return topIndices(scores, DEFAULT_KEEP);
    return Array.from(scores, (s, i) => (s > 0 ? i : -1)).filter((i) => i >= 0);
  };

  const rows = new Map<string, ScoredQuestion[]>();
  const push = (key: string, category: number, scores: Record<string, number>) => {
    const list = rows.get(key) ?? [];
    list.push({ category, scores });
    rows.set(key, list);
  };
  const operations = new Map<BankKind, Record<string, number>>();
  const memories = new Map<BankKind, number[]>();
  const bankKinds = new Set<BankKind>([...methods.map(bankOf), ...(methods.some((m) => bankOf(m) !== 'turns') ? [distillationBank] : [])]);
  const comparisonDistiller: Distiller = policies.grpo ? 'grpo' : 'rank';
  for (const [c, conversation] of part.conversations.entries()) {
    const data = byId.get(conversation.sampleId)!;
    for (const kind of bankKinds) {
      options.onProgress?.(`${conversation.sampleId} ${kind} bank`, c, part.conversations.length);
      const built = buildSimBank(kind, data, bankOptions);
      if (built.operations) operations.set(kind, addCounts(operations.get(kind), built.operations));
      memories.set(kind, [...(memories.get(kind) ?? []), built.memories.length]);
      const examples = data.questions.map((q) => distillExample(built.memories, q, data.speakers));
      for (const example of examples) {
        const { question } = example;
        for (const method of methods.filter((m) => bankOf(m) === kind)) {
          const kept = keptBy(EVIDENCE_PLANS[method].distiller, example, budget).map((i) => example.candidates[i]!);
          push(method, question.category, keptFigures(question, kept));
        }
        if (kind === distillationBank) push('pool', question.category, keptFigures(question, example.candidates));
        if (kind !== 'turns') {
          const kept = keptBy(comparisonDistiller, example, budget ?? BANK_COMPARISON_BUDGET).map((i) => example.candidates[i]!);
          push(`bank:${kind}`, question.category, keptFigures(question, kept));
        }
      }
    }
  }

  const summary = (key: string) => {
    const results = aggregate(rows.get(key) ?? []);
    return { overall: figures(results.overall), categories: Object.fromEntries(results.categories.map((g) => [`${g.category} ${g.name}`, figures(g)])) };
  };
  const report: EvidenceTrackReport['methods'] = {};
  for (const method of methods) {
    const kind = bankOf(method);
    const distiller = EVIDENCE_PLANS[method].distiller;
    const managerVersion = kind === 'ppo' || kind === 'grpo' ? policies[kind]!.managerVersion : kind === 'turns' ? 'none' : kind;
    const answerVersion = distiller === 'ppo' || distiller === 'grpo' ? policies[distiller]!.answerVersion : distiller;
    report[method] = { bank: kind, ...summary(method), ...(operations.has(kind) ? { manager_ops: operations.get(kind)! } : {}), policy_versions: { manager: managerVersion, answer: answerVersion } };
  }
  const banks: EvidenceTrackReport['banks'] = {};
  for (const kind of bankKinds) {
    if (kind === 'turns') continue;
    const counts = memories.get(kind)!;
    banks[kind] = { distiller: comparisonDistiller === 'grpo' ? `grpo ${policies.grpo!.answerVersion}` : 'prior (rank)', budget: budget ?? BANK_COMPARISON_BUDGET, overall: summary(`bank:${kind}`).overall, memories_mean: counts.reduce((a, b) => a + b, 0) / counts.length, ...(operations.has(kind) ? { manager_ops: operations.get(kind)! } : {}) };
  }
  const asked = part.questions.filter((q) => q.evidence.length > 0);
  return {
    track: 'evidence',
    split: options.part === 'validation' ? 'val' : 'test',
    questions: asked.length,
    skipped_without_evidence: part.questions.length - asked.length,
    budget: budget ?? null,
    bank_budget: options.bankBudget ?? null,
    category_mapping: CATEGORY_MAPPING_NOTE,
    pool: { bank: distillationBank, ...summary('pool') },
    methods: report,
    banks,
    ...(supervised ? { supervised: { l2: supervised.l2 } } : {}),
    seconds: Math.round((performance.now() - started) / 1000),
  };
}

/** A conversation's distillation examples over one of its banks (the supervised baseline's data). */
function examplesOf(conversation: EmbeddedConversation, kind: BankKind, bankOptions: Parameters<typeof buildSimBank>[2]): DistillExample[] {
  const { memories } = buildSimBank(kind, conversation, bankOptions);
  return conversation.questions.map((q) => distillExample(memories, q, conversation.speakers));
}

interface TrainedPolicies {
  manager: CategoricalPolicy;
  managerVersion: string;
  answer: BernoulliPolicy;
  answerVersion: string;
}

/**
 * The trained checkpoints the methods need (a clear error when missing). The
 * grpo manager is also loaded, when trained, for the distillation bank that
 * `topk` and `supervised` share.
 */
async function loadPolicies(checkpoints: string, needed: ReadonlySet<'ppo' | 'grpo'>, methods: readonly EvidenceMethod[]): Promise<Partial<Record<'ppo' | 'grpo', TrainedPolicies>>> {
  const out: Partial<Record<'ppo' | 'grpo', TrainedPolicies>> = {};
  const sharesGrpoBank = methods.some((m) => EVIDENCE_PLANS[m].bank === 'distillation');
  for (const algo of ['ppo', 'grpo'] as const) {
    if (!needed.has(algo) && !(algo === 'grpo' && sharesGrpoBank)) continue;
    const dir = join(checkpoints, algo);
    const [manager, answer] = [await loadManagerPolicy(dir), await loadAnswerPolicy(dir)];
    const trained = manager.version !== 'prior' && answer.version !== 'prior';
    if (!trained && needed.has(algo)) {
      const missing = [manager.version === 'prior' ? 'manager' : null, answer.version === 'prior' ? 'answer' : null].filter(Boolean).join(' and ');
      throw new Error(
        `no trained ${missing} checkpoint for "${algo}" in ${dir} (${[...manager.warnings, ...answer.warnings].join('; ') || 'empty'}); ` +
          `train them first: memr1 train --data <locomo10.json> --algo ${algo} --agent both --out ${checkpoints}`,
      );
    }
    if (trained) out[algo] = { manager: manager.policy, managerVersion: manager.version, answer: answer.policy, answerVersion: answer.version };
  }
  return out;
}

function figures(group: ReturnType<typeof aggregate>['overall']): EvidenceFigures {
  const mean = (metric: string) => group.metrics[metric]?.mean ?? 0;
  return {
    questions: group.count,
    evidence_recall: mean('evidence_recall'),
    evidence_f1: mean('evidence_f1'),
    content_recall: mean('content_recall'),
    kept_mean: mean('kept'),
    kept_tokens_mean: mean('kept_tokens'),
  };
}

function addCounts(a: Record<string, number> | undefined, b: Record<string, number>): Record<string, number> {
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
