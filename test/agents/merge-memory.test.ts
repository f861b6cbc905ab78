import { describe, expect, it } from 'vitest';
import { heuristicDecision, MAX_MERGED_FACTS } from '../../models/agents/heuristic-prior.js';
import { factCount, MAX_MERGED_CHARS, mergedVector, mergeTexts } from '../../models/agents/merge-memory.js';
import { FORBIDDEN_LOGIT, managerState } from '../../models/agents/manager-state.js';

const unit = (...v: number[]) => Float32Array.from(v, (x) => x / Math.hypot(...v));
const related = (text: string, score: number, subject = 'Ines') => ({ id: 'm1', text, vector: unit(1, 0), subject, event_time: '2023-05-01T00:00:00.000Z', score });
const fact = { text: 'Ines now prefers coffee.', vector: unit(1, 0.2), subject: 'Ines', time: '2023-06-01T00:00:00.000Z' };

describe('LLM-free merges and the bank budget', () => {
  it('an UPDATE without an LLM keeps the old text and adds the fact; a fact already stated changes nothing', () => {
    expect(mergeTexts('Ines likes tea.', 'Ines now prefers coffee.')).toBe('Ines likes tea. Ines now prefers coffee.');
    expect(mergeTexts('Ines likes tea. She runs.', 'ines likes tea')).toBe('Ines likes tea. She runs.');
    const long = Array.from({ length: 40 }, (_, i) => `Fact number ${i} about Ines.`).join(' ');
    const merged = mergeTexts(long, 'The newest fact.');
    expect(merged.length).toBeLessThanOrEqual(MAX_MERGED_CHARS);
    expect(merged.endsWith('The newest fact.')).toBe(true); // the oldest sentences gave way
    expect(factCount('One. Two! Three?')).toBe(3);
  });

  it('the merged vector is the unit mean of the facts\' vectors, weighted by how many facts the memory held', () => {
    const v = mergedVector('A. B.', unit(1, 0), unit(0, 1));
    expect(Array.from(v)).toEqual([expect.closeTo(2 / Math.hypot(2, 1), 6), expect.closeTo(1 / Math.hypot(2, 1), 6)]);
  });

  it('the heuristic merges a close fact, stops merging into a memory of MAX_MERGED_FACTS, and never ADDs into a full bank', () => {
    expect(heuristicDecision(fact, [related('Ines likes tea.', 0.8)])).toEqual({ kind: 'UPDATE', index: 0 });
    const crowded = Array.from({ length: MAX_MERGED_FACTS }, (_, i) => `Fact ${i}.`).join(' ');
    expect(heuristicDecision(fact, [related(crowded, 0.8)])).toEqual({ kind: 'ADD' });
    expect(heuristicDecision(fact, [related('Jon dances.', 0.3, 'Jon'), related('Ines runs.', 0.2)], true)).toEqual({ kind: 'UPDATE', index: 1 });
    expect(heuristicDecision(fact, [related('Jon dances.', 0.3, 'Jon')], true)).toEqual({ kind: 'NOOP' });
    expect(heuristicDecision(fact, [], true)).toEqual({ kind: 'NOOP' });
    // In a full bank the policy's state forbids ADD whatever the prior said.
    const state = managerState(fact, [related('Ines likes tea.', 0.5)], { kind: 'ADD' }, 3, true);
    expect(state.prior[0]).toBe(FORBIDDEN_LOGIT);
  });
});
