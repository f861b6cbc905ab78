import { describe, expect, it } from 'vitest';
import { MIN_FEEDBACK_PER_AGENT } from '../../models/api/learning-limits.js';
import { MIN_HELD_OUT, MIN_TRAIN } from '../../models/learning/dataset.js';

describe('what the Learning screen tells the user', () => {
  it('says the same minimum of feedback per agent as the updater uses', () => {
    expect(MIN_FEEDBACK_PER_AGENT).toBe(MIN_TRAIN + MIN_HELD_OUT);
  });
});
