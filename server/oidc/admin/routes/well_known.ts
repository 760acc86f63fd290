/**
 * Identity-token discovery, unauthenticated and outside the envelope:
 *
 *   GET identity/oidc/.well-known/openid-configuration   exactly Vault's five fields
 *   GET identity/oidc/.well-known/keys                   the keys of every key a role uses
 *
 * Discovery may be cached for an hour. The JWKS gets Vault's randomised max-age, bounded by the
 * shortest rotation period or verification TTL among its keys, so relying parties refetch before
 * a pending key starts signing; with no keys it stays `no-store`.
 */
import { jwksCacheControl } from '../../../../keys/jwks_cache_control.js';
import { SIGNING_ALGORITHMS } from '../../../../keys/named_key_params.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { publishedJwks } from '../../key_store.js';
import { identityTokenKeys } from '../identity_jwks.js';
import { identityTokenIssuer, readOidcConfig } from '../issuer.js';

const DISCOVERY_CACHE_CONTROL = 'max-age=3600';

export function wellKnownPaths(services: Services): VaultPath[] {
  const discovery = definePath({
    pattern: '/identity/oidc/.well-known/openid-configuration',
    mountType: 'identity',
    unauthenticated: ['read'],
    operations: {
      read: async () => {
        const issuer = identityTokenIssuer(services.config.apiAddr, await readOidcConfig(services.storage));
        return {
          raw: true,
          status: 200,
          headers: { 'Cache-Control': DISCOVERY_CACHE_CONTROL },
          body: {
            issuer,
            jwks_uri: `${issuer}/.well-known/keys`,
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
          },
        };
      },
    },
  });

  const keys = definePath({
    pattern: '/identity/oidc/.well-known/keys',
    mountType: 'identity',
    unauthenticated: ['read'],
    operations: {
      read: async () => {
        const used = await identityTokenKeys(services);
        const jwks = publishedJwks(used, services.now());
        const cacheControl = jwks.keys.length > 0 ? jwksCacheControl(used) : undefined;
        return { raw: true, status: 200, body: jwks, ...(cacheControl !== undefined ? { headers: { 'Cache-Control': cacheControl } } : {}) };
      },
    },
  });

  return [discovery, keys];
}
