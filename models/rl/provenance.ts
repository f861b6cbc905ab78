/**
 * Where a policy version came from: recorded in its checkpoint's meta.json and
 * shown to the user (`memr1 policy show`, the Learning screen), so a version
 * can always be traced to the data, recipe and prior that made it. Zod only
 * (no Node code): the API's schemas, which the renderer imports, reuse it.
 */
import { z } from 'zod';

/** What trained it: LoCoMo (`memr1 train --data`), a synthetic task, the user's feedback, or nothing (the untrained prior). */
export const PROVENANCE_SOURCES = ['locomo', 'synthetic', 'feedback', 'prior'] as const;
/**
 * The zero-shot prior the policy's logits were added to while it trained:
 * the similarity heuristic or an LLM's decision (manager), the fused retrieval
 * score (answer agent). A policy learned a residual on one prior.
 */
export const PROVENANCE_PRIORS = ['heuristic', 'llm', 'retrieval'] as const;

const figures = z.record(z.string(), z.number());

export const PolicyProvenance = z.object({
  source: z.enum(PROVENANCE_SOURCES),
  /** The training data's file name (not its folder: the path is the trainer's machine's business). */
  data_file: z.string().optional(),
  data_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Sample (conversation) ids of each part of the split. */
  split: z.object({ train: z.array(z.string()), validation: z.array(z.string()), test: z.array(z.string()) }).optional(),
  /** The TrainRecipe used (steps, batch size, learning rate…). */
  recipe: z.record(z.string(), z.unknown()).optional(),
  algorithm: z.string().min(1),
  seed: z.number().int().optional(),
  /** When it was trained: an installed copy's own `created_at` is the install time. */
  trained_at: z.iso.datetime().optional(),
  validation: figures.optional(),
  test: figures.optional(),
  prior: z.enum(PROVENANCE_PRIORS),
  /** The checkpoint folder it was installed from (`memr1 policy install`, `memr1 train --install`). */
  installed_from: z.string().optional(),
  installed_at: z.iso.datetime().optional(),
  /** The training data's licence, which binds what may be done with weights derived from it. */
  licence: z.string().optional(),
});
export type PolicyProvenance = z.infer<typeof PolicyProvenance>;
