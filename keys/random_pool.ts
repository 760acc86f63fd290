/**
 * Random bytes for the hot paths (token values, accessors, seal IVs), drawn from a buffer filled
 * 4 KiB at a time. Each `randomBytes` call costs about 5 µs here, most of it fixed per call
 * (OpenSSL's DRBG locking), and a machine login or a refresh makes several; Node draws
 * `randomUUID` from a pool the same way. Every byte is handed out once, as a copy, so nothing a
 * caller keeps changes when the pool is refilled.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

export function pooledRandomBytes(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid random byte count ${size}`);
  if (size > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(size));
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
