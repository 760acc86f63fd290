import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { AlreadyExistsError, StorageError } from '../../storage/errors.js';
import { findByIndex, SqliteStorage } from '../../storage/sqlite.js';
import { conformanceSchema, runClockTests, runConformanceTests, type User } from './conformance.js';
import { randomly, runAndKill } from './killed_child.js';

runConformanceTests('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-sqlite-'));
  const file = join(dir, 'state.db');
  return {
    storage: await SqliteStorage.open(file, conformanceSchema),
    reopen: () => SqliteStorage.open(file, conformanceSchema, { synchronous: 'FULL' }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

// The same contract with every kind's records cached between reads (record_cache.ts).
const EVERY_KIND = Object.keys(conformanceSchema);
runConformanceTests('sqlite (records cached)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-sqlite-'));
  const file = join(dir, 'state.db');
  return {
    storage: await SqliteStorage.open(file, conformanceSchema, { cachedKinds: EVERY_KIND, cacheEntries: 3 }),
    reopen: () => SqliteStorage.open(file, conformanceSchema, { cachedKinds: EVERY_KIND }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runClockTests('sqlite (records cached)', async (now) => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-sqlite-'));
  return {
    storage: await SqliteStorage.open(join(dir, 'state.db'), conformanceSchema, { now, cachedKinds: EVERY_KIND }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runClockTests('sqlite', async (now) => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-sqlite-'));
  return {
    storage: await SqliteStorage.open(join(dir, 'state.db'), conformanceSchema, { now }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('SqliteStorage', () => {
  let dir: string;
  let file: string;
  const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
  /** A second, independent connection, to look at the database from outside the storage. */
  const inspect = <T>(look: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return look(db);
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanyard-sqlite-'));
    file = join(dir, 'state.db');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs in WAL mode and keeps the database and its WAL files owner-only (0600)', async () => {
    const storage = await SqliteStorage.open(file, conformanceSchema);
    await storage.put('notes', 'n', {});
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(await mode(path)).toBe(0o600);
    expect(inspect((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    await storage.close();

    for (const path of [file, `${file}-wal`, `${file}-shm`]) await chmod(path, 0o644).catch(() => undefined);
    const reopened = await SqliteStorage.open(file, conformanceSchema);
    await reopened.put('notes', 'm', {});
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(await mode(path)).toBe(0o600);
    await reopened.close();
  });

  it('records its schema version and refuses a database from a newer release', async () => {
    await (await SqliteStorage.open(file, conformanceSchema)).close();
    expect(inspect((db) => db.pragma('user_version', { simple: true }))).toBe(2);
    inspect((db) => db.pragma('user_version = 99'));
    await expect(SqliteStorage.open(file, conformanceSchema)).rejects.toBeInstanceOf(StorageError);
  });

  it('keeps each index row in one B-tree: finds read the index that holds their rows', async () => {
    await (await SqliteStorage.open(file, conformanceSchema)).close();
    const plan = (rows: 'is_unique' | 'is_unique = 0'): string =>
      inspect((db) => db.prepare(`EXPLAIN QUERY PLAN ${findByIndex(rows)}`).all('users', 'email', 'x', 0))
        .map((step) => (step as { detail: string }).detail)
        .join('; ');
    expect(plan('is_unique')).toMatch(/USING (COVERING )?INDEX record_indexes_unique/);
    expect(plan('is_unique = 0')).toMatch(/USING (COVERING )?INDEX record_indexes_shared/);
    const indexes = inspect((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record_indexes'").pluck().all());
    expect(indexes).not.toContain('record_indexes_lookup');
  });

  it('migrates a version 1 database: its index rows are found through the new indexes', async () => {
    const first = await SqliteStorage.open(file, conformanceSchema);
    await first.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] });
    await first.put('users', 'bob', { name: 'bob', groups: ['g'] });
    await first.close();
    // Back to the first schema, as a database written by an earlier release has it.
    inspect((db) => {
      db.exec('DROP INDEX record_indexes_shared; CREATE INDEX record_indexes_lookup ON record_indexes (kind, index_name, value)');
      db.pragma('user_version = 1');
    });

    const migrated = await SqliteStorage.open(file, conformanceSchema);
    expect((await migrated.findBy('users', 'groups', 'g')).map((entry) => entry.id)).toEqual(['ann', 'bob']);
    expect((await migrated.findBy('users', 'email', 'ann@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    await expect(migrated.create('users', 'cat', { name: 'cat', email: 'ann@example.com' })).rejects.toBeInstanceOf(AlreadyExistsError);
    await migrated.close();
    expect(inspect((db) => db.pragma('user_version', { simple: true }))).toBe(2);
  });

  it('with records cached, every write, removal, steal, expiry and gc is seen by the next read', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const storage = await SqliteStorage.open(file, conformanceSchema, { now: () => clock, cachedKinds: ['users', 'notes'] });
    const read = (id: string) => storage.get<User>('users', id);
    await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com' });
    expect(await read('ann')).toEqual({ name: 'ann', email: 'ann@example.com' }); // now cached

    await storage.put('users', 'ann', { name: 'ann 2' });
    expect(await read('ann')).toEqual({ name: 'ann 2' });
    await storage.update<User>('users', 'ann', (user) => ({ ...user, name: 'ann 3' }));
    expect(await read('ann')).toEqual({ name: 'ann 3' });
    // A failing update changes nothing, cached or not.
    await expect(storage.update<User>('users', 'ann', () => { throw new Error('no'); })).rejects.toThrow('no');
    expect(await read('ann')).toEqual({ name: 'ann 3' });
    await storage.update<User>('users', 'ann', () => undefined);
    expect(await read('ann')).toBeUndefined();

    await storage.put('users', 'bob', { name: 'bob', email: 'bob@example.com' }, { expiresAt: clock + 1000 });
    expect(await read('bob')).toEqual({ name: 'bob', email: 'bob@example.com' });
    clock += 1000;
    expect(await read('bob')).toBeUndefined(); // expired while cached
    // An expired holder of a unique value is removed by the next claim: its cached copy goes too.
    clock -= 1000;
    expect(await read('bob')).toEqual({ name: 'bob', email: 'bob@example.com' });
    clock += 1000;
    await storage.create('users', 'cat', { name: 'cat', email: 'bob@example.com' });
    clock -= 1000;
    expect(await read('bob')).toBeUndefined();
    clock += 1000;

    await storage.put('users', 'dan', { name: 'dan' });
    expect(await read('dan')).toEqual({ name: 'dan' });
    expect(await storage.delete('users', 'dan')).toBe(true);
    expect(await read('dan')).toBeUndefined();

    // A changed copy is the caller's own.
    const cat = await read('cat');
    cat!.name = 'changed';
    expect(await read('cat')).toEqual({ name: 'cat', email: 'bob@example.com' });
    await storage.close();
    // What the file holds is what the cache served.
    expect(inspect((db) => db.prepare("SELECT id, value FROM records WHERE kind = 'users' ORDER BY id").all())).toEqual([{ id: 'cat', value: JSON.stringify({ name: 'cat', email: 'bob@example.com' }) }]);
  });

  it('refuses to cache a kind it does not have', async () => {
    await expect(SqliteStorage.open(file, conformanceSchema, { cachedKinds: ['nope'] })).rejects.toThrow();
  });

  it('rebuilds index rows when a kind declares different indexes', async () => {
    const plain = await SqliteStorage.open(file, { users: {} });
    await plain.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] });
    await plain.put('users', 'bob', { name: 'bob', groups: ['g'] });
    await plain.put('users', 'old', { name: 'old', email: 'ann@example.com' }, { expiresAt: Date.now() - 1 });
    await plain.close();

    const indexed = await SqliteStorage.open(file, { users: conformanceSchema.users });
    expect((await indexed.findBy('users', 'groups', 'g')).map((entry) => entry.id)).toEqual(['ann', 'bob']);
    expect((await indexed.findBy('users', 'email', 'ann@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    await expect(indexed.create('users', 'cat', { name: 'cat', email: 'ann@example.com' })).rejects.toBeInstanceOf(AlreadyExistsError);
    await indexed.close();
  });

  it('refuses to open when existing records clash in a newly unique index', async () => {
    const plain = await SqliteStorage.open(file, { users: {} });
    await plain.put('users', 'ann', { name: 'ann', email: 'same@example.com' });
    await plain.put('users', 'bob', { name: 'bob', email: 'same@example.com' });
    await plain.close();
    await expect(SqliteStorage.open(file, { users: conformanceSchema.users })).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('keeps every committed write, and records consistent with indexes, after writers are killed', async () => {
    await (await SqliteStorage.open(file, conformanceSchema)).close();
    const writer = `
      import Database from 'better-sqlite3';
      const db = new Database(process.env.SQLITE_FILE);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const record = db.prepare('INSERT INTO records (kind, id, value, expires_at) VALUES (?, ?, ?, NULL)');
      const index = db.prepare('INSERT INTO record_indexes (kind, id, index_name, value, is_unique) VALUES (?, ?, ?, ?, 1)');
      const write = db.transaction((id) => {
        const email = id + '@example.com';
        record.run('users', id, JSON.stringify({ name: id, email, pad: 'x'.repeat(2000) }));
        index.run('users', id, 'email', email);
      });
      for (let i = 0; ; i++) {
        const id = process.env.ROUND + '-' + i;
        write(id);
        console.log(id);
      }`;
    for (let round = 0; round < 4; round++) {
      const committed = await runAndKill(writer, { SQLITE_FILE: file, ROUND: String(round) }, 20, randomly(50));

      const storage = await SqliteStorage.open(file, conformanceSchema);
      for (const id of committed) {
        expect(await storage.get<User>('users', id)).toMatchObject({ name: id });
        expect((await storage.findBy('users', 'email', `${id}@example.com`)).map((entry) => entry.id)).toEqual([id]);
      }
      await storage.close();
      expect(inspect((db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
      expect(inspect((db) => db.pragma('foreign_key_check'))).toEqual([]);
    }
  });
});
