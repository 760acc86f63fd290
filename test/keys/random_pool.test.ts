import { describe, expect, it } from '@jest/globals';
import { pooledRandomBytes } from '../../keys/random_pool.js';

describe('pooledRandomBytes', () => {
  it('hands out each byte once: no two draws across several refills overlap', () => {
    const seen = new Set<string>();
    // 2,000 draws of 16 bytes span about eight refills of the 4 KiB pool.
    for (let i = 0; i < 2000; i++) {
      const bytes = pooledRandomBytes(16);
      expect(bytes.length).toBe(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('gives copies: a kept draw does not change when the pool is refilled', () => {
    const kept = pooledRandomBytes(32);
    const before = kept.toString('hex');
    for (let i = 0; i < 300; i++) pooledRandomBytes(64);
    expect(kept.toString('hex')).toBe(before);
  });

  it('serves large and empty requests, and refuses invalid sizes', () => {
    expect(pooledRandomBytes(0).length).toBe(0);
    const large = pooledRandomBytes(10_000);
    expect(large.length).toBe(10_000);
    expect(new Set(large).size).toBeGreaterThan(200);
    for (const size of [-1, 1.5, Number.NaN]) expect(() => pooledRandomBytes(size)).toThrow(RangeError);
  });

  it('looks uniform: every byte value turns up about equally often', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 1000; i++) for (const byte of pooledRandomBytes(64)) counts[byte] = (counts[byte] ?? 0) + 1;
    // 64,000 bytes: 250 expected per value; a fair source stays far inside these bounds.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(350);
  });
});
