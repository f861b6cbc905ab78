import { AnswerAgent } from '../../agents/answer-agent.js';
import type { Embedder } from '../../embed/embedder.js';
import type { LocomoConversation, LocomoQuestion } from '../locomo/types.js';
import { aggregate, type Aggregate, type ScoredQuestion } from '../metrics/aggregate.js';
import { CATEGORY_MAPPING_NOTE } from '../metrics/categories.js';
import { evidenceF1, evidenceRecall } from '../metrics/evidence.js';
import { bankKey, forEachMethodBank } from '../method-banks.js';
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
  policy_versions: { manager: string; answer: string };
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
  const versions = new Map<EvidenceMethod, { manager: string; answer: string }>();
  const operations = await forEachMethodBank(options, async ({ conversation, method, store, policies }) => {
    versions.set(method, { manager: policies.managerVersion, answer: policies.answerVersion });
    const keep = METHOD_PLANS[method].keep;
    const agent = new AnswerAgent({ store, embedder: options.embedder, policy: policies.answer, subjects: conversation.speakers });
    const questions = asked.filter((q) => q.id.startsWith(`${conversation.sampleId}#`));
    for (const [i, question] of questions.entries()) {
      const result = await agent.distil(question.question);
      const kept = 'top' in keep ? result.candidates.slice(0, keep.top) : result.kept;
      const sources = kept.flatMap((m) => m.sources);
      rows.get(method)!.push({
        category: question.category,
        scores: { evidence_recall: evidenceRecall(sources, question.evidence), evidence_f1: evidenceF1(sources, question.evidence), kept: kept.length },
      });
      options.onProgress?.(`${conversation.sampleId} ${method}`, i + 1, questions.length);
    }
  });
  const methods: EvidenceTrackReport['methods'] = {};
  for (const method of options.methods) {
    const results = aggregate(rows.get(method)!);
    methods[method] = {
      overall: figures(results.overall),
      categories: Object.fromEntries(results.categories.map((c) => [`${c.category} ${c.name}`, figures(c)])),
      ...(operations.has(bankKey(method)) ? { operations: operations.get(bankKey(method))! } : {}),
      policy_versions: versions.get(method)!,
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

function figures(group: Aggregate['overall']): EvidenceFigures {
  return {
    questions: group.count,
    evidence_recall: group.metrics.evidence_recall?.mean ?? 0,
    evidence_f1: group.metrics.evidence_f1?.mean ?? 0,
    kept_mean: group.metrics.kept?.mean ?? 0,
  };
}
