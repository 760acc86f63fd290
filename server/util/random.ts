/** Random identifiers and secrets from the OS CSPRNG. */
import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes } from '../../keys/random_pool.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters of base62, uniformly distributed (no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of pooledRandomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would bias the low characters.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const uuid = (): string => randomUUID();

export { randomInt };

/** SHA-256 hex digest: how high-entropy secrets (tokens) are stored. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two strings (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
