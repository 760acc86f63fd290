/**
 * The token a successful machine login issues. Its own policies are `default` only: the
 * identity's policies (entity and groups) are added on each use as identity policies, as Vault
 * does, so a change to them applies to tokens already issued.
 *
 * Infisical's settings map onto the token: `accessTokenTTL` is its TTL (0 = as long as the
 * server's max-token-ttl allows, Infisical's "no per-issuance TTL"), `accessTokenMaxTTL` its
 * explicit max TTL (0 = only the server maximum), `accessTokenNumUsesLimit` its use count, and the
 * trusted IPs its bound CIDRs.
 */
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { accessTokenGrant, MACHINE_LOGIN_PATH, type AccessTokenGrant } from './machine_token.js';
import { boundCidrsOf } from './trusted_ips.js';
import type { OidcAuthSettings } from './types.js';

export async function issueMachineToken(
  services: Pick<Services, 'tokens' | 'config' | 'now'>,
  settings: OidcAuthSettings,
  entity: EntityRecord,
  metadata: Readonly<Record<string, string>>,
): Promise<AccessTokenGrant> {
  const issued = await services.tokens.create({
    policies: ['default'],
    entityId: entity.id,
    displayName: `oidc-auth-${entity.name}`,
    meta: Object.keys(metadata).length === 0 ? null : metadata,
    path: MACHINE_LOGIN_PATH,
    ttl: settings.accessTokenTTL > 0 ? settings.accessTokenTTL : services.config.maxTokenTtl,
    explicitMaxTtl: settings.accessTokenMaxTTL,
    numUses: settings.accessTokenNumUsesLimit,
    renewable: true,
    boundCidrs: boundCidrsOf(settings.accessTokenTrustedIps),
  });
  return accessTokenGrant(services, issued.token, issued.record);
}
