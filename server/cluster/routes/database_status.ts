/**
 * `GET /v1/sys/storage`: which backend this replica runs on and, on PostgreSQL, its pool, whether
 * its LISTEN session (cache invalidation) is connected, the schema version and the fill level of
 * PostgreSQL's notification queue. Needs read on `sys/storage` (root has it).
 */
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { isPostgresStorage } from '../../../storage/postgres_names.js';
import { PG_MIGRATIONS } from '../../../storage/postgres_migrations.js';

export function databaseStatusPaths(services: Services): VaultPath[] {
  return [
    definePath({
      pattern: '/sys/storage',
      fields: {},
      mountType: 'system',
      operations: {
        read: async () => {
          const storage = services.storageBackend ?? services.storage;
          if (!isPostgresStorage(storage)) return { data: { backend: 'embedded' } };
          const stats = await storage.stats();
          return {
            data: {
              backend: 'postgres',
              schema: storage.schemaName,
              schema_version: PG_MIGRATIONS.length,
              pool: stats.pool,
              listening: stats.listening ?? false,
              notification_queue_usage: stats.notification_queue_usage,
            },
          };
        },
      },
    }),
  ];
}
