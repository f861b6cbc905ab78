/**
 * What the main process and the updater's worker process send each other
 * (IPC with V8 serialization: plain data and typed arrays, no classes).
 */
import type { LearningAgent } from '../contract/learning-schemas.js';
import type { LayersModelFiles } from '../rl/tfjs-files.js';
import type { Algorithm, TrainRecipe } from '../train/train-loop.js';
import type { AgentData } from './dataset.js';
import type { GateEvidence } from './off-policy-gate.js';
import type { AnswerSample, ManagerSample } from './samples.js';

/** One agent's update: the policy in use (the start), the base version (the KL reference and the LoCoMo anchor) and its samples. */
export interface AgentJob<S> {
  policy: LayersModelFiles;
  base: { version: string; policy: LayersModelFiles };
  data: AgentData<S>;
}

export interface UpdateJob {
  algo: Algorithm;
  seed: number;
  recipe: TrainRecipe;
  manager?: AgentJob<ManagerSample>;
  answer?: AgentJob<AnswerSample>;
  /** LoCoMo's validation conversation as a second gate, when the app was given the data. */
  locomo?: {
    path: string;
    /** The profile's embedder spec (the validation memories are embedded in the worker). */
    embedder: string;
    /** The manager in use, which builds the answer agent's validation bank. */
    manager: LayersModelFiles;
  };
}

export type Scores = Record<string, number>;

/** From the app to its worker, while it trains: whether a chat turn is being served (the worker then backs off). */
export type AppMessage = { type: 'chat_busy'; busy: boolean };

export type WorkerMessage =
  | { type: 'step'; agent: LearningAgent; step: number; reward_mean: number; kl: number }
  /**
   * An agent's trained candidate: the gate's evidence on the held-out
   * feedback (against the policy in use), and with LoCoMo its validation
   * scores beside the base version's (the anchor).
   */
  | { type: 'candidate'; agent: LearningAgent; policy: LayersModelFiles; steps: number; gate: GateEvidence; locomo?: { base: string; anchor: Scores; candidate: Scores } }
  | { type: 'failed'; message: string }
  | { type: 'finished' };
