import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { awaitsReview, clientOrigin, managerOrigin, readOrigin } from '../../models/contract/origins.js';
import { call, scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('origins (who made a journaled change)', () => {
  it('names a client safely, prefixes the manager with it, and reads both back', () => {
    expect(clientOrigin('Claude Desktop')).toBe('mcp:Claude Desktop');
    expect(clientOrigin('evil/manager@v9\n')).toBe('mcp:evil manager@v9');
    expect(clientOrigin('  ')).toBe('mcp:unnamed client');
    expect(managerOrigin('v0002')).toBe('manager@v0002');
    expect(managerOrigin('v0002', 'mcp:cursor')).toBe('mcp:cursor/manager@v0002');
    expect(readOrigin('mcp:cursor/manager@v0002')).toEqual({ client: 'cursor', byManager: true });
    expect(readOrigin('mcp:cursor')).toEqual({ client: 'cursor', byManager: false });
    expect(readOrigin('manager@prior')).toEqual({ client: null, byManager: true });
    expect(['user', 'import', 'restore', 'manager@prior', 'mcp:cursor', 'mcp:cursor/manager@prior'].map(awaitsReview)).toEqual([false, false, false, true, true, true]);
  });
});

describe('memory.remember, memory.recall and a client memory.delete (the routes under the MCP tools)', () => {
  it('runs the Memory Manager without a chat model, journals the client, and the operations are reviewable and undoable', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder() });
    try {
      const remembered = await call(assistant, 'memory.remember', { text: 'The user is allergic to peanuts.', origin: 'mcp:test client' });
      expect(remembered.items).toEqual([expect.objectContaining({ kind: 'ADD', origin: 'mcp:test client/manager@prior', status: 'applied', fact: { text: 'The user is allergic to peanuts.', sources: [] } })]);
      const add = remembered.items[0]!;
      expect(add.after).toMatchObject({ subject: 'user', text: 'The user is allergic to peanuts.' });
      expect((await call(assistant, 'ops.list', { status: 'applied' })).items.map((op) => op.op_id)).toContain(add.op_id);

      // The chat's own retrieval and distillation finds it.
      const recalled = await call(assistant, 'memory.recall', { query: 'What food allergies does the user have?' });
      expect(recalled.items.map((m) => m.id)).toContain(add.memory_id);

      const forget = await call(assistant, 'memory.delete', { id: add.memory_id!, origin: 'mcp:test client' });
      expect(forget).toMatchObject({ kind: 'DELETE', origin: 'mcp:test client', status: 'applied' });
      // Rejecting the client's delete in Review brings the memory back.
      await call(assistant, 'ops.reject', { op_id: forget.op_id });
      expect(await call(assistant, 'memory.get', { id: add.memory_id! })).toMatchObject({ text: 'The user is allergic to peanuts.' });

      const refused = await assistant.dispatch('memory.remember', { text: 'x', origin: 'user' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    } finally {
      await assistant.close();
    }
  });

  it('uses the chat model when one is set up, as a chat turn does (facts extracted, LLM prior)', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    try {
      const first = await call(assistant, 'memory.remember', { text: 'By the way, I moved to Lisbon in May.', origin: 'mcp:cursor' });
      expect(first.items.map((op) => [op.kind, op.after?.text, op.origin])).toEqual([['ADD', 'The user lives in Lisbon.', 'mcp:cursor/manager@prior']]);
      const second = await call(assistant, 'memory.remember', { text: 'Now I live in Porto.', origin: 'mcp:cursor' });
      expect(second.items.map((op) => [op.kind, op.before?.text, op.after?.text])).toEqual([['UPDATE', 'The user lives in Lisbon.', 'The user lives in Porto.']]);
    } finally {
      await assistant.close();
    }
  });
});
