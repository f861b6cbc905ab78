import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { CachingEmbedder } from '../../models/embed/caching-embedder.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { formatQaReport } from '../../models/eval/qa/format-qa-report.js';
import { runQaTrack } from '../../models/eval/qa/run-qa-track.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const tempDir = useTempDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** The scripted model's side of each prompt the pipeline sends (it reads the JSON-quoted data blocks). */
function scriptedReply(golds: ReadonlyMap<string, string>) {
  return (messages: ChatMessage[]): string => {
    const system = messages[0]?.content ?? '';
    const user = messages.at(-1)?.content ?? '';
    if (system.includes('as CORRECT or WRONG')) {
      const [gold, generated] = [...user.matchAll(/<(?:gold|generated)_answer>\n(".*")/g)].map((m) => JSON.parse(m[1]!) as string);
      return `{"label": "${gold?.toLowerCase() === generated?.toLowerCase() ? 'CORRECT' : 'WRONG'}"}`;
    }
    if (system.includes('**Answer:**')) {
      // Answers the first question right (with the gold answer) and every other one wrong.
      const question = [...golds.keys()].find((q) => user.includes(JSON.stringify(q).slice(1, -1)));
      const answer = question === [...golds.keys()][0] ? golds.get(question!)! : 'purple elephants';
      return `Relevant memories:\n- a memory\n**Answer:** ${answer}`;
    }
    return 'ADD'; // the manager's single-fact decisions
  };
}

describe('QA track end to end (the scripted model behind a local OpenAI-compatible server)', () => {
  it('builds the banks with the LLM as prior, answers through the distilled memories, and scores F1 / BLEU-1 / J per category', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const questions = split.test.questions;
    const golds = new Map(questions.map((q) => [q.question, q.answer]));
    const server = await startOpenAiChatServer({ models: ['scripted'], reply: scriptedReply(golds) });
    servers.push(server);
    const llm = await OpenAiChatModel.connect({ baseUrl: server.baseUrl, model: 'scripted' });
    const report = await runQaTrack({
      conversations: split.test.conversations,
      questions,
      methods: ['rag', 'heuristic'],
      embedder: new CachingEmbedder(await realEmbedder()),
      checkpoints: tempDir(),
      llm,
      judge: llm,
      backbone: 'llama-3.1-8b',
    });
    expect(report.questions).toBe(questions.length);
    for (const method of ['rag', 'heuristic'] as const) {
      const overall = report.methods[method]!.overall;
      // One question answered with its gold answer, the others wrong: exactly 1/n everywhere.
      expect(overall.f1).toBeCloseTo(1 / questions.length, 6);
      expect(overall.em).toBeCloseTo(1 / questions.length, 6);
      expect(overall.j).toBeCloseTo(1 / questions.length, 6);
      expect(overall.bleu1).toBeGreaterThan(0);
      expect(Object.keys(report.methods[method]!.categories).length).toBeGreaterThan(1);
    }
    // The manager consulted the LLM for its prior, and the judge saw every answer.
    const prompts = server.chatRequests().map((r) => (r.body?.messages as ChatMessage[] | undefined)?.[0]?.content ?? '');
    expect(prompts.some((p) => p.includes('choose one operation'))).toBe(true);
    expect(prompts.filter((p) => p.includes('as CORRECT or WRONG'))).toHaveLength(2 * questions.length);
    const table = formatQaReport(report);
    expect(table).toMatch(/\| heuristic \| \*\*overall\*\* \|/);
    expect(table).toMatch(/\| Memory-R1-GRPO \| 45\.02 \| 37\.51 \| 62\.74 \|/);
  });
});
