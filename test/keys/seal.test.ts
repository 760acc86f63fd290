import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Seal, SealError, loadSealKey } from '../../keys/seal.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanyard-seal-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('Seal', () => {
  const seal = new Seal(Seal.generateKey());

  it('round-trips a secret bound to its context, with a fresh IV each time', () => {
    const a = seal.seal('hvo_secret_abc', 'oidc-client:web:secret');
    const b = seal.seal('hvo_secret_abc', 'oidc-client:web:secret');
    expect(a).toMatch(/^lyseal:v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hvo_secret_abc');
    expect(seal.open(a, 'oidc-client:web:secret')).toBe('hvo_secret_abc');
  });

  it('refuses another context, a tampered value, another key and garbage', () => {
    const sealed = seal.seal('secret', 'ctx-a');
    expect(() => seal.open(sealed, 'ctx-b')).toThrow(SealError);
    const body = sealed.split(':');
    const last = body[3] as string;
    const flipped = `${body.slice(0, 3).join(':')}:${last[0] === 'A' ? 'B' : 'A'}${last.slice(1)}`;
    expect(() => seal.open(flipped, 'ctx-a')).toThrow(SealError);
    expect(() => new Seal(Seal.generateKey()).open(sealed, 'ctx-a')).toThrow(SealError);
    for (const bad of ['plain', 'lyseal:v1:', 'lyseal:v1:abc:def', 'lyseal:v1::']) expect(() => seal.open(bad, 'ctx-a')).toThrow(SealError);
  });

  it('never echoes the secret or the key in its errors', () => {
    const sealed = seal.seal('top-secret-value', 'ctx');
    try {
      seal.open(sealed, 'other');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain('top-secret-value');
    }
  });

  it('only accepts 32-byte keys', () => {
    expect(() => new Seal(Buffer.alloc(16))).toThrow(SealError);
  });
});

describe('loadSealKey', () => {
  it('creates a 0600 key file once and reads the same key back', async () => {
    const file = join(dir, 'seal.key');
    const first = await loadSealKey(file, { create: true });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadSealKey(file, { create: true });
    expect(second.open(first.seal('x', 'c'), 'c')).toBe('x');
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
  });

  it('refuses a key file others can read, a missing one without create, and a malformed one', async () => {
    const loose = join(dir, 'loose.key');
    await writeFile(loose, Seal.generateKey().toString('base64'), { mode: 0o644 });
    await chmod(loose, 0o644);
    await expect(loadSealKey(loose, { create: false })).rejects.toThrow(/chmod 600/);
    await expect(loadSealKey(join(dir, 'absent.key'), { create: false })).rejects.toThrow(/does not exist/);
    const short = join(dir, 'short.key');
    await writeFile(short, 'c2hvcnQ=', { mode: 0o600 });
    await expect(loadSealKey(short, { create: false })).rejects.toThrow(/32-byte/);
  });
});
