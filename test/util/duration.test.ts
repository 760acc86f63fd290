/** The one duration grammar (Go's, as Vault's API accepts it), with Go's error texts. */
import { describe, expect, it } from '@jest/globals';
import { parseDurationSecondNs, parseDurationSeconds, parseGoDurationNs } from '../../server/util/duration.js';

describe('parseDurationSeconds (Vault TypeDurationSecond)', () => {
  it.each<[unknown, number]>([
    [90, 90],
    [90.9, 90],
    ['90', 90],
    ['', 0],
    ['90s', 90],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['7d', 604_800],
    ['+5m', 300],
    [' 2h ', 7200],
    ['1500ms', 1],
  ])('%p is %p seconds', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds);
  });

  it.each<[unknown, string]>([
    ['-5s', "cannot provide negative value '-5s'"],
    [-1, "cannot provide negative value '-1'"],
    ['1d2h', 'time: unknown unit "d" in duration "1d2h"'],
    ['abc', 'time: invalid duration "abc"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1.5d', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [null, 'invalid duration of type null'],
    [{}, 'invalid duration of type object'],
    [Number.POSITIVE_INFINITY, 'invalid duration Infinity'],
  ])('%p is refused: %s', (input, message) => {
    const result = parseDurationSeconds(input);
    if (message === '') expect(typeof result).toBe('number');
    else expect(result).toBe(message);
  });
});

describe('Go parsers in nanoseconds', () => {
  it('parse time.ParseDuration and ParseDurationSecond exactly', () => {
    expect(parseGoDurationNs('1h2m3.5s')).toBe(3_723_500_000_000n);
    expect(parseGoDurationNs('-1.5µs')).toBe(-1_500n);
    expect(parseDurationSecondNs('3')).toBe(3_000_000_000n);
    expect(parseDurationSecondNs('2d')).toBe(172_800_000_000_000n);
    expect(() => parseGoDurationNs('1')).toThrow('time: missing unit in duration "1"');
  });
});
