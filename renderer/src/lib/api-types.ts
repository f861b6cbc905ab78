/**
 * The API's types, from its one route table in models/api (DESIGN §8).
 * Type-only: no engine code reaches the bundle.
 */
import type { RouteEvent, RouteInput, RouteOutput, StreamRouteName, UnaryRouteName } from '../../../models/contract/routes.js';

export type { ChatEvent, ChatMessageView, DownloadEvent, MemoryView, OperationView, RestoreReportView, Settings, TableVersionsView } from '../../../models/contract/schemas.js';
export type {
  AgentRunResult,
  AnswerFeedbackView,
  LearningAgent,
  LearningSettings,
  PolicyVersionView,
  TrainingEvent,
  TrainingPoint,
  TrainingRun,
  TrainingStatus,
} from '../../../models/contract/learning-schemas.js';

export type UnaryRoute = UnaryRouteName;
export type StreamRoute = StreamRouteName;
export type InputOf<R extends UnaryRoute> = RouteInput<R>;
export type OutputOf<R extends UnaryRoute> = RouteOutput<R>;
export type StreamInputOf<R extends StreamRoute> = RouteInput<R>;
export type EventOf<R extends StreamRoute> = RouteEvent<R>;
