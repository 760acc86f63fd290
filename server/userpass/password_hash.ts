/**
 * Password hashes: scrypt with a random 16-byte salt, stored in the PHC string format
 * `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (unpadded base64). The parameters travel with each hash, so
 * they can be raised later: old hashes still verify, and `needsRehash` tells when to upgrade one
 * at the next successful login.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { LanyardError } from '../errors.js';
import { passwordHashing } from './hashing_queue.js';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * 32 MiB and a few tens of milliseconds per hash, so concurrent logins fit a small server. Raising
 * them later is safe: stored hashes keep their own parameters and are upgraded on login.
 */
export const CURRENT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;
/** A stored hash is trusted data, but bounds keep a corrupted one from exhausting memory. */
const LIMITS: ScryptParams = { ln: 20, r: 32, p: 16 };

export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * A well-formed hash that no password matches (random salt and key), costing exactly as much to
 * verify against as a real one. Made without running scrypt, so it is free at start-up.
 */
export function unmatchableHash(params: ScryptParams = CURRENT_PARAMS): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(randomBytes(SALT_BYTES))}$${b64(randomBytes(KEY_BYTES))}`;
}

/** Whether `password` matches `encoded`; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const { params, salt, key } = parse(encoded);
  const candidate = await derive(password, salt, params, key.length);
  return timingSafeEqual(candidate, key);
}

/** Whether the hash was made with weaker parameters than the current ones. */
export function needsRehash(encoded: string, params: ScryptParams = CURRENT_PARAMS): boolean {
  const stored = parse(encoded).params;
  return stored.ln < params.ln || stored.r < params.r || stored.p < params.p;
}

function parse(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } {
  const match = PHC.exec(encoded);
  const params = match && { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (!match || !params || !withinLimits(params)) {
    throw new LanyardError('internal', 'internal error', { detail: 'stored password hash is malformed' });
  }
  return { params, salt: Buffer.from(match[4] as string, 'base64'), key: Buffer.from(match[5] as string, 'base64') };
}

function withinLimits(params: ScryptParams): boolean {
  return params.ln >= 1 && params.ln <= LIMITS.ln && params.r >= 1 && params.r <= LIMITS.r && params.p >= 1 && params.p <= LIMITS.p;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128·N·r bytes; allow twice that so Node's bookkeeping never trips the limit.
  const maxmem = 256 * N * params.r;
  // Through the bounded queue: logins must not take the whole libuv thread pool (hashing_queue.ts).
  return passwordHashing.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, length, { N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
