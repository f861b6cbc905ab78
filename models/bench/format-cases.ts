/**
 * One case per agent output format (issue 16): the prompt the agent sends
 * (varied by seed), the format it decodes under, a token budget, and whether
 * a reply is valid: it parses with the agent's own parser into something
 * usable and matches the format's schema. Shared by `bench perf --only llm`
 * and the constrained-decoding tests.
 */
import type { ChatMessage, OutputFormat } from '../llm/chat-model.js';
import {
  ANSWER_PATTERN,
  FactsReplySchema,
  JudgeReplySchema,
  answerFormat,
  batchUpdateFormat,
  batchUpdateSchema,
  factsFormat,
  judgeFormat,
  updateDecisionFormat,
  updateDecisionSchema,
} from '../agents/output-formats.js';
import { parseAnswer } from '../agents/parse-answer.js';
import { parseBatchUpdate } from '../agents/parse-batch-update.js';
import { parseFacts } from '../agents/parse-facts.js';
import { parseJudge } from '../agents/parse-judge.js';
import { parseUpdateDecision } from '../agents/parse-update-decision.js';
import { answerPrompt, batchUpdatePrompt, factExtractionPrompt, judgePrompt, updateDecisionPrompt } from '../agents/prompts.js';
import { mulberry32 } from '../util/seeded-random.js';

export interface FormatCase {
  name: 'facts' | 'update_decision' | 'batch_update' | 'judge' | 'answer';
  /** The prompt, format and budget of generation `seed`. */
  request(seed: number): { messages: ChatMessage[]; format: OutputFormat; maxTokens: number; isValid(text: string): boolean };
}

const PEOPLE = ['Caroline', 'Melanie', 'Jon', 'Gina', 'Ana'];
const THINGS = ['has a dog', 'loves camping', 'runs a dance studio', 'paints sunsets', 'is allergic to cats', 'moved to Lisbon', 'plays the cello'];

function memoriesFor(random: () => number, count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: `mem-${i}-${Math.floor(random() * 1e6)}`, text: `${PEOPLE[i % PEOPLE.length]} ${THINGS[Math.floor(random() * THINGS.length)]}.`, time: '8 May, 2023' }));
}

function parsesAs(text: string, schema: { safeParse(value: unknown): { success: boolean } }): boolean {
  try {
    return schema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

export const FORMAT_CASES: readonly FormatCase[] = [
  {
    name: 'facts',
    request(seed) {
      const random = mulberry32(seed);
      const speaker = PEOPLE[seed % PEOPLE.length]!;
      const said = `I ${THINGS[Math.floor(random() * THINGS.length)]!.replace(/^has/, 'have').replace(/^is/, 'am')} and my friend ${THINGS[Math.floor(random() * THINGS.length)]}.`;
      return {
        messages: factExtractionPrompt([{ speaker, text: said, time: '1:56 pm on 8 May, 2023' }]),
        format: factsFormat(),
        maxTokens: 48,
        // Repeats are the parser's to merge; anything unusable is not.
        isValid: (text) => parsesAs(text, FactsReplySchema) && !/unusable|no facts|expected/.test(parseFacts(text).reason ?? ''),
      };
    },
  },
  {
    name: 'update_decision',
    request(seed) {
      const random = mulberry32(seed);
      const related = memoriesFor(random, seed % 4);
      const ids = related.map((m) => m.id);
      return {
        messages: updateDecisionPrompt({ text: `${PEOPLE[seed % PEOPLE.length]} ${THINGS[seed % THINGS.length]}.`, time: '9 July, 2023' }, related),
        format: updateDecisionFormat(related.length),
        maxTokens: 48,
        isValid: (text) => {
          const decision = parseUpdateDecision(text, ids);
          return parsesAs(text, updateDecisionSchema(related.length)) && !(decision.event === 'NOOP' && decision.reason);
        },
      };
    },
  },
  {
    name: 'batch_update',
    request(seed) {
      const random = mulberry32(seed);
      const memories = memoriesFor(random, seed % 3);
      const ids = memories.map((m) => m.id);
      return {
        messages: batchUpdatePrompt([{ text: `${PEOPLE[seed % PEOPLE.length]} ${THINGS[seed % THINGS.length]}.`, time: '3 June, 2023' }], memories),
        format: batchUpdateFormat(memories.length),
        maxTokens: 64,
        isValid: (text) => {
          const batch = parseBatchUpdate(text, ids);
          // A second change of one memory is the parser's to refuse: no schema can say "each id once".
          const unusable = batch.operations.filter((op) => op.event === 'NOOP' && op.reason && !op.reason.includes('already changed'));
          return parsesAs(text, batchUpdateSchema(memories.length)) && unusable.length === 0;
        },
      };
    },
  },
  {
    name: 'judge',
    request(seed) {
      return {
        messages: judgePrompt(`What does ${PEOPLE[seed % PEOPLE.length]} like?`, THINGS[seed % THINGS.length]!, THINGS[(seed * 3) % THINGS.length]!),
        format: judgeFormat(),
        // The whole reply is forced but for the label, and a model may spell it a character per token: 20 tokens.
        maxTokens: 32,
        isValid: (text) => parsesAs(text, JudgeReplySchema) && parseJudge(text).reason === undefined,
      };
    },
  },
  {
    name: 'answer',
    request(seed) {
      const random = mulberry32(seed);
      const subject = PEOPLE[seed % PEOPLE.length]!;
      return {
        messages: answerPrompt(`What does ${subject} do?`, [{ subject, memories: memoriesFor(random, 1 + (seed % 3)) }]),
        format: answerFormat(),
        maxTokens: 48,
        isValid: (text) => ANSWER_PATTERN.test(text) && parseAnswer(text).answer !== '',
      };
    },
  },
];
