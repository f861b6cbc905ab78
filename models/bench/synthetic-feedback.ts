import { distillState, distillStateFeatures, vectorCandidates, type Candidate } from '../agents/answer-state.js';
import { actionIndex, managerState, managerStateFeatures, type FactView, type ManagerAction, type RelatedMemory } from '../agents/manager-state.js';
import { bernoulliLogProb, categoricalLogProb } from '../learning/log-probs.js';
import { EpisodeLog } from '../memory/episode-log.js';
import { FeedbackLog, type FeedbackInput } from '../memory/feedback-log.js';
import type { MemoryStore } from '../memory/store.js';
import { mulberry32 } from '../util/seeded-random.js';
import { dot } from '../util/vector.js';

/** A manager decision the user reviewed: the prior's (and so the untrained policy's) choice, and the review. */
export interface SyntheticManagerCase {
  id: string;
  prior: ManagerAction['kind'];
  review: 'op_accepted' | 'op_rejected';
}

/**
 * A reply the user rated: a thumb, or (default) a correction that only the
 * top candidate supports (the prior keeps the top four).
 */
export interface SyntheticAnswerCase {
  id: string;
  review?: 'answer_up' | 'answer_down' | 'answer_corrected';
}

export interface SyntheticFeedbackShape {
  /** Related memories per manager decision (the app retrieves 10). */
  related?: number;
  /** Candidates per reply (the app retrieves 60). */
  candidates?: number;
}

const TOPICS = ['tea', 'Lisbon', 'the piano', 'running', 'Kyoto', 'the dentist', 'Python', 'the garden', 'a birthday', 'chess', 'the flat', 'Rex'];

function unitVector(random: () => number, dimension = 16): Float32Array {
  const v = Float32Array.from({ length: dimension }, () => random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * Writes, straight into a profile's `episodes` and `feedback` tables, the
 * episodes the chat would have recorded under the untrained policy (which
 * chooses what the prior chooses) and the user's feedback on them, as if
 * learning had been on. The states are real: the agents' own feature
 * builders over synthetic facts, memories and candidates. For tests (with
 * feedback whose right direction is known) and the updater benchmark.
 */
export async function writeSyntheticFeedback(
  store: MemoryStore,
  data: { manager?: readonly SyntheticManagerCase[]; answer?: readonly SyntheticAnswerCase[] },
  shape: SyntheticFeedbackShape = {},
): Promise<void> {
  const random = mulberry32(11);
  const episodes = new EpisodeLog(store.tables.episodes!);
  const feedback = new FeedbackLog(store.tables.feedback);
  const signals: FeedbackInput[] = [];
  for (const [n, c] of (data.manager ?? []).entries()) {
    const topic = TOPICS[n % TOPICS.length]!;
    const fact: FactView = { text: `The user talked about ${topic} again (${n}).`, vector: unitVector(random), subject: 'user', time: null };
    const related: RelatedMemory[] = Array.from({ length: shape.related ?? 3 }, (_, i) => {
      const vector = unitVector(random);
      return { id: `${c.id}-m${i}`, text: `The user mentioned ${topic} once (${n}.${i}).`, vector, subject: 'user', event_time: null, score: dot(vector, fact.vector) };
    });
    const prior: ManagerAction = c.prior === 'ADD' || c.prior === 'NOOP' ? { kind: c.prior } : { kind: c.prior, index: 0 };
    const state = managerState(fact, related, prior);
    await episodes.record({
      agent: 'manager',
      target_id: c.id,
      policy_version: 'prior',
      features: state.features,
      prior: state.prior,
      state_features: managerStateFeatures(fact, related),
      action: [actionIndex(prior, related.length)],
      // The untrained policy's logits are the prior's (its network's last layer starts at zero).
      log_prob: categoricalLogProb(state.prior, actionIndex(prior, related.length)),
      context: { fact: fact.text, related: related.map(({ id, text }) => ({ id, text })) },
    });
    signals.push({ kind: c.review, target_id: c.id, value: c.review === 'op_accepted' ? 1 : -1 });
  }
  for (const [n, c] of (data.answer ?? []).entries()) {
    const topic = TOPICS[n % TOPICS.length]!;
    const question = `What is my favourite (${n})?`;
    const candidates: Candidate[] = vectorCandidates(Array.from({ length: shape.candidates ?? 10 }, (_, i) => ({
      id: `${c.id}-c${i}`,
      text: i === 0 ? `The user's favourite is ${topic}.` : `Something else entirely, number ${i} of ${n}.`,
      vector: unitVector(random),
      subject: 'user',
      event_time: null,
      score: 0.9 - i * 0.01,
    })));
    const state = distillState(question, candidates);
    const keep = Array.from(state.prior, (logit) => (logit > 0 ? 1 : 0));
    await episodes.record({
      agent: 'answer',
      target_id: c.id,
      policy_version: 'prior',
      features: state.features,
      prior: state.prior,
      state_features: distillStateFeatures(candidates.map((x) => x.score)),
      action: keep,
      log_prob: bernoulliLogProb(state.prior, keep),
      context: { question, candidates: candidates.map(({ id, text }) => ({ id, text })) },
    });
    const review = c.review ?? 'answer_corrected';
    signals.push({ kind: review, target_id: c.id, value: review === 'answer_up' ? 1 : -1, payload: review === 'answer_corrected' ? { correction: `My favourite is ${topic}.` } : null });
  }
  for (const signal of signals) await feedback.record(signal);
}
