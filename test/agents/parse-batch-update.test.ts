import { describe, expect, it } from 'vitest';
import { MAX_BATCH_OPERATIONS, parseBatchUpdate } from '../../models/agents/parse-batch-update.js';

const IDS = ['mem-caroline-dog', 'mem-melanie-camping'];

describe('parseBatchUpdate', () => {
  it("reads Mem0's batch format", () => {
    const reply = `\`\`\`json
{
  "memory": [
    {"id": "0", "text": "Caroline has two dogs; she adopted Max on 3 June 2023.", "event": "UPDATE", "old_memory": "Caroline has a dog."},
    {"id": "1", "text": "Melanie loves camping.", "event": "DELETE"},
    {"id": "2", "text": "Jon is allergic to cats.", "event": "ADD"},
    {"id": "3", "text": "Gina runs a store.", "event": "NONE"}
  ]
}
\`\`\``;
    expect(parseBatchUpdate(reply, IDS)).toEqual({
      operations: [
        { event: 'UPDATE', targetId: 'mem-caroline-dog', text: 'Caroline has two dogs; she adopted Max on 3 June 2023.' },
        { event: 'DELETE', targetId: 'mem-melanie-camping' },
        { event: 'ADD', text: 'Jon is allergic to cats.' },
        { event: 'NOOP' },
      ],
    });
  });

  it('reads a bare list with single quotes and Python None', () => {
    const reply = "[{'id': '0', 'text': 'Caroline has a dog.', 'event': 'none', 'old_memory': None}, {'id': 1, 'event': 'delete',},]";
    expect(parseBatchUpdate(reply, IDS)).toEqual({ operations: [{ event: 'NOOP' }, { event: 'DELETE', targetId: 'mem-melanie-camping' }] });
  });

  it('turns unsafe entries into NOOPs with reasons, and changes a memory at most once', () => {
    const reply = JSON.stringify({
      memory: [
        { id: '0', text: 'Caroline has two dogs.', event: 'UPDATE' },
        { id: '0', event: 'DELETE' },
        { id: '7', event: 'DELETE' },
        { id: '1', event: 'UPDATE' },
        { id: '9', event: 'ADD' },
        { id: '1', event: 'RENAME' },
        'not an object',
      ],
    });
    const parsed = parseBatchUpdate(reply, IDS);
    expect(parsed.operations).toEqual([
      { event: 'UPDATE', targetId: 'mem-caroline-dog', text: 'Caroline has two dogs.' },
      { event: 'NOOP', reason: 'memory mem-caroline-dog was already changed by an earlier entry' },
      { event: 'NOOP', reason: 'DELETE of unknown memory id "7"' },
      { event: 'NOOP', reason: 'UPDATE without usable merged text (no text)' },
      { event: 'NOOP', reason: 'ADD without usable text (no text)' },
      { event: 'NOOP', reason: 'unknown event "RENAME"' },
      { event: 'NOOP', reason: expect.stringMatching(/^unusable entry: /) },
    ]);
    expect(parsed.reason).toBe('6 unusable entries became NOOP');
  });

  it(`keeps at most ${MAX_BATCH_OPERATIONS} entries`, () => {
    const memory = Array.from({ length: 120 }, (_, i) => ({ id: String(i), text: `Fact ${i}.`, event: 'ADD' }));
    const parsed = parseBatchUpdate(JSON.stringify({ memory }), IDS);
    expect(parsed.operations).toHaveLength(MAX_BATCH_OPERATIONS);
    expect(parsed.reason).toBe('kept the first 100 of 120 entries');
  });

  it('gives no operations and a reason for unusable replies', () => {
    for (const [reply, reason] of [
      ['I would update the first memory.', /no operations found/],
      ['{"memory": [{"id": "0", "event": "UPD', /cut off/],
      ['{"memory": "everything"}', /expected \{"memory": \[\.\.\.\]\}/],
      ['x'.repeat(100_001), /too long/],
    ] as const) {
      const parsed = parseBatchUpdate(reply, IDS);
      expect(parsed.operations).toEqual([]);
      expect(parsed.reason).toMatch(reason);
    }
  });
});
