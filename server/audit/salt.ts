/**
 * The per-device HMAC key (Vault's "salt"): every secret an audit device writes is
 * `hmac-sha256:<hex>` of the value under this key, so an operator who holds a candidate value can
 * check it (`sys/audit-hash/:path`) while the log itself reveals nothing. The key is random per
 * device and stored sealed (server/audit/device_store.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';

export const HASH_PREFIX = 'hmac-sha256:';

export class AuditSalt {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = Buffer.from(key);
  }

  static generate(): Buffer {
    return randomBytes(32);
  }

  hash(value: string): string {
    return HASH_PREFIX + createHmac('sha256', this.#key).update(value, 'utf8').digest('hex');
  }
}

/**
 * Every string inside `value` replaced by its HMAC, recursively; keys, numbers, booleans and
 * nulls stay readable (Vault's HashStructure: the structure is not secret, the strings may be).
 */
export function hashStrings(value: unknown, hash: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return hash(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => hashStrings(item, hash, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = hashStrings(item, hash, depth + 1);
  return out;
}
