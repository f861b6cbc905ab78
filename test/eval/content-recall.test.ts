import { describe, expect, it } from 'vitest';
import { memoryLine } from '../../models/agents/prompt-data.js';
import { keptFigures, topIndices } from '../../models/eval/evidence/kept-figures.js';
import type { LocomoQuestion } from '../../models/eval/locomo/types.js';
import { answerContentWords, contentRecall } from '../../models/eval/metrics/content-recall.js';

const question = (answer: string, category: LocomoQuestion['category'] = 4): LocomoQuestion => ({ id: 'c#0', question: 'q?', answer, category, evidence: ['D1:3'] });

describe('content recall: the answer\'s words in the kept memories as the prompt renders them', () => {
  it('stems and normalises like LoCoMo\'s F1, drops function words, and reads the rendered time', () => {
    expect([...answerContentWords('The painted sunsets', 4)].sort()).toEqual(['paint', 'sunset']);
    // Open-domain answers count only before the ";" (the rest is the annotators' reasoning).
    expect([...answerContentWords('Likely no; she wants to be a counselor', 3)].sort()).toEqual(['like']);
    expect([...answerContentWords('No', 4)]).toEqual(['no']); // only function words: they are the answer
    // "7 May 2023" is found in a memory dated that day, though its text never says it.
    expect(contentRecall('7 May 2023', 2, [memoryLine('2023-05-07T13:56:00.000Z', 'Caroline went to a support group.')])).toBe(1);
    expect(contentRecall('7 May 2023', 2, [memoryLine('2023-06-09T13:56:00.000Z', 'Caroline went to a support group.')])).toBeCloseTo(1 / 3, 6);
    expect(contentRecall('!!!', 4, ['anything'])).toBeUndefined();
  });

  it('gives a memory nothing for its sources when its text lost the fact (unlike evidence recall)', () => {
    const kept = (text: string) => [{ text, event_time: null, sources: ['D1:3'] }];
    const holds = keptFigures(question('pottery class'), kept('Ines signed up for a pottery class.'));
    const lost = keptFigures(question('pottery class'), kept('Ines likes tea.'));
    expect(holds).toMatchObject({ evidence_recall: 1, content_recall: 1, kept: 1 });
    expect(lost).toMatchObject({ evidence_recall: 1, content_recall: 0 });
    expect(holds.kept_tokens).toBe(memoryLine(null, 'Ines signed up for a pottery class.').split(' ').length);
  });

  it('topIndices keeps the K best scores, ties in retrieval order', () => {
    expect(topIndices([0.1, 0.9, 0.5, 0.9], 3)).toEqual([1, 3, 2]);
    expect(topIndices([1, 2], 5)).toEqual([1, 0]);
  });
});
