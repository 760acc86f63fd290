/** The expiry sweep runs once per interval for the whole cluster, on whichever replica claims it first. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sweepExpired } from '../../server/cluster/expiry_sweep.js';
import { MemoryStorage } from '../../storage/memory.js';
import { PostgresStorage } from '../../storage/postgres.js';
import { SCHEMA } from '../../storage/schema.js';
import { dropSchema, ensurePostgres, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';

const MINUTE = 60_000;

describe('expiry sweep', () => {
  const schema = freshSchemaName('sweep');
  let replicas: PostgresStorage[] = [];

  beforeAll(async () => {
    await ensurePostgres();
    replicas = [await PostgresStorage.open(SCHEMA, { url: TEST_DATABASE_URL, schema }), await PostgresStorage.open(SCHEMA, { url: TEST_DATABASE_URL, schema })];
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await dropSchema(schema);
  });

  it('runs on exactly one of two replicas per interval, and again in the next interval', async () => {
    const [a, b] = replicas as [PostgresStorage, PostgresStorage];
    const start = Date.now();
    for (let round = 0; round < 5; round++) {
      const now = start + round * MINUTE;
      await a.put('sso_pending_login', `stale-${round}`, { round }, { expiresAt: now - 1 });
      const removed = await Promise.all([sweepExpired(a, now, MINUTE), sweepExpired(b, now, MINUTE)]);
      // One replica swept (and removed this round's expired record); the other skipped.
      expect([...removed].sort()).toEqual([0, 1]);
      // A timer firing again within the same interval finds it done.
      expect(await sweepExpired(b, now + MINUTE / 2, MINUTE)).toBe(0);
    }
  });

  it('always sweeps on the embedded store', async () => {
    const storage = new MemoryStorage(SCHEMA);
    const now = Date.now();
    await storage.put('sso_pending_login', 'stale', {}, { expiresAt: now - 1 });
    expect(await sweepExpired(storage, now, MINUTE)).toBe(1);
    await storage.put('sso_pending_login', 'stale-again', {}, { expiresAt: now - 1 });
    expect(await sweepExpired(storage, now + 1, MINUTE)).toBe(1);
  });
});
