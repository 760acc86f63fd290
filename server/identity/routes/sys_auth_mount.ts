/**
 * `sys/auth/:path` and `sys/auth/:path/tune` for Lanyard's built-in auth methods (token, userpass,
 * oidc-auth, oidc). They are mounted at initialisation and cannot be added, moved or removed, so:
 * enabling a built-in method at its own path with its own type succeeds with a warning (scripts
 * written for Vault run `vault auth enable userpass` first); any other enable, and any disable, is
 * refused with a message that says why. Reading the mount or its tuning answers Vault's shape;
 * a tune that asks for the values already in force succeeds, any other is refused and names the
 * server setting that controls it. As in Vault, every operation here needs `sudo` on the path.
 */
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import type { MountEntry } from '../../sys/init_service.js';
import type { AuthMounts } from '../mounts.js';

const enableFields = {
  type: { type: 'string', max: 128 },
  description: { type: 'string', max: 1024 },
  config: { type: 'map' },
  local: { type: 'bool' },
  seal_wrap: { type: 'bool' },
  external_entropy_access: { type: 'bool' },
  options: { type: 'map' },
  plugin_name: { type: 'string', max: 128 },
  plugin_version: { type: 'string', max: 128 },
} as const;

const tuneFields = {
  default_lease_ttl: { type: 'duration' },
  max_lease_ttl: { type: 'duration' },
  description: { type: 'string', max: 1024 },
  token_type: { type: 'string', max: 64 },
  audit_non_hmac_request_keys: { type: 'commaStringSlice' },
  audit_non_hmac_response_keys: { type: 'commaStringSlice' },
  listing_visibility: { type: 'string', max: 64 },
  passthrough_request_headers: { type: 'commaStringSlice' },
  allowed_response_headers: { type: 'commaStringSlice' },
  options: { type: 'map' },
  plugin_version: { type: 'string', max: 128 },
  user_lockout_config: { type: 'map' },
} as const;

const BUILT_IN = 'Lanyard’s auth methods are built in';

export function sysAuthMountPaths(services: Pick<Services, 'config'>, mounts: AuthMounts): VaultPath[] {
  const mountAt = async (path: string): Promise<MountEntry | undefined> => (await mounts.all()).find((m) => m.path === `${path}/`);
  const tuning = (mount: MountEntry) => ({
    default_lease_ttl: services.config.defaultTokenTtl,
    description: mount.description,
    force_no_cache: false,
    max_lease_ttl: services.config.maxTokenTtl,
    token_type: 'default-service',
  });
  const describe = (mount: MountEntry) => ({
    accessor: mount.accessor,
    config: { default_lease_ttl: services.config.defaultTokenTtl, force_no_cache: false, max_lease_ttl: services.config.maxTokenTtl, token_type: 'default-service' },
    description: mount.description,
    external_entropy_access: false,
    local: false,
    options: null,
    plugin_version: '',
    seal_wrap: false,
    type: mount.type,
  });
  const builtInList = async () => (await mounts.all()).map((m) => `${m.type} at ${m.path}`).join(', ');

  return [
    definePath({
      pattern: '/sys/auth/:path',
      fields: enableFields,
      mountType: 'system',
      sudo: true,
      operations: {
        read: async (req) => {
          const mount = await mountAt(req.params.path as string);
          if (!mount) throw invalidRequest(`No auth engine at auth/${req.params.path}/`);
          return { data: describe(mount) };
        },
        update: async (req) => {
          const path = req.params.path as string;
          const type = req.data.type ?? '';
          const mount = await mountAt(path);
          if (type === '') throw invalidRequest('backend type must be specified as a string');
          if (mount && mount.type === type) {
            return { warnings: [`auth method "${type}" is built into Lanyard and always enabled at ${mount.path}; nothing was changed`] };
          }
          if (mount) throw invalidRequest(`path is already in use at ${mount.path}`);
          throw invalidRequest(`${BUILT_IN} and cannot be added: ${await builtInList()}; "${type}" at ${path}/ is not available`);
        },
        delete: async () => {
          throw invalidRequest(`${BUILT_IN} and cannot be disabled`);
        },
      },
    }),
    definePath({
      pattern: '/sys/auth/:path/tune',
      fields: tuneFields,
      mountType: 'system',
      sudo: true,
      operations: {
        read: async (req) => {
          const mount = await mountAt(req.params.path as string);
          if (!mount) throw invalidRequest(`cannot fetch sysview for path "auth/${req.params.path}/"`);
          return { data: tuning(mount) };
        },
        update: async (req) => {
          const mount = await mountAt(req.params.path as string);
          if (!mount) throw invalidRequest(`cannot tune "auth/${req.params.path}/": ${BUILT_IN} (${await builtInList()})`);
          const current = tuning(mount);
          const { default_lease_ttl: ttl, max_lease_ttl: maxTtl, description, token_type: tokenType } = req.data;
          const refused: string[] = [];
          if (ttl !== undefined && ttl !== 0 && ttl !== current.default_lease_ttl) refused.push('default_lease_ttl (server setting --default-token-ttl)');
          if (maxTtl !== undefined && maxTtl !== 0 && maxTtl !== current.max_lease_ttl) refused.push('max_lease_ttl (server setting --max-token-ttl)');
          if (description !== undefined && description !== current.description) refused.push('description');
          if (tokenType !== undefined && tokenType !== 'default-service' && tokenType !== 'service') refused.push('token_type (only service tokens)');
          const others = Object.keys(req.data).filter((k) => !['default_lease_ttl', 'max_lease_ttl', 'description', 'token_type'].includes(k));
          refused.push(...others);
          if (refused.length > 0) throw invalidRequest(`${BUILT_IN}; these cannot be tuned on ${mount.path}: ${refused.join(', ')}`);
          return undefined;
        },
      },
    }),
  ];
}
