/**
 * Copying an embedded store into PostgreSQL (`lanyard operator migrate-store`). Records are copied
 * as they are, sealed values included, so the cluster must use the same seal key: the key-check
 * value is written from that key. The target must hold no records, so a copy never merges two
 * installations by accident; expired records are left behind.
 */
import { join } from 'node:path';
import { loadSealKey } from '../../keys/seal.js';
import { PostgresStorage } from '../../storage/postgres.js';
import { SCHEMA } from '../../storage/schema.js';
import { openStorage } from '../runtime.js';
import { checkClusterSealKey } from './seal_check.js';

export interface CopyOptions {
  readonly dataDir: string;
  readonly sealKeyFile?: string | undefined;
  readonly url: string;
  readonly schema: string;
}

/** Resolves to the number of records copied per kind. */
export async function copyEmbeddedStore(options: CopyOptions): Promise<Record<string, number>> {
  const seal = await loadSealKey(options.sealKeyFile ?? join(options.dataDir, 'seal.key'), { create: false });
  const source = await openStorage(options.dataDir, { sqliteSynchronous: 'NORMAL' });
  try {
    const target = await PostgresStorage.open(SCHEMA, { url: options.url, schema: options.schema, listen: false });
    try {
      for (const kind of Object.keys(SCHEMA)) {
        if ((await target.list(kind, { limit: 1 })).length > 0) {
          throw new Error(`schema ${options.schema} already holds ${kind} records: copy only into an empty schema`);
        }
      }
      await checkClusterSealKey(target, seal);
      const copied: Record<string, number> = {};
      for (const kind of Object.keys(SCHEMA)) {
        copied[kind] = 0;
        for (const entry of await source.list(kind)) {
          await target.create(kind, entry.id, entry.value, entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt });
          copied[kind] += 1;
        }
      }
      return copied;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
