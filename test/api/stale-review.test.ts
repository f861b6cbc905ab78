import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { ChatEvent, OperationView } from '../../models/contract/schemas.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function operationsOf(assistant: Assistant, text: string): Promise<OperationView[]> {
  const events = (await streamEvents(assistant, 'chat.send', { text })) as ChatEvent[];
  const last = events.at(-1);
  if (last?.type !== 'operations') throw new Error(`the turn ended with ${JSON.stringify(last)}`);
  return last.operations;
}

/** A refusal's message, or a failure when the call went through. */
async function refusal(assistant: Assistant, route: 'ops.accept' | 'ops.reject' | 'ops.edit' | 'ops.dismiss', input: Record<string, string>): Promise<string> {
  const result = await assistant.dispatch(route, input);
  if (result.ok) throw new Error(`${route} went through`);
  expect(result.error.code).toBe('CONFLICT');
  return result.error.message;
}

describe('a review item whose memory changed since (real store, real embedder, scripted chat model)', () => {
  it('is listed as out of date with the current text; edit, reject and accept are refused in plain words and change nothing; dismiss takes it off the queue', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    try {
      const [lisbon] = await operationsOf(assistant, 'I moved to Lisbon last spring.');
      const memoryId = lisbon!.memory_id!;
      // A later change in the Memory screen.
      await call(assistant, 'memory.edit', { id: memoryId, text: 'The user lives in Lisbon, in Alfama.' });

      const queue = (await call(assistant, 'ops.list', { status: 'applied' })).items.filter((op) => op.origin.startsWith('manager@'));
      expect(queue).toHaveLength(1);
      expect(queue[0]).toMatchObject({ op_id: lisbon!.op_id, outdated: { current: { text: 'The user lives in Lisbon, in Alfama.' } } });

      const edit = await refusal(assistant, 'ops.edit', { op_id: lisbon!.op_id, text: 'The user lives in Lisbon.' });
      expect(edit).toBe(
        'This memory changed after this suggestion (it now reads "The user lives in Lisbon, in Alfama."), so your edit was not saved and the newer text stays. ' +
          "Open the memory's history to see what changed.",
      );
      const reject = await refusal(assistant, 'ops.reject', { op_id: lisbon!.op_id });
      expect(reject).toContain('rejecting this suggestion would also undo the newer change');
      expect(await refusal(assistant, 'ops.accept', { op_id: lisbon!.op_id })).toContain('accepting would approve text the memory no longer has');
      for (const message of [edit, reject]) expect(message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|\[|CONFLICT/);
      // Never a silent overwrite.
      expect(await call(assistant, 'memory.get', { id: memoryId })).toMatchObject({ text: 'The user lives in Lisbon, in Alfama.', version: 2 });

      expect(await call(assistant, 'ops.dismiss', { op_id: lisbon!.op_id })).toMatchObject({ status: 'superseded' });
      expect((await call(assistant, 'ops.list', { status: 'applied' })).items.filter((op) => op.origin.startsWith('manager@'))).toEqual([]);
      expect(await call(assistant, 'memory.get', { id: memoryId })).toMatchObject({ text: 'The user lives in Lisbon, in Alfama.' });
      // The journal still undoes step by step: the edit, then the (superseded) ADD.
      const history = (await call(assistant, 'memory.history', { id: memoryId })).items;
      await call(assistant, 'memory.undo', { op_id: history[1]!.op_id });
      await call(assistant, 'memory.undo', { op_id: lisbon!.op_id });
      expect((await call(assistant, 'memory.list', {})).total).toBe(0);
    } finally {
      await assistant.close();
    }
  });

  it('a later UPDATE by the manager makes the earlier ADD out of date; a deleted memory is reported as deleted; an up-to-date item cannot be dismissed', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    try {
      const [lisbon] = await operationsOf(assistant, 'I moved to Lisbon last spring.');
      const [porto] = await operationsOf(assistant, 'These days I live in Porto, actually.');
      expect(porto).toMatchObject({ kind: 'UPDATE', memory_id: lisbon!.memory_id });
      const listed = (await call(assistant, 'ops.list', { status: 'applied' })).items;
      expect(listed.find((op) => op.op_id === lisbon!.op_id)?.outdated).toEqual({ current: expect.objectContaining({ text: 'The user lives in Porto.' }) });
      expect(listed.find((op) => op.op_id === porto!.op_id)?.outdated).toBeUndefined();
      expect(await refusal(assistant, 'ops.dismiss', { op_id: porto!.op_id })).toContain('still up to date');

      await call(assistant, 'memory.delete', { id: lisbon!.memory_id! });
      expect(await refusal(assistant, 'ops.edit', { op_id: porto!.op_id, text: 'The user lives in Braga.' })).toContain('(it was deleted)');
      expect((await call(assistant, 'ops.list', { status: 'applied' })).items.find((op) => op.op_id === porto!.op_id)?.outdated).toEqual({ current: null });
    } finally {
      await assistant.close();
    }
  });
});
