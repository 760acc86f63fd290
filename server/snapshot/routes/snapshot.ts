/**
 * `sys/storage/snapshot`, behind `sudo` (as Vault's `sys/storage/raft/snapshot`):
 *
 *   GET /v1/sys/storage/snapshot            the snapshot (JSON), taken with writes held
 *   PUT /v1/sys/storage/snapshot {snapshot} replace the store's content with it; the server goes
 *                                           on with the restored content at once
 */
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { isClusterStorage } from '../../../storage/cluster.js';
import { GatedStorage } from '../gated_storage.js';
import { parseSnapshot, replaceAll, takeSnapshot } from '../snapshot.js';

export function snapshotPaths(services: Services): VaultPath[] {
  const gate = (): GatedStorage => {
    if (!(services.storage instanceof GatedStorage)) throw invalidRequest('snapshots are not available on this server');
    // The hold pauses this process only: other replicas would write during the copy.
    if (isClusterStorage(services.storage)) throw invalidRequest('snapshots are for the embedded store; back up PostgreSQL storage with pg_dump (see "Running several replicas")');
    return services.storage;
  };
  return [
    definePath({
      pattern: '/sys/storage/snapshot',
      fields: { snapshot: { type: 'string', max: 1024 * 1024 * 1024 } },
      mountType: 'system',
      sudo: true,
      operations: {
        read: async (req) => {
          const snapshot = await gate().hold(false, (store) => takeSnapshot(store, services.now()));
          req.log.info('snapshot taken', { records: Object.values(snapshot.kinds).reduce((n, entries) => n + entries.length, 0) });
          return { raw: true, status: 200, body: undefined, text: JSON.stringify(snapshot), headers: { 'Content-Type': 'application/json; charset=utf-8' } };
        },
        update: async (req) => {
          if (req.data.snapshot === undefined || req.data.snapshot === '') throw invalidRequest("'snapshot' parameter not supplied");
          const snapshot = parseSnapshot(req.data.snapshot);
          await gate().hold(true, (store) => replaceAll(store, snapshot.kinds, services.now()));
          // What the server kept in memory came from the old content.
          services.policies.invalidate();
          services.init.forgetCached();
          await services.audit?.reload();
          req.log.info('snapshot restored', { created_at: snapshot.created_at });
        },
      },
    }),
  ];
}
