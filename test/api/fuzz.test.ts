import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileHost } from '../../models/api/profile-host.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import { withToolEndpointsRoute } from '../../models/api/tool-endpoints-route.js';
import { ROUTES, type RouteName } from '../../models/contract/routes.js';
import { API_ERROR_CODES } from '../../models/contract/schemas.js';
import { scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { malformedPayloads } from '../helpers/malformed-payloads.js';
import { postApi, rawRequest } from '../helpers/web-client.js';

const SEED = 20_250_601;
// One profile for the whole file (the temp-dir helper removes its folders after each test).
const profileDir = mkdtempSync(join(tmpdir(), 'memr1-fuzz-'));
let assistant: ProfileHost;
let server: WebServer;

beforeAll(async () => {
  assistant = await ProfileHost.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
  server = await startWebServer({ assistant, staticDir: join(profileDir, 'no-ui') });
});

afterAll(async () => {
  await server.close();
  await assistant.close();
  rmSync(profileDir, { recursive: true, force: true });
});

const cleanError = { error: { code: expect.toBeOneOf([...API_ERROR_CODES]), message: expect.any(String) } };

/** Still healthy: a read, and a write that is read back. */
async function answersValidRequests(): Promise<void> {
  expect(await (await postApi(server, 'settings.get', {})).json()).toMatchObject({ embedder: 'use-lite' });
  const added = (await (await postApi(server, 'memory.add', { text: 'The user still drinks tea.' })).json()) as { memory_id: string };
  expect(await (await postApi(server, 'memory.get', { id: added.memory_id })).json()).toMatchObject({ text: 'The user still drinks tea.' });
}

describe('fuzz: seeded malformed payloads for every route', () => {
  it('over HTTP, each gets a clean 4xx JSON error and the server keeps answering', async () => {
    const payloads = malformedPayloads(SEED, 14);
    expect(new Set(payloads.map((p) => p.route))).toEqual(new Set(Object.keys(ROUTES)));
    for (const payload of payloads) {
      const response = await rawRequest(server.port, {
        path: `/api/${payload.route}`,
        headers: { authorization: `Bearer ${server.token}`, ...(payload.contentType ? { 'content-type': payload.contentType } : {}) },
        body: payload.body,
      });
      const context = `${payload.route} (${payload.kind}): ${String(payload.body).slice(0, 120)}`;
      expect([400, 413, 415], context).toContain(response.status);
      expect(response.headers['content-type'], context).toMatch(/^application\/json/);
      expect(JSON.parse(response.body), context).toEqual(cleanError);
    }
    // Past the body limit, for every route (memory.import's is larger, so it gets a larger body).
    for (const route of Object.keys(ROUTES) as RouteName[]) {
      const size = route === 'memory.import' ? 65 * 1024 * 1024 : 1024 * 1024 + 1;
      const response = await rawRequest(server.port, {
        path: `/api/${route}`,
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: Buffer.alloc(size, 0x20),
      });
      expect(response.status, route).toBe(413);
    }
    await answersValidRequests();
  });

  it('through the transport-agnostic dispatcher (what IPC uses), each gets a BAD_INPUT result, never a throw or an event', async () => {
    const payloads = malformedPayloads(SEED + 1, 14).filter((p) => 'value' in p);
    // Values only a structured-clone transport can carry, and some no transport should.
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no keys for you'); } });
    const extra = [undefined, Number.NaN, 10n, new Date(0), new Map([['text', 'x']]), new Uint8Array(3), () => 1, Symbol('s'), hostile, Object.create(null)];
    for (const route of Object.keys(ROUTES) as RouteName[]) for (const value of extra) payloads.push({ route, kind: 'odd value', body: '', contentType: undefined, value });
    // As the desktop app's IPC serves it: the profile's routes, and `tools.endpoints` (no endpoints open here).
    const dispatch = withToolEndpointsRoute(assistant.dispatch, () => undefined);
    for (const payload of payloads) {
      const events: unknown[] = [];
      const result = await dispatch(payload.route, payload.value, (event) => events.push(event));
      const context = `${payload.route} (${payload.kind})`;
      // A key-less object (Object.create(null), a Date, a Map) is `{}` to a route that needs no input: a valid call.
      if (result.ok) {
        expect(ROUTES[payload.route].input.safeParse({}).success, context).toBe(true);
        continue;
      }
      expect(result, context).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: expect.any(String) } });
      expect(events, context).toEqual([]);
    }
    expect(await assistant.dispatch('no.such.route', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await assistant.dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await assistant.dispatch('chat.send', { text: 'hi' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/event callback/) } });
    await answersValidRequests();
  });
});
