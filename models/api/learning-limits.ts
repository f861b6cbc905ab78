/**
 * The fewest labelled pieces of feedback one agent's update can use: the
 * updater's MIN_TRAIN + MIN_HELD_OUT (models/learning/dataset.ts; a test holds
 * them equal). A plain constant in its own file so that the renderer, which
 * may import only the API's browser-safe files, can say it without bundling zod.
 */
export const MIN_FEEDBACK_PER_AGENT = 5;
