/**
 * Sealed records on a real lowdb file: secrets are never written in clear, each is bound to its
 * record and field, unchanged secrets keep their sealed form, and values sealed under an old
 * constant context are re-sealed per record.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Seal, SealError } from '../../keys/seal.js';
import { LowdbStorage } from '../../storage/lowdb.js';
import { SealedRecordStore } from '../../storage/sealed_record_store.js';

interface Secretive {
  readonly id: string;
  readonly secret: string;
  readonly other: string;
  readonly note: string;
}

const SECRET = 'correct-horse-battery-staple';
let dir: string;
let storage: LowdbStorage;
const seal = new Seal(Seal.generateKey());
const store = () => new SealedRecordStore<Secretive>(storage, seal, { kind: 'secretive', contextPrefix: 'test', idOf: (r) => r.id, secretFields: ['secret', 'other'] });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lanyard-sealed-'));
  storage = await LowdbStorage.open(join(dir, 'config.json'), { secretive: {} });
});
afterEach(async () => {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SealedRecordStore', () => {
  it('writes no secret in clear and reads it back opened', async () => {
    await store().create({ id: 'a', secret: SECRET, other: '', note: 'plain' });
    const file = await readFile(join(dir, 'config.json'), 'utf8');
    expect(file).not.toContain(SECRET);
    expect(file).toContain('plain');
    expect(await store().get('a')).toEqual({ id: 'a', secret: SECRET, other: '', note: 'plain' });
  });

  it('binds a sealed value to its record and its field', async () => {
    await store().create({ id: 'a', secret: SECRET, other: 'x', note: '' });
    await store().create({ id: 'b', secret: 'b-secret', other: 'y', note: '' });
    const a = await storage.get<Secretive>('secretive', 'a');
    // A copy onto another record, or into another field, does not open.
    await storage.put('secretive', 'b', { id: 'b', secret: a?.secret, other: 'y', note: '' });
    await expect(store().get('b')).rejects.toThrow(SealError);
    await storage.put('secretive', 'b', { id: 'b', secret: 'b', other: a?.secret, note: '' });
    await expect(store().get('b')).rejects.toThrow(SealError);
  });

  it('keeps an unchanged secret’s sealed form across updates and re-seals a changed one', async () => {
    await store().create({ id: 'a', secret: SECRET, other: 'o', note: '1' });
    const before = await storage.get<Secretive>('secretive', 'a');
    await store().update('a', (current) => ({ ...current, note: '2' }));
    const kept = await storage.get<Secretive>('secretive', 'a');
    expect(kept?.secret).toBe(before?.secret);
    await store().update('a', (current) => ({ ...current, secret: 'new-secret' }));
    expect((await store().get('a'))?.secret).toBe('new-secret');
    expect((await storage.get<Secretive>('secretive', 'a'))?.secret).not.toBe(before?.secret);
  });

  it('re-seals values sealed under a legacy constant context, once', async () => {
    await storage.create('secretive', 'a', { id: 'a', secret: seal.seal(SECRET, 'legacy:secret'), other: '', note: '' });
    await expect(store().get('a')).rejects.toThrow(SealError);
    expect(await store().resealLegacy((field) => `legacy:${field}`)).toBe(1);
    expect((await store().get('a'))?.secret).toBe(SECRET);
    expect(await store().resealLegacy((field) => `legacy:${field}`)).toBe(0);
  });

  it('deletes and reports what it deleted', async () => {
    await store().create({ id: 'a', secret: SECRET, other: '', note: '' });
    expect((await store().delete('a'))?.secret).toBe(SECRET);
    expect(await store().delete('a')).toBeUndefined();
  });
});
