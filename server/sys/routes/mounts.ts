/**
 * `GET /v1/sys/mounts`: the secrets-engine mounts, in Vault's shape (keyed by path, duplicated at
 * the top level and under `data` like Vault's legacy answer, since clients read either). Lanyard's
 * engines are fixed: `identity/` (entities, groups, OIDC) and `sys/`; auth methods such as
 * `token/` and `userpass/` are listed by `sys/auth`, as in Vault. Enabling or tuning a secrets
 * engine is refused with a message that says why.
 */
import { createHash } from 'node:crypto';
import { invalidRequest } from '../../errors.js';
import { definePath, legacyAnswer, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';

const ENGINES = [
  { path: 'identity/', type: 'identity', description: 'identity store', prefix: 'identity' },
  { path: 'sys/', type: 'system', description: 'system endpoints used for control, policy and debugging', prefix: 'system' },
] as const;

/** A stable accessor per instance (Vault's are random at mount time; these mounts never change). */
function accessor(organizationId: string, prefix: string): string {
  return `${prefix}_${createHash('sha256').update(`${organizationId}/${prefix}`).digest('hex').slice(0, 8)}`;
}

export function mountsPaths(services: Pick<Services, 'init'>): VaultPath[] {
  const fields = { type: { type: 'string', max: 128 } } as const;
  return [
    definePath({
      pattern: '/sys/mounts',
      mountType: 'system',
      operations: {
        read: async (req) => {
          const instance = await services.init.require();
          const listed: Record<string, unknown> = {};
          for (const engine of ENGINES) {
            listed[engine.path] = {
              accessor: accessor(instance.organization_id, engine.prefix),
              config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
              description: engine.description,
              external_entropy_access: false,
              local: false,
              options: null,
              plugin_version: '',
              running_plugin_version: '',
              running_sha256: '',
              seal_wrap: false,
              type: engine.type,
              uuid: instance.organization_id,
            };
          }
          return legacyAnswer(req, listed);
        },
      },
    }),
    definePath({
      pattern: '/sys/mounts/:path',
      fields,
      mountType: 'system',
      operations: {
        update: async () => {
          throw invalidRequest('Lanyard has no secrets engines to enable or change: its mounts (identity/, sys/) are built in');
        },
        delete: async () => {
          throw invalidRequest('Lanyard has no secrets engines to disable: its mounts (identity/, sys/) are built in');
        },
      },
    }),
  ];
}
