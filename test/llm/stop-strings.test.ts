import { describe, expect, it } from 'vitest';
import { StopStringFilter } from '../../models/llm/stop-strings.js';

function run(stops: string[], chunks: string[]): { out: string; done: boolean } {
  const filter = new StopStringFilter(stops);
  let out = '';
  for (const chunk of chunks) out += filter.push(chunk);
  out += filter.flush();
  return { out, done: filter.done };
}

describe('StopStringFilter', () => {
  it('cuts at a stop string inside one chunk', () => {
    expect(run(['\nUser:'], ['Hello there\nUser: more'])).toEqual({ out: 'Hello there', done: true });
  });

  it('cuts at a stop string split across chunks without leaking its start', () => {
    const filter = new StopStringFilter(['</answer>']);
    expect(filter.push('Paris</an')).toBe('Paris');
    expect(filter.push('swer> trailing')).toBe('');
    expect(filter.done).toBe(true);
  });

  it('releases held text that turned out not to be a stop string', () => {
    expect(run(['STOP'], ['a ST', 'ART b'])).toEqual({ out: 'a START b', done: false });
    expect(run(['STOP'], ['ends with ST'])).toEqual({ out: 'ends with ST', done: false });
  });

  it('picks the earliest of several stop strings and ignores empty ones', () => {
    expect(run(['', 'b', 'a'], ['xxaxb'])).toEqual({ out: 'xx', done: true });
  });
});
