/**
 * Vault's `identity/oidc/config`: the `scheme://host[:port]` that identity tokens name as their
 * issuer (empty = the server's api address). Providers have their own issuer and are unaffected.
 */
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { EXPLICIT_ISSUER_WARNING, INVALID_ISSUER_MESSAGE, isValidIssuerBase, readOidcConfig, writeOidcConfig } from '../issuer.js';
import { withOidcWriteLock } from '../write_lock.js';

const UNREACHABLE_ISSUER_WARNING =
  'Both "issuer" and Vault\'s "api_addr" are empty. The issuer claim in generated tokens will not be network reachable.';

const fields = { issuer: { type: 'string', max: 2048 } } as const;

export function oidcConfigPaths(services: Services): VaultPath[] {
  const config = definePath({
    pattern: '/identity/oidc/config',
    fields,
    mountType: 'identity',
    operations: {
      read: async () => {
        const { issuer } = await readOidcConfig(services.storage);
        const unreachable = issuer === '' && services.config.apiAddr === '';
        return { data: { issuer }, ...(unreachable ? { warnings: [UNREACHABLE_ISSUER_WARNING] } : {}) };
      },
      update: async (req) => {
        const issuer = req.data.issuer;
        if (issuer === undefined) return undefined;
        if (issuer !== '' && !isValidIssuerBase(issuer)) throw invalidRequest(INVALID_ISSUER_MESSAGE);
        await withOidcWriteLock(services.storage, () => writeOidcConfig(services.storage, { issuer }));
        return issuer === '' ? undefined : { warnings: [EXPLICIT_ISSUER_WARNING] };
      },
    },
  });
  return [config];
}
