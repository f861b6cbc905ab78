// Log-probability priors (DESIGN §4.2, issue 16): where a backend reports token log-probabilities,
// the manager's prior over its 2 + 2K actions is the LLM's confidence in its choice (the event word
// and the id), on an OpenAI-compatible server (real HTTP) and on a local ONNX model under the grammar.
// A random-weight model spreads its mass over many tokenizations of the same text, so only the
// server case (scripted log-probabilities) checks exact values.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decisionLogprobs, logprobPrior } from '../../models/agents/logprob-prior.js';
import { actionIndex, MANAGER_FEATURE_DIM, PRIOR_CONFIDENCE, priorChoice } from '../../models/agents/manager-state.js';
import { MemoryManager } from '../../models/agents/memory-manager.js';
import type { ChatModel } from '../../models/llm/chat-model.js';
import { OnnxChatModel } from '../../models/llm/onnx-chat.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { MemoryStore } from '../../models/memory/store.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A manager over a store holding two memories about Ana, deciding one fact with `llm`. */
async function decideWith(llm: ChatModel) {
  await ensureTfBackend();
  const embedder = await realEmbedder();
  const store = await MemoryStore.open({ uri: tempDir(), embedder });
  await store.add({ text: 'Ana has a dog.', subject: 'Ana' });
  await store.add({ text: 'Ana lives in Porto.', subject: 'Ana' });
  const manager = new MemoryManager({ store, embedder, llm, policy: CategoricalPolicy.create(MANAGER_FEATURE_DIM), policyVersion: 'test' });
  const { decision } = await manager.decide({ text: 'Ana adopted a second dog.', subject: 'Ana', time: null });
  await store.close();
  return decision;
}

describe('the prior from log-probabilities', () => {
  it('reads the event word and the id, and spreads the rest of each step over the other choices', () => {
    const tokens = [
      { text: '{"event": "', logprob: -0.01 },
      { text: 'UPDATE', logprob: -0.5 },
      { text: '", "id": "', logprob: 0 },
      { text: '1', logprob: -0.7 },
      { text: '", "text": "Ana has two dogs."}', logprob: -3 },
    ];
    expect(decisionLogprobs(tokens, true)).toEqual({ event: -0.5, id: -0.7 });
    expect(decisionLogprobs(tokens, false)).toEqual({ event: -0.5 });
    expect(decisionLogprobs([{ text: 'ADD' }], false)).toBeUndefined();
    // Two memories: ADD, NOOP, UPDATE(0), UPDATE(1), DELETE(0), DELETE(1).
    const probabilities = Array.from(logprobPrior(2, { kind: 'UPDATE', index: 1 }, { event: Math.log(0.4), id: Math.log(0.9) }), Math.exp);
    expect(probabilities.map((p) => Number(p.toFixed(4)))).toEqual([0.2, 0.2, 0.04, 0.36, 0.1, 0.1]);
    expect(priorChoice(probabilities.map(Math.log))).toBe(3);
  });

  it('comes from the server when it sends log-probabilities (OpenAI-compatible, real HTTP)', async () => {
    const reply = [
      { text: '{"event": "', logprob: -0.01 },
      { text: 'UPDATE', logprob: -0.5 },
      { text: '", "id": "', logprob: 0 },
      { text: '0', logprob: -0.7 },
      { text: '", "text": "Ana has two dogs."}', logprob: -0.2 },
    ];
    const server = await startOpenAiChatServer({ models: ['m'], reply: () => ({ tokens: reply }) });
    try {
      const decision = await decideWith(await OpenAiChatModel.connect({ baseUrl: server.baseUrl, model: 'm' }));
      expect(server.chatRequests()[0]?.body).toMatchObject({ logprobs: true });
      expect(decision).toMatchObject({ priorSource: 'llm', priorFromLogprobs: true, prior: { kind: 'UPDATE', index: 0 } });
      const chosen = 2; // ADD, NOOP, UPDATE(0), UPDATE(1), DELETE(0), DELETE(1)
      expect(decision.state.prior[chosen]).toBeCloseTo(-0.5 - 0.7, 4);
      expect(Math.exp(decision.state.prior[0]!)).toBeCloseTo((1 - Math.exp(-0.5)) / 3, 4);
    } finally {
      await server.close();
    }
  });

  it('keeps the fixed confidence for a model without log-probabilities', async () => {
    const noLogprobs = new ScriptedChatModel([{ when: /<fact>/, reply: '{"event": "ADD", "text": "Ana adopted a second dog."}' }]);
    Object.assign(noLogprobs.info, { logprobs: false });
    const decision = await decideWith(noLogprobs);
    expect(decision.priorFromLogprobs).toBeUndefined();
    expect(Array.from(decision.state.prior)).toEqual([PRIOR_CONFIDENCE, 0, 0, 0, 0, 0]);
  });

  describe('on a local ONNX model under the grammar', () => {
    const root = mkdtempSync(join(tmpdir(), 'memr1-logprob-prior-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('comes from the log-probabilities of the decision it wrote under the grammar', async () => {
      await buildTinyGpt2(join(root, 'gpt2'), { positions: 1024, lastPositionLogits: true });
      const model = await OnnxChatModel.load(join(root, 'gpt2'), { dtype: 'fp32', device: 'cpu' });
      try {
        const decision = await decideWith(model);
        // Under the grammar the reply is always a usable decision, so there is always a confidence to read.
        expect(decision.priorReason).toBeUndefined();
        expect(decision.priorFromLogprobs).toBe(true);
        const probabilities = Array.from(decision.state.prior, Math.exp);
        expect(probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 4);
        const chosen = probabilities[actionIndex(decision.prior, decision.related.length)]!;
        expect(chosen).toBeGreaterThan(0);
        expect(chosen).toBeLessThan(1);
        expect(Array.from(decision.state.prior)).not.toContain(PRIOR_CONFIDENCE);
      } finally {
        await model.dispose();
      }
    });
  });
});
