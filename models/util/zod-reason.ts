import type { z } from 'zod';

/** The first problem zod found, as a short sentence naming where it is. */
export function schemaReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected JSON';
  return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
