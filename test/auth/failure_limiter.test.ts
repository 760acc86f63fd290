/** The failure limiter on an injected clock: locks, growth, forgetting, attempts in flight, bounded memory. */
import { describe, expect, it } from '@jest/globals';
import { FailureLimiter } from '../../server/auth/failure_limiter.js';

const policy = { limit: 3, windowMs: 10_000, baseLockMs: 1000, maxLockMs: 4000 };

function setup(maxKeys?: number) {
  let now = 1_000_000;
  const limiter = new FailureLimiter(policy, () => now, maxKeys);
  const fail = (key: string) => {
    expect(limiter.begin(key)).toBe(0);
    limiter.finish(key, true);
  };
  return { limiter, fail, advance: (ms: number) => (now += ms) };
}

describe('FailureLimiter', () => {
  it('locks after the limit and doubles the lock up to the maximum', () => {
    const { limiter, fail, advance } = setup();
    fail('k');
    fail('k');
    fail('k');
    expect(limiter.begin('k')).toBe(1000);
    advance(1000);
    fail('k');
    expect(limiter.begin('k')).toBe(2000);
    advance(2000);
    fail('k');
    expect(limiter.begin('k')).toBe(4000);
    advance(4000);
    fail('k');
    expect(limiter.begin('k')).toBe(4000);
  });

  it('keeps keys apart and counts only failures', () => {
    const { limiter, fail } = setup();
    fail('a');
    fail('a');
    for (let i = 0; i < 10; i++) {
      expect(limiter.begin('a')).toBe(0);
      limiter.finish('a', false);
    }
    fail('b');
    fail('a');
    expect(limiter.begin('a')).toBeGreaterThan(0);
    expect(limiter.begin('b')).toBe(0);
  });

  it('forgets failures after a quiet window, and on reset', () => {
    const { limiter, fail, advance } = setup();
    fail('k');
    fail('k');
    advance(10_000);
    fail('k');
    fail('k');
    expect(limiter.begin('k')).toBe(0);
    limiter.finish('k', false);
    limiter.reset('k');
    fail('k');
    fail('k');
    expect(limiter.begin('k')).toBe(0);
  });

  it('does not let parallel attempts run past the limit', () => {
    const { limiter } = setup();
    expect(limiter.begin('k')).toBe(0);
    expect(limiter.begin('k')).toBe(0);
    expect(limiter.begin('k')).toBe(0);
    expect(limiter.begin('k')).toBeGreaterThan(0);
    limiter.finish('k', false);
    expect(limiter.begin('k')).toBe(0);
  });

  it('stays within its key budget, dropping the oldest keys first', () => {
    const { limiter, fail } = setup(3);
    for (const key of ['a', 'b', 'c', 'd']) {
      fail(key);
      fail(key);
      fail(key);
    }
    // 'a' was the oldest and went to make room; the newest keep their locks.
    expect(limiter.begin('d')).toBe(1000);
    expect(limiter.begin('c')).toBe(1000);
    expect(limiter.begin('a')).toBe(0);
  });
});
