import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { NUMBER_PARSERS } from '../../models/cli/numbers.js';
import { buildProgram, main } from '../../models/cli.js';

/** Every numeric option of `memr1`: command, flag, smallest and largest accepted value, whole numbers only, smallest excluded. */
const OPTIONS: Array<[string, string, number, number, boolean, boolean?]> = [
  ['memory search', '--k', 1, 1000, true],
  ['memory list', '--offset', 0, 1_000_000_000, true],
  ['memory list', '--limit', 1, 1000, true],
  ['memory restore', '--to', 1, Number.MAX_SAFE_INTEGER, true],
  ['train', '--steps', 1, 1_000_000, true],
  ['train', '--bank-budget', 0, 1, false, true],
  ['train', '--seed', 0, 2 ** 32 - 1, true],
  ['learn set', '--schedule', 0, 10_080, true],
  ['learn set', '--min-feedback', 1, 10_000, true],
  ['learn set', '--keep', 2, 50, true],
  ['chat', '--max-tokens', 1, 100_000, true],
  ['chat', '--temperature', 0, 2, false],
  ['bench perf', '--sizes', 1, 10_000_000, true],
  ['bench perf', '--queries', 1, 1_000_000, true],
  ['bench perf', '--sentences', 1, 1_000_000, true],
  ['bench perf', '--chat-memories', 0, 10_000_000, true],
  ['bench perf', '--chat-turns', 1, 1_000_000, true],
  ['bench perf', '--start-runs', 1, 1000, true],
  ['bench perf', '--llm-generations', 1, 100_000, true],
  ['bench locomo', '--budget', 1, 60, true],
  ['bench locomo', '--bank-budget', 0, 1, false, true],
  ['bench manager-actions', '--bank-budget', 0, 1, false, true],
  ['serve', '--port', 0, 65_535, true],
];

/** Value placeholders that mean a number: an option using one without a range parser is a bug. */
const NUMERIC_PLACEHOLDER = /<(n|k|t|share|minutes|version)>/;

function* allOptions(command: Command, path: string[] = []): Generator<{ path: string; flag: string; flags: string; parser: unknown }> {
  for (const option of command.options) yield { path: path.join(' '), flag: option.long!, flags: option.flags, parser: option.parseArg };
  for (const sub of command.commands) yield* allOptions(sub, [...path, sub.name()]);
}

async function runCli(args: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void errors.push(parts.join(' ')));
  try {
    return { code: await main(['node', 'memr1', ...args]), errors };
  } finally {
    spy.mockRestore();
  }
}

describe('numeric options are parsed with ranges, and refused with one line and exit 2', () => {
  it('the table above is every numeric option, each with the range it states', async () => {
    const found = [...allOptions(await buildProgram())].filter((o) => NUMBER_PARSERS.has(o.parser as never) || NUMERIC_PLACEHOLDER.test(o.flags));
    const described = found.map((o) => {
      const entry = NUMBER_PARSERS.get(o.parser as never);
      return [o.path, o.flag, entry?.range.min, entry?.range.max, entry?.range.integer, ...(entry?.range.minExclusive ? [true] : [])];
    });
    const key = (row: unknown[]) => `${row[0]} ${row[1]}`;
    expect(described.sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...OPTIONS].sort((a, b) => key(a).localeCompare(key(b))));
  });

  it.each(OPTIONS)('%s %s', async (path, flag, min, max, integer, minExclusive) => {
    const bad = ['abc', '', '1e999', minExclusive ? String(min) : String(min - 1), String(max + (max >= 2 ** 52 ? 2 : 1)), ...(integer ? [`${min}.5`, '0x10'] : [])];
    for (const value of bad) {
      const { code, errors } = await runCli([...path.split(' '), flag, value]);
      expect({ value, code }).toEqual({ value, code: 2 });
      expect(errors).toEqual([expect.stringMatching(new RegExp(`^memr1: ${flag} must be .* not "${value.replace('.', '\\.')}" \\[INVALID_INPUT\\]$`))]);
    }
    const parse = [...allOptions(await buildProgram())].find((o) => o.path === path && o.flag === flag)!.parser as (value: string) => unknown;
    const lowest = minExclusive ? min + 0.001 : min;
    for (const value of [lowest, max]) expect(parse(String(value))).toEqual(flag === '--sizes' ? [value] : value);
  });
});
