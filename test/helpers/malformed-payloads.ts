import { ROUTES, type RouteName } from '../../models/contract/routes.js';
import { mulberry32 } from '../../models/util/seeded-random.js';

/** One input that a route must refuse: as the JSON text a client sends, and as the value it parses to. */
export interface MalformedPayload {
  route: RouteName;
  kind: string;
  /** The request body (not always JSON: some payloads are broken on purpose). */
  body: string | Buffer;
  contentType: string | undefined;
  /** What JSON.parse makes of `body`, for transports that carry values (IPC); absent when it is not JSON. */
  value?: unknown;
}

/** A valid input per route (some name records that do not exist: the input is fine, the answer is NOT_FOUND). */
export const VALID_INPUTS: Record<RouteName, Record<string, unknown>> = {
  'chat.history': {},
  'chat.send': { text: 'Hello there' },
  'chat.stop': { turn_id: 'no-such-turn' },
  'chat.locate': { message_id: 'no-such-message' },
  'chat.sessions': { query: 'tea' },
  'chat.rename': { session_id: 'no-such-session', title: 'Tea' },
  'chat.delete': { session_id: 'no-such-session' },
  'chat.feedback': { message_id: 'no-such-message', kind: 'answer_corrected', correction: 'The user lives in Porto.' },
  'memory.list': { limit: 5 },
  'memory.search': { query: 'tea' },
  'memory.recall': { query: 'tea' },
  'memory.remember': { text: 'The user drinks green tea.', origin: 'mcp:fuzz' },
  'memory.get': { id: 'no-such-memory' },
  'memory.add': { text: 'The user drinks green tea.' },
  'memory.edit': { id: 'no-such-memory', text: 'x' },
  'memory.delete': { id: 'no-such-memory' },
  'memory.history': { id: 'no-such-memory' },
  'memory.undo': { op_id: 'no-such-op' },
  'memory.export': { format: 'json' },
  'memory.import': { content: '{}' },
  'memory.clear': {},
  'memory.scopes': {},
  'memory.undo_clear': { clear_id: 'clear:none' },
  'ops.list': { limit: 3 },
  'ops.accept': { op_id: 'no-such-op' },
  'ops.reject': { op_id: 'no-such-op' },
  'ops.edit': { op_id: 'no-such-op', text: 'x' },
  'ops.dismiss': { op_id: 'no-such-op' },
  'models.list': {},
  'models.select': { spec: 'openai:http://127.0.0.1:9/v1#m' },
  'models.status': {},
  'models.server_models': { base_url: 'http://127.0.0.1:9/v1' },
  'models.local_servers': {},
  'models.download': { id: 'tiny/none' },
  'training.status': {},
  'training.configure': { schedule_minutes: 30 },
  'training.start': { agents: ['manager'] },
  'training.stop': {},
  'training.metrics': { run_id: 'no-such-run' },
  'training.versions': { agent: 'manager' },
  'training.rollback': { agent: 'answer' },
  'training.delete_data': {},
  'store.health': {},
  'store.versions': {},
  'store.restore': { to: 1 },
  'mcp.clients': {},
  'mcp.configure_client': { name: 'no-such-client', enabled: false },
  'mcp.admit': { client: 'mcp:fuzz', write: false },
  'tools.endpoints': { reveal_token: true },
  'settings.get': {},
  'settings.update': { theme: 'dark' },
};

const deep = (depth: number) => `${'{"a":'.repeat(depth)}null${'}'.repeat(depth)}`;

/** JSON texts of values of every type, some odd: each is tried where a field expects something else. */
const VALUE_TEXTS = ['null', 'true', '0', '-1', '1.5', '1e999', '-0', '""', '"x"', '[]', '[1,"a"]', '{}', '{"__proto__":{"polluted":1}}', deep(3_000), `"${'y'.repeat(300_000)}"`, '"\\u0000"', '"\\ud800"'];
const TOP_LEVEL = ['null', '42', '"text"', 'true', '[]', '[{}]', deep(20_000)];
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'extra', '', '\u0000', 'a'.repeat(5_000)];
const BROKEN_JSON = ['{', '{"text": }', "{'text': 'x'}", '{"text": "x",}', '{"text": NaN}', '{"text": "\\x41"}', 'undefined', '{"a":1}{"b":2}', '\u0000'];
const CONTENT_TYPES = [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json'];

const objectText = (entries: ReadonlyArray<readonly [string, string]>) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

function entriesOf(input: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(input).map(([key, value]) => [key, JSON.stringify(value)]);
}

/** True when the route's own schema refuses `text` (parsed): the payload is malformed by the contract. */
function refused(route: RouteName, text: string): boolean {
  return !ROUTES[route].input.safeParse(JSON.parse(text)).success;
}

/**
 * Seeded random inputs every route must refuse with a clean 4xx: non-object
 * bodies, unknown keys (`__proto__` included), fields of the wrong type or
 * out of range, missing required fields, huge strings, deep nesting, broken
 * JSON, invalid UTF-8, and the wrong content type.
 */
export function malformedPayloads(seed: number, perRoute: number): MalformedPayload[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const payloads: MalformedPayload[] = [];
  const json = (route: RouteName, kind: string, body: string): MalformedPayload => ({ route, kind, body, contentType: 'application/json', value: JSON.parse(body) });

  for (const route of Object.keys(ROUTES) as RouteName[]) {
    const valid = VALID_INPUTS[route];
    const schema = ROUTES[route].input;
    // A union's fields (chat.feedback's kinds): those of its valid input.
    const fields = Object.keys('shape' in schema ? schema.shape : valid);
    const generators: Array<() => MalformedPayload | undefined> = [
      () => json(route, 'not an object', pick(TOP_LEVEL)),
      () => json(route, 'unknown key', objectText([...entriesOf(valid), [pick(EXTRA_KEYS), pick(VALUE_TEXTS)]])),
      () => {
        if (!fields.length) return undefined;
        const field = pick(fields);
        for (let tries = 0; tries < 20; tries++) {
          const body = objectText([...entriesOf(valid).filter(([key]) => key !== field), [field, pick(VALUE_TEXTS)]]);
          if (refused(route, body)) return json(route, `wrong ${field}`, body);
        }
        return undefined;
      },
      () => {
        const required = Object.keys(valid).filter((key) => refused(route, objectText(entriesOf(valid).filter(([k]) => k !== key))));
        if (!required.length) return undefined;
        const missing = pick(required);
        return json(route, `missing ${missing}`, objectText(entriesOf(valid).filter(([key]) => key !== missing)));
      },
      () => ({ route, kind: 'broken JSON', body: pick(BROKEN_JSON), contentType: 'application/json' }),
      () => ({ route, kind: 'invalid UTF-8', body: Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), contentType: 'application/json' }),
      () => ({ route, kind: 'wrong content type', body: JSON.stringify(valid), contentType: pick(CONTENT_TYPES) }),
    ];
    for (let made = 0; made < perRoute; ) {
      const payload = pick(generators)();
      if (!payload) continue;
      payloads.push(payload);
      made++;
    }
  }
  return payloads;
}
