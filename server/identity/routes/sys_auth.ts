/**
 * `GET /v1/sys/auth`: the auth mounts, keyed by path (`userpass/`), with the accessors aliases use.
 * Vault answers this legacy endpoint with the mounts both at the top level and under `data`, and
 * clients read either, so the body carries both.
 */
import { definePath, legacyAnswer, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import type { AuthMounts } from '../mounts.js';

export function sysAuthPaths(services: Pick<Services, 'config'>, mounts: AuthMounts): VaultPath[] {
  return [
    definePath({
      pattern: '/sys/auth',
      mountType: 'system',
      operations: {
        read: async (req) => {
          const listed: Record<string, unknown> = {};
          for (const mount of await mounts.all()) {
            listed[mount.path] = {
              accessor: mount.accessor,
              config: {
                default_lease_ttl: services.config.defaultTokenTtl,
                force_no_cache: false,
                max_lease_ttl: services.config.maxTokenTtl,
                token_type: 'default-service',
              },
              description: mount.description,
              external_entropy_access: false,
              local: false,
              options: null,
              plugin_version: '',
              seal_wrap: false,
              type: mount.type,
            };
          }
          return legacyAnswer(req, listed);
        },
      },
    }),
  ];
}
