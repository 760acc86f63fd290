import { beforeAll, describe, expect, it } from '@jest/globals';
import { AlreadyExistsError } from '../../storage/errors.js';
import { PostgresStorage, StorageUnavailableError } from '../../storage/postgres.js';
import { PG_MIGRATIONS, SchemaTooNewError } from '../../storage/postgres_migrations.js';
import { adminQuery, ensurePostgres, dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import { until } from '../support/replicas.js';
import { conformanceSchema, runClockTests, runConformanceTests, type User } from './conformance.js';

// Never skipped: fails with the reason when PostgreSQL cannot be found or started.
beforeAll(ensurePostgres);

const open = (schema: string, extra: { now?: () => number; poolSize?: number } = {}): Promise<PostgresStorage> =>
  PostgresStorage.open(conformanceSchema, { url: TEST_DATABASE_URL, schema, ...extra });

runConformanceTests('postgres', async () => {
  const schema = freshSchemaName('conf');
  return {
    storage: await open(schema),
    reopen: () => open(schema),
    cleanup: () => dropSchema(schema),
  };
});

runClockTests('postgres', async (now) => {
  const schema = freshSchemaName('clock');
  return { storage: await open(schema, { now }), cleanup: () => dropSchema(schema) };
});

describe('PostgresStorage across replicas', () => {
  it('keeps 200 updates of one record exact when they arrive through three separate pools', async () => {
    const schema = freshSchemaName('race');
    const replicas = [await open(schema), await open(schema), await open(schema)];
    try {
      await replicas[0]!.put('notes', 'uses', 0);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => replicas[i % 3]!.update<number>('notes', 'uses', (n) => n + 1)),
      );
      expect(await replicas[1]!.get('notes', 'uses')).toBe(200);
      expect(new Set(results).size).toBe(200);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      await dropSchema(schema);
    }
  });

  it('lets exactly one of two pools claim a unique value written at once', async () => {
    const schema = freshSchemaName('unique');
    const [a, b] = [await open(schema), await open(schema)];
    try {
      for (let round = 0; round < 20; round++) {
        const email = `x${round}@example.com`;
        const outcomes = await Promise.allSettled([
          a.create<User>('users', `a${round}`, { name: 'a', email }),
          b.create<User>('users', `b${round}`, { name: 'b', email }),
        ]);
        const refused = outcomes.filter((o) => o.status === 'rejected');
        expect(refused).toHaveLength(1);
        expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyExistsError);
        expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ index: 'email' });
        expect(await a.findBy('users', 'email', email)).toHaveLength(1);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropSchema(schema);
    }
  });

  it('caches announced kinds, and a write through one pool reaches the other\'s cache by notification', async () => {
    const schema = freshSchemaName('cache');
    const options = { url: TEST_DATABASE_URL, schema, notifyKinds: ['notes'] };
    const [a, b] = [await PostgresStorage.open(conformanceSchema, options), await PostgresStorage.open(conformanceSchema, options)];
    try {
      expect(a.listening).toBe(true);
      // b caches the absence, then the list, then sees a's writes once their NOTIFY arrives.
      expect(await b.get('notes', 'n')).toBeUndefined();
      expect(await b.list('notes')).toEqual([]);
      await a.put('notes', 'n', { v: 1 });
      await until(async () => JSON.stringify(await b.get('notes', 'n')) === '{"v":1}');
      await until(async () => (await b.list('notes')).length === 1);
      await a.update<{ v: number }>('notes', 'n', (note) => ({ v: note.v + 1 }));
      await until(async () => JSON.stringify(await b.get('notes', 'n')) === '{"v":2}');
      // A replica reads its own writes at once, cache or not.
      await b.put('notes', 'n', { v: 3 });
      expect(await b.get('notes', 'n')).toEqual({ v: 3 });
      expect(await b.delete('notes', 'n')).toBe(true);
      expect(await b.get('notes', 'n')).toBeUndefined();
      await until(async () => (await a.get('notes', 'n')) === undefined);
      // Values handed out are copies, also from the cache.
      await a.put('notes', 'm', { list: [1] });
      const first = await a.get<{ list: number[] }>('notes', 'm');
      first!.list.push(2);
      expect(await a.get('notes', 'm')).toEqual({ list: [1] });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropSchema(schema);
    }
  });

  it('tells each watcher of a change once: the writer at once, the other replicas by notification', async () => {
    const schema = freshSchemaName('echo');
    const options = { url: TEST_DATABASE_URL, schema, notifyKinds: ['notes'] };
    const [a, b] = [await PostgresStorage.open(conformanceSchema, options), await PostgresStorage.open(conformanceSchema, options)];
    const seen = { a: [] as string[], b: [] as string[] };
    a.watch((change) => change !== 'all' && seen.a.push(change.id));
    b.watch((change) => change !== 'all' && seen.b.push(change.id));
    try {
      await a.put('notes', 'one', 1);
      expect(seen.a).toEqual(['one']); // before the write resolved
      await until(async () => seen.b.length === 1);
      await b.put('notes', 'two', 2);
      await until(async () => seen.a.length === 2);
      // Give any echo of a's own notification time to arrive: none does.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual({ a: ['one', 'two'], b: ['one', 'two'] });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropSchema(schema);
    }
  });

  it('migrates once when several replicas open an empty schema together', async () => {
    const schema = freshSchemaName('migrate');
    try {
      const opened = await Promise.all([open(schema), open(schema), open(schema)]);
      await Promise.all(opened.map((s) => s.close()));
      const { rows } = await adminQuery(`SELECT version FROM "${schema}".lanyard_schema_version`);
      expect(rows).toEqual([{ version: PG_MIGRATIONS.length }]);
    } finally {
      await dropSchema(schema);
    }
  });

  it('refuses to open a schema newer than this release knows, saying so', async () => {
    const schema = freshSchemaName('newer');
    try {
      await (await open(schema)).close();
      await adminQuery(`UPDATE "${schema}".lanyard_schema_version SET version = 99`);
      const refused = open(schema);
      await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
      await expect(refused).rejects.toThrow(/version 99, newer than this release/);
    } finally {
      await dropSchema(schema);
    }
  });

  it('brings a schema of an older release up to date at open, or refuses it when told not to migrate', async () => {
    const schema = freshSchemaName('older');
    try {
      await (await open(schema)).close();
      // What the first release left: version 1, without the write function of version 2.
      await adminQuery(`DROP FUNCTION "${schema}".lanyard_write; UPDATE "${schema}".lanyard_schema_version SET version = 1`);
      const refused = PostgresStorage.open(conformanceSchema, { url: TEST_DATABASE_URL, schema, migrate: false });
      await expect(refused).rejects.toThrow(/schema is at version 1; this release needs version \d+: run `lanyard operator migrate`/);
      const migrated = await open(schema);
      await migrated.put('notes', 'n', { after: 'migration' });
      expect(await migrated.get('notes', 'n')).toEqual({ after: 'migration' });
      await migrated.close();
      const { rows } = await adminQuery(`SELECT version FROM "${schema}".lanyard_schema_version`);
      expect(rows).toEqual([{ version: PG_MIGRATIONS.length }]);
    } finally {
      await dropSchema(schema);
    }
  });

  it('rebuilds the index rows of a kind whose declared indexes changed, so findBy sees old records', async () => {
    const schema = freshSchemaName('reindex');
    try {
      const plain = await PostgresStorage.open({ users: {}, notes: {} }, { url: TEST_DATABASE_URL, schema });
      await plain.put('users', 'ann', { name: 'ann', email: 'ann@example.com' });
      await plain.close();
      const indexed = await open(schema);
      expect((await indexed.findBy('users', 'email', 'ann@example.com')).map((e) => e.id)).toEqual(['ann']);
      await indexed.close();
    } finally {
      await dropSchema(schema);
    }
  });

  it('commits the writes of a transaction together, or none of them when its work throws', async () => {
    const schema = freshSchemaName('tx');
    const storage = await open(schema);
    try {
      await storage.put('notes', 'keep', 'before');
      await expect(
        storage.transaction('t', async (tx) => {
          await tx.create<User>('users', 'ann', { name: 'ann', email: 'ann@example.com' });
          await tx.update<string>('notes', 'keep', () => 'during');
          expect(await tx.get('notes', 'keep')).toBe('during'); // a transaction reads its own writes
          expect(await storage.get('notes', 'keep')).toBe('before'); // nobody else does yet
          await tx.delete('notes', 'keep');
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(await storage.get('notes', 'keep')).toBe('before');
      expect(await storage.get('users', 'ann')).toBeUndefined();
      expect(await storage.findBy('users', 'email', 'ann@example.com')).toEqual([]);

      const made = await storage.transaction('t', async (tx) => {
        await tx.create<User>('users', 'ann', { name: 'ann', email: 'ann@example.com' });
        await tx.delete('notes', 'keep');
        return (await tx.findBy<User>('users', 'email', 'ann@example.com')).map((e) => e.id);
      });
      expect(made).toEqual(['ann']);
      expect(await storage.get('notes', 'keep')).toBeUndefined();
      await expect(storage.transaction('t', (tx) => tx.gc())).rejects.toBeInstanceOf(TypeError);
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });

  it('runs transactions of one name one at a time across pools: 60 read-then-write increments stay exact', async () => {
    const schema = freshSchemaName('txlock');
    const replicas = [await open(schema), await open(schema), await open(schema)];
    try {
      await replicas[0]!.put('notes', 'n', 0);
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          replicas[i % 3]!.transaction('counter', async (tx) => {
            const n = (await tx.get<number>('notes', 'n')) ?? 0;
            await tx.put('notes', 'n', n + 1); // a plain read then write: only the lock keeps it exact
          }),
        ),
      );
      expect(await replicas[2]!.get('notes', 'n')).toBe(60);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      await dropSchema(schema);
    }
  });

  it("tells this replica's caches of a transaction's writes when it commits", async () => {
    const schema = freshSchemaName('txcache');
    const storage = await PostgresStorage.open(conformanceSchema, { url: TEST_DATABASE_URL, schema, notifyKinds: ['notes'] });
    try {
      await storage.put('notes', 'cached', 1);
      await until(async () => storage.listening === true);
      expect(await storage.get('notes', 'cached')).toBe(1); // now cached
      await storage.transaction('t', (tx) => tx.put('notes', 'cached', 2));
      expect(await storage.get('notes', 'cached')).toBe(2);
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });

  it('checks unique values with index lookups, so a write reads the same few rows however many records the kind holds', async () => {
    const schema = freshSchemaName('scale');
    const storage = await open(schema);
    try {
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => storage.create<User>('users', `u${batch}-${i}`, { name: 'u', email: `u${batch}-${i}@example.com` })));
      }
      // Ten writes on one session: PL/pgSQL switches to its generic plan after five, which is the
      // plan that scanned every unique index row of the kind before migration 3.
      const results = await adminQuery(
        `SET search_path = "${schema}";
         BEGIN;
         SELECT lanyard_write('users', 'new' || n, '{"name":"n"}', NULL, 'create', 0, ARRAY['email'], ARRAY['new' || n || '@example.com'], ARRAY[true], NULL)
           FROM generate_series(1, 10) AS n;
         SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS read FROM pg_stat_xact_user_tables
           WHERE schemaname = '${schema}' AND relname = 'lanyard_record_indexes';
         COMMIT;`,
      );
      const reads = (results as unknown as Array<{ rows: Array<{ read: string }> }>)[3]!.rows[0]!.read;
      expect(Number(reads)).toBeLessThan(50);
      expect(await storage.findBy('users', 'email', 'new10@example.com')).toHaveLength(1);
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });

  it('rejects with StorageUnavailableError when the database cannot be reached', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.port = '1';
    await expect(
      PostgresStorage.open(conformanceSchema, { url: url.toString(), schema: freshSchemaName('gone'), connectTimeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
