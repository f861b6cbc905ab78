/**
 * The scopes memories live in (issue 17): `personal`, projects, tools' own.
 * Shared by the chat's scope picker, the Memory screen's filter and moves,
 * and Settings, so a scope named in one shows up in the others.
 */
import { DEFAULT_SCOPE, ScopeName } from '../../../models/contract/scopes.js';
import type { OutputOf } from './api-types';
import { client } from './client';

export { DEFAULT_SCOPE };

export type ScopeCount = OutputOf<'memory.scopes'>['items'][number];

/** The engine's list (`personal` always in it), with each scope's memory count. */
export const scopes: { items: ScopeCount[] } = $state({ items: [{ scope: DEFAULT_SCOPE, memories: 0 }] });

export async function refreshScopes(): Promise<void> {
  scopes.items = (await client.invoke('memory.scopes', {})).items;
}

/** The known scope names, `personal` first, then by name; `extra` (a name just typed, not yet holding anything) joins them. */
export function scopeNames(...extra: string[]): string[] {
  const others = new Set([...scopes.items.map((s) => s.scope), ...extra]);
  others.delete(DEFAULT_SCOPE);
  return [DEFAULT_SCOPE, ...[...others].sort((a, b) => a.localeCompare(b))];
}

/** A name the user typed, checked by the contract's rule: the name to use, or the reason it cannot be one. */
export function readScopeName(typed: string): { name: string } | { error: string } {
  const parsed = ScopeName.safeParse(typed);
  if (parsed.success) return { name: parsed.data };
  if (!typed.trim()) return { error: 'Give the project a name.' };
  if (parsed.error.issues.some((issue) => issue.code === 'too_big')) return { error: 'A scope name is at most 64 characters.' };
  // The contract's own sentence ("a scope name is letters, digits, …"), as a sentence.
  const rule = parsed.error.issues[0]?.message ?? 'a scope name is not valid';
  return { error: `${rule[0]!.toUpperCase()}${rule.slice(1)}.` };
}
