/**
 * `GET /v1/sys/leader`, unauthenticated as in Vault. Lanyard replicas share one database and have
 * no leader, so the answer is Vault's for a server without HA: `ha_enabled: false`.
 */
import { definePath, type VaultPath } from '../../http/vault_path.js';

export function leaderPaths(): VaultPath[] {
  return [
    definePath({
      pattern: '/sys/leader',
      unauthenticated: ['read'],
      mountType: 'system',
      operations: {
        read: async () => ({
          raw: true,
          status: 200,
          body: {
            ha_enabled: false,
            is_self: false,
            active_time: '0001-01-01T00:00:00Z',
            leader_address: '',
            leader_cluster_address: '',
            performance_standby: false,
            performance_standby_last_remote_wal: 0,
            raft_committed_index: 0,
            raft_applied_index: 0,
          },
        }),
      },
    }),
  ];
}
