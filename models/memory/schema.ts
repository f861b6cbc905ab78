import { Field, FixedSizeList, Float32, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';

/** Table names inside one profile's LanceDB database. */
export const TABLES = {
  memories: 'memories',
  operations: 'operations',
  messages: 'messages',
  feedback: 'feedback',
  episodes: 'episodes',
  meta: 'meta',
} as const;

const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);

export function memoriesSchema(dimension: number): Schema {
  return new Schema([
    text('id'),
    text('text'),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
    text('subject'),
    text('event_time', true),
    text('created_at'),
    text('updated_at'),
    new Field('sources', new List(new Field('item', new Utf8(), true)), false),
    new Field('version', new Int32(), false),
    text('scope'),
  ]);
}

/** The append-only journal; `before`/`after`/`fact` are JSON (see snapshot.ts). */
export const operationsSchema = new Schema([
  text('op_id'),
  new Field('seq', new Float64(), false),
  text('at'),
  text('kind'),
  text('memory_id', true),
  text('before', true),
  text('after', true),
  text('fact', true),
  text('origin'),
  text('status'),
  text('turn_id', true),
  text('undoes', true),
  text('scope'),
]);

export const messagesSchema = new Schema([
  text('id'),
  text('session_id'),
  text('turn_id'),
  text('role'),
  text('text'),
  text('at'),
]);

/** User signals that become rewards for the RL updater. `payload` is JSON. */
export const feedbackSchema = new Schema([
  text('id'),
  text('at'),
  text('kind'),
  text('target_id'),
  new Field('value', new Float64(), false),
  text('payload', true),
]);

const floats = (name: string) => new Field(name, new List(new Field('item', new Float32(), true)), false);

/**
 * What a policy saw and did in the app, kept so the RL updater can replay it
 * (DESIGN §3, `feedback`'s partner): the state's feature rows and prior
 * logits, the critic's input, the action (the manager's action index, or the
 * answer agent's keep mask), its log-probability, and `context` (JSON: the
 * fact or question and the memories offered, which rewards are formed from).
 * Added after the first release: `openDatabase` creates it in older profiles.
 */
export const episodesSchema = new Schema([
  text('id'),
  text('at'),
  text('agent'),
  text('target_id'),
  text('turn_id', true),
  text('policy_version'),
  floats('features'),
  floats('prior'),
  floats('state_features'),
  new Field('action', new List(new Field('item', new Int32(), true)), false),
  new Field('log_prob', new Float64(), false),
  text('context'),
]);

export const metaSchema = new Schema([text('key'), text('value')]);
