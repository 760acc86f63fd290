/**
 * `GET /v1/sys/seal-status`, unauthenticated as in Vault (hvac `is_sealed`, node-vault `status()`).
 * Lanyard has no unseal ceremony: an initialised server answers as an unsealed Vault with a 1-of-1
 * Shamir seal would; an uninitialised one as an uninitialised Vault (sealed, t = n = 0). The
 * cluster id is the organisation id, so it is stable across restarts and replicas.
 */
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { VERSION } from '../../version.js';

/** A fixed build date: Lanyard builds are not stamped; clients only display it. */
const BUILD_DATE = '1970-01-01T00:00:00Z';

export function clusterName(organizationId: string): string {
  return `lanyard-cluster-${organizationId.slice(0, 8)}`;
}

export function sealStatusPaths(services: Pick<Services, 'init'>): VaultPath[] {
  return [
    definePath({
      pattern: '/sys/seal-status',
      unauthenticated: ['read'],
      mountType: 'system',
      operations: {
        read: async () => {
          const instance = await services.init.instance();
          const body: Record<string, unknown> = {
            type: 'shamir',
            initialized: instance !== undefined,
            sealed: instance === undefined,
            t: instance ? 1 : 0,
            n: instance ? 1 : 0,
            progress: 0,
            nonce: '',
            version: VERSION,
            build_date: BUILD_DATE,
            migration: false,
            recovery_seal: false,
            storage_type: 'lanyard',
          };
          if (instance) {
            body.cluster_name = clusterName(instance.organization_id);
            body.cluster_id = instance.organization_id;
          }
          return { raw: true, status: 200, body };
        },
      },
    }),
  ];
}
