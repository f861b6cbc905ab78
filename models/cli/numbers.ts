import { MemoryError } from '../memory/errors.js';

/** What a numeric option accepts: checked when the command line is parsed, before anything runs. */
export interface NumberRange {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  /** Either end excluded (a share in (0, 1]). */
  minExclusive?: boolean;
}

/**
 * Every parser made here, with its range: the CLI test walks the program's
 * options and checks each numeric one against its own table, so a numeric
 * option added without a range, or a range changed, is noticed.
 */
export const NUMBER_PARSERS = new WeakMap<(value: string) => unknown, { flag: string; range: NumberRange }>();

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A commander `argParser` for `flag`. A bad value is refused with one line and
 * exit 2 (the CLI's refusal; the store's INVALID_INPUT code), never passed on
 * to panic inside LanceDB or be silently clamped.
 */
export function numberIn(flag: string, range: NumberRange): (value: string) => number {
  const parse = (value: string): number => {
    const text = value.trim();
    const n = Number(text);
    const wellFormed = (range.integer ? INTEGER : DECIMAL).test(text) && Number.isFinite(n);
    const low = range.minExclusive ? n > range.min : n >= range.min;
    if (!wellFormed || !low || n > range.max) throw new MemoryError('INVALID_INPUT', `${flag} must be ${describe(range)}, not "${value}"`);
    return n;
  };
  NUMBER_PARSERS.set(parse, { flag, range });
  return parse;
}

/** A comma-separated list of numbers, each in `range`. */
export function numberListIn(flag: string, range: NumberRange): (value: string) => number[] {
  const one = numberIn(flag, range);
  const parse = (value: string) => value.split(',').map((part) => one(part));
  NUMBER_PARSERS.set(parse, { flag, range });
  return parse;
}

function describe(range: NumberRange): string {
  const kind = range.integer ? 'a whole number' : 'a number';
  const low = range.minExclusive ? `above ${range.min}` : `from ${range.min.toLocaleString('en')}`;
  return `${kind} ${low} to ${range.max.toLocaleString('en')}`;
}
