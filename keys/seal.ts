/**
 * The seal: encryption of secrets at rest (private keys, client secrets, upstream client secrets,
 * CA certificates, cookie keys) with one 256-bit master key and AES-256-GCM.
 *
 * Each sealed value carries its own random 96-bit IV and is bound to a context string (the record
 * it belongs to, e.g. `oidc-client:web:secret`) as additional authenticated data, so a ciphertext
 * copied into another record does not decrypt. A copy of the data directory without the master key
 * reveals no secret.
 *
 * Format: `lyseal:v1:<base64url iv>:<base64url ciphertext||tag>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { pooledRandomBytes } from './random_pool.js';

const PREFIX = 'lyseal:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealError extends Error {
  override name = 'SealError';
}

export class Seal {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SealError(`seal key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /** Encrypt a secret for storage, bound to `context`. */
  seal(plaintext: string, context: string): string {
    const iv = pooledRandomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /** Decrypt a value produced by `seal` with the same context; throws SealError when tampered. */
  open(sealed: string, context: string): string {
    if (!Seal.isSealed(sealed)) throw new SealError('value is not sealed');
    const [ivText, bodyText] = sealed.slice(PREFIX.length).split(':');
    const iv = Buffer.from(ivText ?? '', 'base64url');
    const body = Buffer.from(bodyText ?? '', 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new SealError('sealed value is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // Never say more: the reason (wrong key, wrong context, tampering) is not for callers.
      throw new SealError('sealed value could not be opened (wrong seal key or tampered data)');
    }
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }
}

/**
 * Read the master key from `file` (base64 text, 32 bytes decoded). When the file is missing and
 * `create` is set, a new key is generated and written with mode 0600 (exclusive create, so two
 * processes never both generate one). Refuses key files readable by group or others.
 */
export async function loadSealKey(file: string, options: { create: boolean }): Promise<Seal> {
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      throw new SealError(`seal key file ${file} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
    }
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new SealError(`seal key file ${file} does not hold a ${KEY_BYTES}-byte base64 key`);
    return new Seal(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SealError(`seal key file ${file} does not exist`);
      throw err;
    }
  }
  const key = Seal.generateKey();
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(file, 0o600);
  return new Seal(key);
}
