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
    expect(inspect((db) => db.pragma('user_version', { simple: true }))).toBe(3);
    inspect((db) => db.pragma('user_version = 99'));
    await expect(SqliteStorage.open(file, conformanceSchema)).rejects.toBeInstanceOf(StorageError);
  });

  it('keeps each index value in one B-tree, which finds search by its key', async () => {
    await (await SqliteStorage.open(file, conformanceSchema)).close();
    const plan = (table: 'unique_values' | 'shared_values'): string =>
      inspect((db) => db.prepare(`EXPLAIN QUERY PLAN ${findByIndex(table)}`).all('users', 'email', 'x', 0))
        .map((step) => (step as { detail: string }).detail)
        .join('; ');
    for (const table of ['unique_values', 'shared_values'] as const) {
      expect(plan(table)).toMatch(/SEARCH i USING PRIMARY KEY \(kind=\? AND index_name=\? AND value=\?\)/);
      expect(plan(table)).not.toMatch(/TEMP B-TREE/);
    }
    // Every B-tree here is a page a write may touch: a record's row, its (kind, id) key, its
    // expiry, and one row per index value.
    const btrees = inspect((db) => db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").all());
    expect(btrees).toEqual([
      { type: 'table', name: 'meta' },
      { type: 'table', name: 'records' },
      { type: 'index', name: 'records_expiry' },
      { type: 'table', name: 'shared_values' },
      { type: 'index', name: 'sqlite_autoindex_records_1' },
      { type: 'table', name: 'unique_values' },
    ]);
  });

  /** A database as releases with schema version 1 or 2 wrote it, holding ann, bob and an expired eve. */
  const writeOldDatabase = (version: 1 | 2): void =>
    inspect((db) => {
      db.exec(`CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (kind, id));
        CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE record_indexes (kind TEXT NOT NULL, id TEXT NOT NULL, index_name TEXT NOT NULL, value TEXT NOT NULL,
          is_unique INTEGER NOT NULL, PRIMARY KEY (kind, id, index_name, value),
          FOREIGN KEY (kind, id) REFERENCES records (kind, id) ON DELETE CASCADE) WITHOUT ROWID;
        CREATE INDEX record_indexes_lookup ON record_indexes (kind, index_name, value);
        CREATE UNIQUE INDEX record_indexes_unique ON record_indexes (kind, index_name, value) WHERE is_unique;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
      if (version === 2) {
        db.exec('DROP INDEX record_indexes_lookup; CREATE INDEX record_indexes_shared ON record_indexes (kind, index_name, value) WHERE is_unique = 0');
      }
      const record = db.prepare('INSERT INTO records (kind, id, value, expires_at) VALUES (?, ?, ?, ?)');
      const index = db.prepare('INSERT INTO record_indexes (kind, id, index_name, value, is_unique) VALUES (?, ?, ?, ?, ?)');
      record.run('users', 'ann', JSON.stringify({ name: 'ann', email: 'ann@example.com', groups: ['g'] }), null);
      record.run('users', 'bob', JSON.stringify({ name: 'bob', groups: ['g'] }), null);
      record.run('users', 'eve', JSON.stringify({ name: 'eve', email: 'eve@example.com' }), 1);
      index.run('users', 'ann', 'email', 'ann@example.com', 1);
      index.run('users', 'ann', 'groups', 'g', 0);
      index.run('users', 'bob', 'groups', 'g', 0);
      index.run('users', 'eve', 'email', 'eve@example.com', 1);
      // What the storage records about the kinds' indexes, so the open does not rebuild them.
      const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      meta.run('indexes:users', JSON.stringify([['aliases', true], ['email', true], ['groups', false]]));
      meta.run('indexes:notes', '[]');
      db.pragma(`user_version = ${version}`);
    });

  it.each([1, 2] as const)('migrates a version %i database: its index rows move and are found', async (version) => {
    writeOldDatabase(version);
    const migrated = await SqliteStorage.open(file, conformanceSchema);
    expect((await migrated.findBy('users', 'groups', 'g')).map((entry) => entry.id)).toEqual(['ann', 'bob']);
    expect((await migrated.findBy('users', 'email', 'ann@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    await expect(migrated.create('users', 'cat', { name: 'cat', email: 'ann@example.com' })).rejects.toBeInstanceOf(AlreadyExistsError);
    // The expired holder's row moved too, and its value is free.
    await migrated.create('users', 'dan', { name: 'dan', email: 'eve@example.com' });
    expect(await migrated.gc()).toBe(0); // the claim removed eve
    await migrated.close();
    expect(inspect((db) => db.pragma('user_version', { simple: true }))).toBe(3);
    expect(inspect((db) => db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'record_indexes%'").all())).toEqual([]);
    expect(indexRows()).toEqual([
      'shared users groups g ann',
      'shared users groups g bob',
      'unique users email ann@example.com ann',
      'unique users email eve@example.com dan',
    ]);
  });

  /** Every index row in the file, as text, sorted. */
  const indexRows = (): string[] =>
    inspect((db) =>
      db
        .prepare(
          `SELECT 'unique ' || kind || ' ' || index_name || ' ' || value || ' ' || id AS row FROM unique_values
           UNION ALL SELECT 'shared ' || kind || ' ' || index_name || ' ' || value || ' ' || id FROM shared_values ORDER BY 1`,
        )
        .pluck()
        .all() as string[],
    );

  it('keeps index rows exactly the values of the stored records, through any sequence of writes', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const storage = await SqliteStorage.open(file, conformanceSchema, { now: () => clock });
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)] as T;
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const someUser = (id: string): User => {
      const user: User = { name: id };
      if (random(3) > 0) user.email = `${pick(['x', 'y', 'z', id])}@example.com`;
      if (random(2) > 0) user.groups = ids.filter(() => random(3) === 0).map((g) => `g-${g}`);
      if (random(4) === 0) user.aliases = [`alias-${pick(['p', 'q', id])}`];
      return user;
    };
    const expiry = (): { expiresAt: number } | undefined => (random(3) === 0 ? { expiresAt: clock + 1 + random(3) } : undefined);
    /** What the index rows must be: the values of the records in the file, expired or not. */
    const expected = (): string[] =>
      inspect((db) => db.prepare("SELECT id, value FROM records WHERE kind = 'users'").all() as Array<{ id: string; value: string }>)
        .flatMap(({ id, value }) => {
          const user = JSON.parse(value) as User;
          return [
            ...(user.email === undefined ? [] : [`unique users email ${user.email} ${id}`]),
            ...[...new Set(user.aliases ?? [])].map((alias) => `unique users aliases ${alias} ${id}`),
            ...[...new Set(user.groups ?? [])].map((group) => `shared users groups ${group} ${id}`),
          ];
        })
        .sort();
    let compared = 0;
    for (let step = 1; step <= 1000; step++) {
      const id = pick(ids);
      const operation = random(10);
      // A refused write (a unique value held, an id taken, a record absent) changes nothing.
      const attempt = (write: () => Promise<unknown>): Promise<unknown> => write().catch(() => undefined);
      if (operation === 0) await attempt(() => storage.put('users', id, someUser(id), expiry()));
      if (operation === 1) await attempt(() => storage.create('users', id, someUser(id), expiry()));
      if (operation === 2) await attempt(() => storage.update<User>('users', id, (user) => ({ ...user, count: (user.count ?? 0) + 1 })));
      if (operation === 3) await attempt(() => storage.update<User>('users', id, () => someUser(id), expiry()));
      if (operation === 4) await attempt(() => storage.update<User>('users', id, () => undefined));
      if (operation === 5) await storage.delete('users', id);
      if (operation === 6) await storage.gc();
      if (operation >= 7) await attempt(() => storage.put('users', id, someUser(id)));
      clock += random(2);
      if (step % 50 === 0) {
        const rows = expected();
        expect(indexRows()).toEqual(rows);
        compared += rows.length;
      }
    }
    await storage.close();
    // The sequence reached many states, not only empty ones.
    expect(compared).toBeGreaterThan(60);
  });

  it('removes the index rows of records whose kind the schema no longer has, and frees a value no record holds', async () => {
    const first = await SqliteStorage.open(file, { ...conformanceSchema, gone: conformanceSchema.users });
    await first.put('gone', 'old', { name: 'old', email: 'old@example.com', groups: ['g'] }, { expiresAt: Date.now() + 50 });
    await first.close();
    inspect((db) => db.prepare("INSERT INTO unique_values (kind, index_name, value, id) VALUES ('users', 'email', 'orphan@example.com', 'nobody')").run());

    const storage = await SqliteStorage.open(file, conformanceSchema);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await storage.gc()).toBe(1);
    await storage.create('users', 'ann', { name: 'ann', email: 'orphan@example.com' });
    expect((await storage.findBy('users', 'email', 'orphan@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    await storage.close();
    expect(indexRows()).toEqual(['unique users email orphan@example.com ann']);
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

  it('keeps the WAL short under sustained writes: the checkpoint worker keeps up with them', async () => {
    const storage = await SqliteStorage.open(file, conformanceSchema);
    const pad = 'x'.repeat(1000);
    // The first checkpoint starts the worker thread, which takes a moment.
    await Promise.all(Array.from({ length: 50 }, (_, i) => storage.put('notes', `warm-${i}`, { pad })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 40 }, (_, i) => storage.put('notes', `n-${batch}-${i}`, { pad })));
      // A server does other work between commits; the worker checkpoints on its own thread meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const walBytes = (await stat(`${file}-wal`)).size;
    const dbBytes = (await stat(file)).size;
    await storage.close();
    // The WAL restarts from its beginning after each checkpoint that caught up, so its file is as
    // long as the most written between two of them: a fraction of the 4 MB written here. Asked
    // every 100 commits, the worker had not copied any of it back yet (and at 40 MB of WAL the
    // main thread checkpoints inside a commit, stalling every request).
    expect(dbBytes).toBeGreaterThan(4_000_000);
    expect(walBytes).toBeLessThan(dbBytes / 2);
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

  it('writes all index rows of a record that replaces an expired one the rebuild skipped', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const plain = await SqliteStorage.open(file, { users: {} }, { now: () => clock });
    await plain.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] }, { expiresAt: clock + 10 });
    await plain.close();
    clock += 10;
    const indexed = await SqliteStorage.open(file, { users: conformanceSchema.users }, { now: () => clock });
    await indexed.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] });
    expect((await indexed.findBy('users', 'email', 'ann@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    expect((await indexed.findBy('users', 'groups', 'g')).map((entry) => entry.id)).toEqual(['ann']);
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
      const record = db.prepare('INSERT INTO records (kind, id, value, expires_at) VALUES (?, ?, ?, NULL)');
      const index = db.prepare("INSERT INTO unique_values (kind, index_name, value, id) VALUES (?, 'email', ?, ?)");
      const write = db.transaction((id) => {
        const email = id + '@example.com';
        record.run('users', id, JSON.stringify({ name: id, email, pad: 'x'.repeat(2000) }));
        index.run('users', email, id);
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
    }
  });
});
