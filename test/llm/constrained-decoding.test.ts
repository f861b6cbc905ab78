// Grammar-constrained decoding on the local ONNX path (issue 16): with XGrammar masking every token
// that cannot continue a valid document, random-weight models write replies that every agent's own
// parser accepts and that match the format's schema, for each format, on the GPT-2 vocabulary and on
// Qwen3's 151k-token vocabulary. The same seeded generations without the grammar are counted too:
// they show the constraint is what makes the replies valid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_CASES } from '../../models/bench/format-cases.js';
import { OnnxChatModel } from '../../models/llm/onnx-chat.js';
import { buildTinyGpt2, type FixtureTokenizer } from '../fixtures/onnx/build-tiny-gpt2.js';
import { QWEN3_FIXTURE_TOKENIZER } from '../fixtures/onnx/qwen3-tokenizer.js';

/**
 * Seeded generations per format and model, with and without the grammar: the 200, which
 * takes about ten minutes on two cores, so this file is in the slow tier (`npm run test:slow`).
 */
const GENERATIONS = 200;
/** The agents' system prompts are 500-800 tokens; the fixtures' position table must cover prompt and reply. */
const POSITIONS = 1024;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'memr1-constrained-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Valid replies out of `GENERATIONS` seeded samples (temperature 1) of one format, with and without the grammar. */
async function validCounts(model: OnnxChatModel, caseIndex: number, constrained: boolean): Promise<{ valid: number; invalid: string[] }> {
  const formatCase = FORMAT_CASES[caseIndex]!;
  const invalid: string[] = [];
  for (let seed = 0; seed < GENERATIONS; seed++) {
    const { messages, format, maxTokens, isValid } = formatCase.request(seed);
    const reply = await model.generate(messages, { temperature: 1, seed, maxTokens, ...(constrained ? { format } : {}) });
    if (!isValid(reply.text)) invalid.push(reply.text);
  }
  return { valid: GENERATIONS - invalid.length, invalid };
}

function describeModel(label: string, tokenizer?: FixtureTokenizer) {
  describe(`constrained decoding, ${label}`, () => {
    let model: OnnxChatModel;
    beforeAll(async () => {
      const dir = join(root, label.replace(/\W+/g, '-'));
      await buildTinyGpt2(dir, { positions: POSITIONS, lastPositionLogits: true, ...(tokenizer ? { tokenizer } : {}) });
      model = await OnnxChatModel.load(dir, { dtype: 'fp32', device: 'cpu' });
    });
    afterAll(async () => model?.dispose());

    FORMAT_CASES.forEach((formatCase, index) => {
      it(`${formatCase.name}: ${GENERATIONS} of ${GENERATIONS} seeded replies are valid under the grammar; unconstrained, almost none`, async () => {
        const constrained = await validCounts(model, index, true);
        expect(constrained.invalid.slice(0, 3)).toEqual([]);
        expect(constrained.valid).toBe(GENERATIONS);
        const unconstrained = await validCounts(model, index, false);
        console.log(`${label} ${formatCase.name}: valid ${constrained.valid}/${GENERATIONS} constrained, ${unconstrained.valid}/${GENERATIONS} unconstrained`);
        expect(unconstrained.valid).toBeLessThan(GENERATIONS / 10);
      });
    });
  });
}

describeModel('GPT-2 vocabulary (50,257 tokens)');
describeModel('Qwen3 vocabulary (151,936 logits)', QWEN3_FIXTURE_TOKENIZER);
