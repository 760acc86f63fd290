import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CompositeStorage } from '../../storage/composite.js';
import { StorageClosedError, UnknownKindError } from '../../storage/errors.js';
import { LowdbStorage } from '../../storage/lowdb.js';
import { MemoryStorage } from '../../storage/memory.js';
import { SqliteStorage } from '../../storage/sqlite.js';
import { conformanceSchema, runClockTests, runConformanceTests } from './conformance.js';

/** Configuration-like `notes` in a lowdb file, state-like `users` in SQLite, as Lanyard splits them. */
async function openSplit(
  dir: string,
  now?: () => number,
): Promise<{ storage: CompositeStorage; config: LowdbStorage; state: SqliteStorage }> {
  const { notes, users } = conformanceSchema;
  const options = now !== undefined ? { now } : {};
  const config = await LowdbStorage.open(join(dir, 'config.json'), { notes }, options);
  const state = await SqliteStorage.open(join(dir, 'state.db'), { users }, options);
  return { storage: new CompositeStorage({ notes: config, users: state }), config, state };
}

runConformanceTests('composite (lowdb + sqlite)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-composite-'));
  return {
    storage: (await openSplit(dir)).storage,
    reopen: async () => (await openSplit(dir)).storage,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runClockTests('composite (lowdb + sqlite)', async (now) => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-composite-'));
  return { storage: (await openSplit(dir, now)).storage, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('CompositeStorage', () => {
  it('sends each kind to its own backend only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lanyard-composite-'));
    const { storage, config, state } = await openSplit(dir);
    try {
      await storage.put('notes', 'n', { in: 'lowdb' });
      await storage.put('users', 'u', { name: 'in sqlite' });
      expect(await state.get('users', 'u')).toEqual({ name: 'in sqlite' });
      await expect(state.get('notes', 'n')).rejects.toBeInstanceOf(UnknownKindError);
      await expect(config.get('users', 'u')).rejects.toBeInstanceOf(UnknownKindError);
      const file = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { kinds: Record<string, unknown> };
      expect(file.kinds).toEqual({ notes: { n: { value: { in: 'lowdb' } } } });
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fans gc, ping and close out to every backend once', async () => {
    const shared = new MemoryStorage(conformanceSchema);
    const other = new MemoryStorage(conformanceSchema);
    const storage = new CompositeStorage({ users: shared, notes: shared, extra: other });
    const past = Date.now() - 1;
    await shared.put('users', 'u', { name: 'u' }, { expiresAt: past });
    await shared.put('notes', 'n', {}, { expiresAt: past });
    await other.put('notes', 'n', {}, { expiresAt: past });
    expect(await storage.gc()).toBe(3);
    await storage.ping();
    await storage.close();
    await expect(shared.ping()).rejects.toBeInstanceOf(StorageClosedError);
    await expect(other.ping()).rejects.toBeInstanceOf(StorageClosedError);
  });
});
