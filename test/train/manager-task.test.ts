import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionIndex, FORBIDDEN_LOGIT, MANAGER_FEATURE_DIM, type ManagerAction } from '../../models/agents/manager-state.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { bankCapacity } from '../../models/eval/bank/build-sim-bank.js';
import { distillExample } from '../../models/eval/bank/distill-example.js';
import { embedConversations, type EmbeddedConversation } from '../../models/eval/bank/embedded-conversation.js';
import { heuristicChooser, replayManager } from '../../models/eval/bank/replay-manager.js';
import { SimBank, type SimFact } from '../../models/eval/bank/sim-bank.js';
import { topIndices } from '../../models/eval/evidence/kept-figures.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import type { LocomoQuestion } from '../../models/eval/locomo/types.js';
import { contentRecall } from '../../models/eval/metrics/content-recall.js';
import { memoryLine } from '../../models/agents/prompt-data.js';
import { ContentRecallCache, FROZEN_KEEP, frozenKept } from '../../models/train/locomo/bank-content.js';
import { DEFAULT_MANAGER_TASK, evaluateManager, locomoManagerEnvironment, replayDecisions, trainManagerOnLocomo, type ManagerTaskOptions } from '../../models/train/locomo/manager-task.js';
import { continueWithHeuristic, sessionWindows } from '../../models/train/locomo/manager-windows.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { realEmbedder } from '../helpers/embedder.js';

const LOCOMO = fileURLToPath(new URL('../../../shared/data/locomo10.json', import.meta.url));

/** A unit vector along one of 8 topics: facts about the same topic are duplicates (cosine 1), others unrelated (0). */
const topic = (i: number) => Float32Array.from({ length: 8 }, (_, j) => (j === i ? 1 : 0));
const fact = (text: string, subject: string, topicIndex: number, source: string): SimFact => ({ text, subject, vector: topic(topicIndex), time: null, sources: [source] });
const question = (id: string, text: string, answer: string, evidence: string[]): LocomoQuestion => ({ id, question: text, answer, category: 4, evidence });

/**
 * Ines's cat (D1:1) and Omar's cello (D1:2); the cat fact is told again at
 * `repeatAt` (the heuristic NOOPs the repeat when the cat is in the bank, and
 * ADDs it when it is not).
 */
function smallConversation(repeatAt: string): EmbeddedConversation {
  const questions = [question('s#0', 'What is the name of the cat Ines adopted?', 'Miso', ['D1:1']), question('s#1', 'Which instrument does Omar play?', 'cello', ['D1:2'])];
  return {
    sampleId: 's',
    speakers: ['Ines', 'Omar'],
    facts: [fact('Ines adopted a cat named Miso.', 'Ines', 0, 'D1:1'), fact('Omar plays the cello in an orchestra.', 'Omar', 1, 'D1:2'), fact('Ines adopted a cat named Miso.', 'Ines', 0, repeatAt)],
    turns: [],
    questions: questions.map((q, i) => ({ question: q, vector: topic(i) })),
  };
}

const heuristicTask = (overrides: Partial<ManagerTaskOptions> = {}): ManagerTaskOptions => ({ ...DEFAULT_MANAGER_TASK, bankBudget: 1, windowSessions: 1, questionScope: 'own', sampledReplays: 0, onPolicy: false, seed: 1, ...overrides });
const indexOf = (action: ManagerAction, related: number) => actionIndex(action, related);

describe('the manager\'s window reward', () => {
  it('scores the bank at the end of the window: an action a later decision undoes scores as its alternative, unless the window ends first', () => {
    // The repeat in the same session: NOOP on the first telling loses nothing, since the heuristic ADDs the repeat.
    const same = locomoManagerEnvironment([smallConversation('D1:3')], [], heuristicTask());
    const first = same.decisions.find((d) => d.index === 0)!;
    expect(same.windowContent(first, indexOf({ kind: 'NOOP' }, 0))).toBe(same.windowContent(first, indexOf({ kind: 'ADD' }, 0)));
    expect(same.windowContent(first, indexOf({ kind: 'ADD' }, 0))).toBe(1);
    // The repeat in the next session, a window of its own: the first window's bank never holds the cat.
    const split = locomoManagerEnvironment([smallConversation('D2:1')], [], heuristicTask());
    const cut = split.decisions.find((d) => d.index === 0)!;
    expect(split.windowContent(cut, indexOf({ kind: 'NOOP' }, 0))).toBe(0.5);
    expect(split.windowContent(cut, indexOf({ kind: 'ADD' }, 0))).toBe(1);
    expect(split.reward(cut.view.state, indexOf({ kind: 'NOOP' }, 0))).toBe(-0.5); // relative: the gain over the heuristic's ADD
    // With two sessions per window the repeat is inside again.
    const wide = locomoManagerEnvironment([smallConversation('D2:1')], [], heuristicTask({ windowSessions: 2 }));
    const whole = wide.decisions.find((d) => d.index === 0)!;
    expect(wide.windowContent(whole, indexOf({ kind: 'NOOP' }, 0))).toBe(1);
  });

  it('a DELETE of the memory that holds an answer scores lower than the heuristic\'s NOOP, and the rewards of one state differ between actions', () => {
    const env = locomoManagerEnvironment([smallConversation('D1:3')], [], heuristicTask());
    const repeat = env.decisions.find((d) => d.index === 2)!;
    expect(repeat.view.prior).toEqual({ kind: 'NOOP' });
    const catMemory = repeat.view.related.findIndex((m) => m.text.includes('Miso'));
    const rewards = repeat.view.actions.map((_, i) => env.reward(repeat.view.state, i));
    expect(rewards[indexOf({ kind: 'NOOP' }, repeat.view.related.length)]).toBe(0);
    expect(rewards[indexOf({ kind: 'DELETE', index: catMemory }, repeat.view.related.length)]).toBe(-0.5);
    expect(new Set(rewards).size).toBeGreaterThan(1);
  });

  it('the reward\'s fast paths give what the benchmark\'s own functions give', () => {
    const conversation = smallConversation('D1:3');
    const cache = new ContentRecallCache();
    const lines = conversation.facts.map((f) => ({ event_time: '2023-05-08T13:56:00.000Z', text: f.text }));
    for (const asked of conversation.questions) {
      expect(cache.recall(asked.question, lines)).toBe(contentRecall(asked.question.answer, asked.question.category, lines.map((m) => memoryLine(m.event_time, m.text))));
    }
    expect(cache.recall({ answer: '', category: 4 }, lines)).toBeUndefined();
  });
});

describe('the manager on LoCoMo (train conv-26, validation conv-30)', () => {
  let train: EmbeddedConversation[];
  let validation: EmbeddedConversation[];
  beforeAll(async () => {
    const split = splitLocomo(await loadLocomo(LOCOMO));
    const embedder = await realEmbedder();
    [train, validation] = [await embedConversations(embedder, split.train.conversations, split.train.questions), await embedConversations(embedder, split.validation.conversations, split.validation.questions)];
  });

  it('cuts sessions into windows, replays never exceed the budget, and the fast paths match the benchmark\'s', () => {
    const conversation = train[0]!;
    const { windows } = sessionWindows(conversation, 3);
    expect(windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]); // conv-26 has 19 sessions
    expect(windows.reduce((n, w) => n + w.end - w.start, 0)).toBe(conversation.facts.length);
    expect(windows.at(-1)!.seen).toHaveLength(conversation.questions.length);

    const options = { bankBudget: 0.3, windowSessions: 3, questionScope: 'own' as const };
    const capacity = bankCapacity(conversation, options.bankBudget)!;
    const random = mulberry32(3);
    const decisions = [...replayDecisions(conversation, options), ...replayDecisions(conversation, options, { kind: 'sampled', random })];
    expect(decisions.every((d) => d.view.bank.memories.length <= capacity)).toBe(true);
    const full = decisions.filter((d) => d.view.full);
    expect(full.length).toBeGreaterThan(50);
    expect(full.every((d) => d.view.state.prior[0] === FORBIDDEN_LOGIT && d.view.bank.memories.length === capacity)).toBe(true);
    expect(decisions.some((d) => d.view.prior.kind === 'NOOP' || d.view.prior.kind === 'UPDATE')).toBe(true);

    // The heuristic's continuation without policy states leaves the bank `replayManager` leaves.
    const start = replayManager(conversation.facts.slice(0, 60), heuristicChooser, capacity);
    const rest = conversation.facts.slice(60);
    const texts = (bank: SimBank) => bank.memories.map((m) => `${m.id} ${m.text}`);
    expect(texts(continueWithHeuristic(start, rest, capacity))).toEqual(texts(replayManager(rest, heuristicChooser, capacity, start)));
    // The prior distiller's best 8 are the first 8 candidates: the reward skips the distillation state.
    const bank = replayManager(conversation.facts, heuristicChooser, capacity);
    for (const asked of conversation.questions.slice(0, 40)) {
      const example = distillExample(bank.memories, asked, conversation.speakers);
      expect(frozenKept(bank.memories, asked, conversation.speakers).map((m) => m.id)).toEqual(topIndices(example.state.prior, FROZEN_KEEP).map((i) => example.candidates[i]!.id));
    }
  });

  it('evaluates the heuristic under the budget and ADD-all without it, on the same frozen distiller', () => {
    const heuristic = evaluateManager(validation, 'prior', { bankBudget: 0.5 });
    const addAll = evaluateManager(validation, 'add-all', { bankBudget: 0.5 });
    expect(Object.keys(heuristic)[0]).toBe('content_recall');
    expect(heuristic.memories).toBeLessThanOrEqual(bankCapacity(validation[0]!, 0.5)!);
    expect(addAll.memories).toBe(validation[0]!.facts.length);
    expect(addAll.share_ADD).toBe(1);
    expect(heuristic.share_ADD! + heuristic.share_UPDATE! + heuristic.share_NOOP! + heuristic.share_DELETE!).toBeCloseTo(1, 9);
    expect(heuristic.content_recall).toBeGreaterThan(addAll.content_recall!);
  });

  it('GRPO trains on on-policy window rewards: the chosen manager is no worse than the heuristic on validation, and training raised the expected gain of the policy\'s choices on training states', async () => {
    // The yardstick: fixed training states (the heuristic's replay) with every action's window reward under the heuristic's continuation.
    const fixed = locomoManagerEnvironment(train, [], { ...DEFAULT_MANAGER_TASK, onPolicy: false, sampledReplays: 0, seed: 1 });
    const states = fixed.decisions.filter((_, i) => i % 12 === 5).map((d) => d.view.state);
    const rewards = states.map((state) => Array.from(state.prior, (_, a) => fixed.reward(state, a)));
    const expectedGain = (p: CategoricalPolicy) => mean(states.map((state, i) => Array.from(p.probabilities(state), (q, a) => q * rewards[i]![a]!).reduce((x, y) => x + y, 0)));
    const policy = CategoricalPolicy.create(MANAGER_FEATURE_DIM, { seed: 7 });
    const before = expectedGain(policy);
    let after = before;
    const steps = 6;
    const result = await trainManagerOnLocomo({ train, validation, algo: 'grpo', seed: 7, steps, policy, recipe: { evalEvery: 3 }, onStep: (r) => r.step === steps && (after = expectedGain(policy)) });
    console.log(`manager/grpo ${result.seconds.toFixed(0)} s; expected gain over the heuristic on ${states.length} training states ${before.toFixed(4)} -> ${after.toFixed(4)}; validation content ${result.chosen.eval.content_recall!.toFixed(3)} at step ${result.chosen.step} (heuristic ${result.baseline.content_recall!.toFixed(3)}, add-all ${result.addAll.content_recall!.toFixed(3)})`);
    expect(result.history).toHaveLength(steps);
    expect(result.chosen.eval.content_recall).toBeGreaterThanOrEqual(result.baseline.content_recall!);
    expect(result.baseline.content_recall).toBeGreaterThan(result.addAll.content_recall!);
    // Not by construction: at temperature 1 the untrained policy often tries worse operations than the heuristic's; training makes them rarer.
    expect(before).toBeLessThan(0);
    expect(after).toBeGreaterThan(before);
  });
});

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
