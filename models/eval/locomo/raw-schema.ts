/**
 * The shape of `locomo10.json` as far as the loader relies on it. Objects are
 * loose: the file also carries `img_url`, `re-download`, `session_summary`,
 * `event_summary`, which the project does not use.
 *
 * A conversation's `session_N` / `session_N_date_time` keys are numbered, so
 * they are checked one by one in the loader rather than here.
 */
import { z } from 'zod';

const RawTurn = z.looseObject({
  speaker: z.string(),
  dia_id: z.string(),
  text: z.string(),
  blip_caption: z.string().optional(),
  query: z.string().optional(),
});

export const RawTurns = z.array(RawTurn);

export const RawSessionTime = z.string();

const RawQuestion = z.looseObject({
  question: z.string(),
  // A few answers are numbers (years, counts); category 5 mostly has none.
  answer: z.union([z.string(), z.number()], { error: 'expected a string or a number' }).optional(),
  adversarial_answer: z.string().optional(),
  evidence: z.array(z.string()),
  category: z.literal([1, 2, 3, 4, 5]),
});

/** `[fact, dia_id]`, where dia_id is one id, a list of ids, or a string of several. */
const RawFact = z.tuple([z.string(), z.union([z.string(), z.array(z.string())], { error: 'expected a dia_id or a list of dia_ids' })]);

export const RawSample = z.looseObject({
  sample_id: z.string(),
  conversation: z.looseObject({ speaker_a: z.string(), speaker_b: z.string() }),
  qa: z.array(RawQuestion),
  // session_N_observation -> speaker -> facts. Optional: LoCoMo's plainer releases lack it.
  observation: z.record(z.string(), z.record(z.string(), z.array(RawFact))).optional(),
});

export type RawSample = z.infer<typeof RawSample>;

export const RawLocomo = z.array(RawSample, { error: 'expected a JSON list of samples' }).min(1, 'the list of samples is empty');
