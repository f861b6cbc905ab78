/**
 * Hand-checked values for the LoCoMo metrics. Where a comment says "NLTK" or
 * "Mem0" or "LoCoMo", the expected number is what that reference code returns
 * (Mem0 `evaluation/metrics/utils.py`, NLTK 3.8 `sentence_bleu`, LoCoMo
 * `task_eval/evaluation.py`), computed with it and copied here.
 */
import { describe, expect, it } from 'vitest';
import { judgeFormat } from '../../models/agents/output-formats.js';
import { judgePrompt } from '../../models/agents/prompts.js';
import type { ChatMessage, ChatModel, Generation, SamplingOptions, TokenChunk } from '../../models/llm/chat-model.js';
import {
  aggregate,
  bleu1,
  CATEGORY_MAPPING_NOTE,
  categoryName,
  diaIdSet,
  evidenceF1,
  evidenceRecall,
  exactMatch,
  judgeAnswer,
  LOCOMO_CATEGORIES,
  locomoF1,
  locomoNormalize,
  locomoTokenF1,
  normalizeDiaId,
  porterStem,
  squadNormalize,
  tokenF1,
  wordTokenize,
} from '../../models/eval/metrics/index.js';

describe('tokenF1 (Mem0)', () => {
  it('scores token sets: 4 shared of 5 each side', () => {
    // {the, cat, sat, on, mat} vs {the, cat, is, on, mat}: P = R = 4/5, F1 = 2·0.8·0.8/1.6.
    // Mem0 gives 0.8000000000000002, the same float.
    expect(tokenF1('The cat sat on the mat.', 'the cat is on the mat')).toBe(0.8000000000000002);
  });

  it('counts a repeated token once', () => {
    // {dog} vs {dog}: 1 (LoCoMo's multiset F1 gives 0.5 for the same pair, below).
    expect(tokenF1('dog dog dog', 'dog')).toBe(1);
  });

  it('turns . , ! ? into spaces and keeps other punctuation', () => {
    // {paris, france} vs {paris}: P = 1/2, R = 1, F1 = 2/3.
    expect(tokenF1('Paris, France!', 'paris')).toBeCloseTo(2 / 3, 15);
    // The apostrophe stays: {caroline's, dog} vs {caroline, dog}: P = R = 1/2.
    expect(tokenF1("Caroline's dog", 'caroline dog')).toBe(0.5);
    // Mem0: "He enjoys playing, she hates it" vs "hates": P = 1/6, R = 1 -> 2/7.
    expect(tokenF1('He enjoys playing, she hates it', 'hates')).toBe(0.2857142857142857);
  });

  it('scores 0 for an empty side or no overlap', () => {
    expect(tokenF1('', 'x')).toBe(0);
    expect(tokenF1('x', '')).toBe(0);
    expect(tokenF1('?!.,', 'x')).toBe(0);
    expect(tokenF1('yes', 'no')).toBe(0);
  });
});

describe('exactMatch (SQuAD normalisation)', () => {
  it('ignores case, punctuation, articles and spacing', () => {
    expect(squadNormalize('  The  Park. ')).toBe('park');
    expect(exactMatch('The Park.', 'park')).toBe(1);
    expect(exactMatch('Paris, France', 'paris   france')).toBe(1);
  });

  it('keeps "and" and word forms', () => {
    expect(exactMatch('cats and dogs', 'cats dogs')).toBe(0);
    expect(exactMatch('a park', 'parks')).toBe(0);
  });

  it('scores 0 when an answer normalises to nothing', () => {
    expect(exactMatch('', '')).toBe(0);
    expect(exactMatch('The', 'a')).toBe(0);
  });
});

describe('wordTokenize (NLTK word_tokenize)', () => {
  it('splits punctuation and contractions as NLTK does', () => {
    expect(wordTokenize("caroline's sister can't come!")).toEqual(['caroline', "'s", 'sister', 'ca', "n't", 'come', '!']);
    expect(wordTokenize('"Hello," she said -- at 3:30 (roughly).')).toEqual([
      '``', 'Hello', ',', "''", 'she', 'said', '--', 'at', '3:30', '(', 'roughly', ')', '.',
    ]);
  });

  it("splits sentences like Punkt on NLTK's own example", () => {
    // The docstring of nltk.tokenize.word_tokenize.
    const text = 'Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\n\nThanks.';
    expect(wordTokenize(text)).toEqual([
      'Good', 'muffins', 'cost', '$', '3.88', 'in', 'New', 'York', '.',
      'Please', 'buy', 'me', 'two', 'of', 'them', '.', 'Thanks', '.',
    ]);
  });
});

describe('bleu1 (NLTK sentence_bleu, weights (1,0,0,0), method1)', () => {
  it('clips repeated unigrams; no brevity penalty when the hypothesis is longer', () => {
    // c = 3 > r = 1: BP = 1; "dog" counts at most once: p1 = 1/3. NLTK: 0.3333333333333333.
    expect(bleu1('dog dog dog', 'dog')).toBeCloseTo(1 / 3, 15);
    // [the cat sat on the mat .] vs [the cat is on the mat]: c = 7 > r = 6, BP = 1;
    // clipped matches the×2, cat, on, mat = 5: p1 = 5/7. NLTK: 0.7142857142857143.
    expect(bleu1('The cat sat on the mat.', 'the cat is on the mat')).toBeCloseTo(5 / 7, 15);
    // [paris , france] vs [paris]: 1/3.
    expect(bleu1('Paris, France', 'Paris')).toBeCloseTo(1 / 3, 15);
  });

  it('applies the brevity penalty when the hypothesis is not longer', () => {
    // c = 3, r = 9, p1 = 3/3: BP = exp(1 - 9/3) = exp(-2). NLTK: 0.1353352832366127.
    expect(bleu1('7 May 2023', 'She went to the park on 7 May 2023')).toBeCloseTo(Math.exp(-2), 15);
    // c = r = 2: BP = exp(0) = 1.
    expect(bleu1('adoption agencies', 'Adoption agencies')).toBe(1);
  });

  it('tokenizes contractions as NLTK: 4 of 7 tokens match', () => {
    // [caroline 's sister ca n't come !] vs [caroline 's sister can not come]: c = 7 > r = 6.
    // NLTK: 0.5714285714285714.
    expect(bleu1("Caroline's sister can't come!", "caroline's sister cannot come")).toBeCloseTo(4 / 7, 15);
  });

  it('is 0 without a matching unigram: NLTK returns before method1 smoothing', () => {
    // Not 0.1/1: corpus_bleu returns 0 when p1's numerator is 0, before the smoothing function runs.
    expect(bleu1('yes', 'no')).toBe(0);
    expect(bleu1('', 'x')).toBe(0);
    expect(bleu1('x', '')).toBe(0);
  });
});

describe('porterStem (NLTK PorterStemmer, NLTK_EXTENSIONS)', () => {
  it('matches NLTK, including where Porter 1980 differs', () => {
    const nltk: Record<string, string> = {
      running: 'run',
      dogs: 'dog',
      caresses: 'caress',
      ponies: 'poni',
      ties: 'tie', // NLTK: four-letter "-ies" -> "-ie"
      happy: 'happi',
      playing: 'play', // NLTK: "y" after a vowel stays (Porter 1980: "plai")
      ate: 'ate', // NLTK: "at" counts as CVC, so the "e" stays (Porter 1980: "at")
      dying: 'die', // NLTK's irregular forms
      news: 'news',
      as: 'as', // two letters: unchanged
      emotionally: 'emot', // NLTK's extra "alli" rule
      hopefully: 'hope', // NLTK's extra "fulli" rule
      generalization: 'gener',
      analogies: 'analog',
      controlling: 'control',
      Running: 'run',
    };
    for (const [word, stem] of Object.entries(nltk)) expect(porterStem(word), word).toBe(stem);
  });
});

describe('locomoF1 (LoCoMo eval_question_answering)', () => {
  it('stems tokens: "running dogs" matches "run dog"', () => {
    expect(locomoF1('Running dogs', 'run dog', 4)).toBe(1);
    // NLTK keeps "ate" apart from "at" (the npm `stemmer` package would merge them and score 1).
    expect(locomoF1('ate', 'at', 4)).toBe(0);
  });

  it('drops articles and "and" and all punctuation', () => {
    expect(locomoNormalize('The lake, and the sunrise!')).toBe('lake sunrise');
    expect(locomoF1('the lake and the sunrise', 'a lake sunrise', 2)).toBe(1);
  });

  it('counts multisets', () => {
    // [dog dog dog] vs [dog]: 1 common, P = 1/3, R = 1: F1 = 0.5 (LoCoMo: 0.5).
    expect(locomoTokenF1('dog dog dog', 'dog')).toBe(0.5);
    // "the" goes: [cat] vs [cat cat]: P = 1, R = 1/2: 2/3.
    expect(locomoTokenF1('the the cat', 'cat cat')).toBeCloseTo(2 / 3, 15);
    // [she went to park on 7 may 2023] vs [7 may 2023]: P = 3/8, R = 1: 6/11. LoCoMo: 0.5454545454545454.
    expect(locomoF1('She went to the park on 7 May 2023', '7 May 2023', 2)).toBe(0.5454545454545454);
  });

  it('category 1: mean over gold parts of the best predicted part', () => {
    // Gold parts painting / camping / sweden; predicted parts "Sweden" and
    // "a camping trip and painting" (-> camp trip paint): painting 0.5, camping 0.5,
    // sweden 1: mean 2/3. LoCoMo: 0.6666666666666666.
    expect(locomoF1('Sweden, a camping trip and painting', 'painting, camping, Sweden', 1)).toBe(0.6666666666666666);
    // (1 + 0) / 2 as category 1; as plain F1 [pottery] vs [pottery paint]: 2/3.
    expect(locomoF1('Pottery', 'pottery, painting', 1)).toBe(0.5);
    expect(locomoF1('Pottery', 'pottery, painting', 4)).toBeCloseTo(2 / 3, 15);
  });

  it("category 3: only the gold before ';' counts", () => {
    const gold = 'Likely no; though she likes reading, she wants to be a counselor';
    // [no] vs [like no]: P = 1, R = 1/2: 2/3.
    expect(locomoF1('no', gold, 3)).toBeCloseTo(2 / 3, 15);
    expect(locomoF1('Likely no', gold, 3)).toBe(1);
    expect(locomoF1('Likely no', gold, 4)).toBeLessThan(0.5);
  });

  it('treats category 5 as plain F1 and scores empty answers 0', () => {
    expect(locomoF1('Running dogs', 'run dog', 5)).toBe(1);
    expect(locomoF1('', 'x', 4)).toBe(0);
    expect(locomoF1('x', '', 1)).toBe(0);
  });
});

describe('normalizeDiaId', () => {
  it('canonicalises the odd forms found in LoCoMo', () => {
    const cases: Array<[string, string[]]> = [
      ['D1:3', ['D1:3']],
      ['D1: 3', ['D1:3']],
      ['D1:3 ', ['D1:3']],
      ['d1:3', ['D1:3']],
      ['D10:3; D10:4', ['D10:3', 'D10:4']],
      ['D21:18 D21:22', ['D21:18', 'D21:22']],
      ['D4:17, D4:19', ['D4:17', 'D4:19']],
      ['D:11:26', ['D11:26']],
      ['D30:05', ['D30:5']],
      ['D', []],
      ['', []],
      ['session 3', []],
    ];
    for (const [raw, canonical] of cases) expect(normalizeDiaId(raw), raw).toEqual(canonical);
  });

  it('builds a set over many ids', () => {
    expect([...diaIdSet(['D1:3', 'd1: 3', 'D2:1; D1:3'])]).toEqual(['D1:3', 'D2:1']);
  });
});

describe('evidence metrics', () => {
  it('recall: share of gold ids among the kept sources', () => {
    // Gold {D1:3, D1:4, D3:2}; kept {D1:3, D1:4, D2:1}: 2/3.
    expect(evidenceRecall(['D1:3', 'd1: 4', 'D2:1'], ['D1:3', 'D1:4', 'D3:2'])).toBeCloseTo(2 / 3, 15);
    // A duplicated gold id counts once (conv-50 has ['D4:5', 'D4:5', 'D5:5']): 1/2, not 2/3.
    expect(evidenceRecall(['D4:5'], ['D4:5', 'D4:5', 'D5:5'])).toBe(0.5);
    // One source string may name several turns.
    expect(evidenceRecall(['D4:17, D4:19'], ['D4:19'])).toBe(1);
  });

  it('recall: 0 for an empty kept set or empty gold', () => {
    expect(evidenceRecall([], ['D1:3'])).toBe(0);
    expect(evidenceRecall(['D1:3'], [])).toBe(0);
    expect(evidenceRecall(['D1:3'], ['D'])).toBe(0);
  });

  it('F1: sets on both sides', () => {
    // Kept {D1:3, D2:1, D2:2} (the duplicate D1:3 counts once), gold {D1:3, D2:1}:
    // P = 2/3, R = 1: F1 = 0.8.
    expect(evidenceF1(['D1:3', 'D1:3', 'D2:1', 'D2:2'], ['D1:3', 'D2:1 '])).toBeCloseTo(0.8, 15);
    expect(evidenceF1(new Set(['D1:3']), ['D1:3'])).toBe(1);
    expect(evidenceF1([], ['D1:3'])).toBe(0);
    expect(evidenceF1(['D1:3'], [])).toBe(0);
  });
});

describe('aggregate', () => {
  it('averages per category and overall, counting each metric where present', () => {
    const result = aggregate([
      { category: 4, scores: { f1: 0.5, j: 0 } },
      { category: 1, scores: { f1: 1, j: 1 } },
      { category: 1, scores: { f1: 0 } },
    ]);
    // Overall f1: (0.5 + 1 + 0) / 3 = 0.5; j: (0 + 1) / 2 over the two rows that have it.
    expect(result.overall).toEqual({
      count: 3,
      metrics: { f1: { mean: 0.5, count: 3 }, j: { mean: 0.5, count: 2 } },
    });
    expect(result.categories).toEqual([
      { category: 1, name: 'multi-hop', count: 2, metrics: { f1: { mean: 0.5, count: 2 }, j: { mean: 1, count: 1 } } },
      { category: 4, name: 'single-hop', count: 1, metrics: { f1: { mean: 0.5, count: 1 }, j: { mean: 0, count: 1 } } },
    ]);
  });

  it('handles no rows and refuses non-finite scores', () => {
    expect(aggregate([])).toEqual({ overall: { count: 0, metrics: {} }, categories: [] });
    expect(() => aggregate([{ category: 2, scores: { f1: Number.NaN } }])).toThrow(RangeError);
  });

  it('names categories from the data-derived mapping', () => {
    expect(LOCOMO_CATEGORIES).toEqual({ 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' });
    expect(categoryName(3)).toBe('open-domain');
    expect(categoryName(5)).toBe('category 5');
    expect(CATEGORY_MAPPING_NOTE).toMatch(/LoCoMo's evaluation code/);
    expect(CATEGORY_MAPPING_NOTE).toMatch(/Mem0's maintainers use another mapping/);
  });
});

/** A chat model that answers every request with `reply` and records what it was asked. */
function fakeJudge(reply: string | Error): ChatModel & { calls: Array<{ messages: readonly ChatMessage[]; options?: SamplingOptions }> } {
  const calls: Array<{ messages: readonly ChatMessage[]; options?: SamplingOptions }> = [];
  async function generate(messages: readonly ChatMessage[], options?: SamplingOptions): Promise<Generation> {
    calls.push({ messages, options });
    if (reply instanceof Error) throw reply;
    return { text: reply, tokens: [{ text: reply }], finishReason: 'stop' };
  }
  return {
    info: { id: 'scripted:judge', backend: 'scripted', device: 'cpu', deviceReason: 'test', logprobs: false },
    calls,
    generate,
    async *stream(messages: readonly ChatMessage[], options?: SamplingOptions): AsyncIterable<TokenChunk> {
      yield* (await generate(messages, options)).tokens;
    },
    async dispose() {},
  };
}

describe('judgeAnswer', () => {
  it('sends the judge prompt greedily, under the judge\'s format, and reads CORRECT', async () => {
    const llm = fakeJudge('{"label": "CORRECT"}');
    await expect(judgeAnswer(llm, 'When did she go?', '7 May 2023', 'May 7th')).resolves.toEqual({ correct: true });
    expect(llm.calls).toEqual([
      { messages: judgePrompt('When did she go?', '7 May 2023', 'May 7th'), options: { temperature: 0, maxTokens: 50, format: judgeFormat() } },
    ]);
  });

  it('reads WRONG, and counts an unreadable reply as WRONG with the reason', async () => {
    await expect(judgeAnswer(fakeJudge('{"label": "WRONG"}'), 'q', 'a', 'b')).resolves.toEqual({ correct: false });
    const junk = await judgeAnswer(fakeJudge('I would rather not say.'), 'q', 'a', 'b');
    expect(junk.correct).toBe(false);
    expect(junk.reason).toMatch(/no label found/);
  });

  it('lets a failing model throw instead of scoring WRONG', async () => {
    await expect(judgeAnswer(fakeJudge(new Error('unreachable')), 'q', 'a', 'b')).rejects.toThrow('unreachable');
  });
});
