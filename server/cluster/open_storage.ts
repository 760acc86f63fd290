/**
 * Opening the PostgreSQL storage of a replica: every kind in one database, NOTIFY on writes to the
 * configuration kinds (the ones services cache), and the seal key checked against the cluster's.
 */
import type { Seal } from '../../keys/seal.js';
import type { PostgresStorage } from '../../storage/postgres.js';
import { CONFIG_KINDS, SCHEMA } from '../../storage/schema.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { checkClusterSealKey } from './seal_check.js';
import { FAILURE_KIND } from './shared_failures.js';

export async function openPostgresStorage(config: Pick<ServerConfig, 'database'>, seal: Seal, log: Logger, now: () => number): Promise<PostgresStorage> {
  const database = config.database;
  if (database === undefined) throw new Error('storage postgres needs a database configuration');
  // Loaded here, not at start: an embedded server never needs the driver.
  const { PostgresStorage } = await import('../../storage/postgres.js');
  const storage = await PostgresStorage.open(SCHEMA, {
    url: database.url,
    schema: database.schema,
    poolSize: database.poolSize,
    statementTimeoutMs: database.statementTimeoutMs,
    migrate: database.migrate,
    // Every configuration kind, present and future (schema.ts): these are what caches hold; and
    // the brute-force counts, whose locks every replica mirrors.
    notifyKinds: [...Object.keys(CONFIG_KINDS), FAILURE_KIND],
    now,
    onError: (error) => log.warn('database connection error', { error: error.message }),
  });
  try {
    await checkClusterSealKey(storage, seal);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}
