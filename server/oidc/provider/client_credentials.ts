/**
 * The client credentials grant (RFC 6749 §4.4) for confidential clients whose `grant_types` allow
 * it: an access token for the client itself, with no entity behind it.
 *
 * node-oidc-provider decides a token's format, audience, lifetime and scope through resource
 * indicators (RFC 8707), so every client-credentials request gets one implicit resource, the
 * client's own (`urn:lanyard:client:<client_id>`), and its "resource server" answers:
 *
 * - scope: only the provider's own scopes (its `scopes_supported`); `openid` and `offline_access`
 *   describe a person and are refused, as is any other scope (invalid_scope, nothing issued);
 * - format: the client's `access_token_format` (`opaque` by default, or `jwt`: an RFC 9068 JWT
 *   signed with the client's named key, `aud` = the client ID);
 * - lifetime: the client's `access_token_ttl`.
 *
 * Any explicit `resource` parameter is refused (invalid_target): Lanyard has no registry of
 * resource servers, and a token for an audience nobody vetted is not one to hand out. The code
 * flow is unaffected: its tokens have no resource and stay opaque.
 */
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { keyAllowsClient } from '../../../keys/named_key.js';
import { CLIENT_CREDENTIALS } from '../grant_types.js';
import type { ClientDirectory } from './clients.js';
import type { ProviderSnapshot } from './snapshot.js';

const RESOURCE_PREFIX = 'urn:lanyard:client:';
const DAY = 24 * 60 * 60;

export function clientResource(clientId: string): string {
  return `${RESOURCE_PREFIX}${clientId}`;
}

interface ResourceIndicatorParts {
  readonly snapshot: ProviderSnapshot;
  readonly clients: ClientDirectory;
}

/** The library's `features.resourceIndicators` for the client credentials grant. */
export function resourceIndicatorsFeature(parts: ResourceIndicatorParts) {
  const allowedScopes = new Set(parts.snapshot.scopes.map((scope) => scope.name));
  return {
    enabled: true,
    defaultResource: (ctx: KoaContextWithOIDC, client: { clientId: string }): string | undefined =>
      ctx.oidc.params?.grant_type === CLIENT_CREDENTIALS ? clientResource(client.clientId) : undefined,
    useGrantedResource: () => false,
    getResourceServerInfo: async (ctx: KoaContextWithOIDC, resource: string, client: { clientId: string }): Promise<ResourceServer> => {
      if (ctx.oidc.params?.grant_type !== CLIENT_CREDENTIALS || resource !== clientResource(client.clientId)) {
        throw new errors.InvalidTarget('resource indicators are not supported');
      }
      const known = parts.clients.known(client.clientId) ?? (await parts.clients.lookup(client.clientId));
      if (known === undefined) throw new errors.InvalidClient('client is invalid');
      const requested = [...ctx.oidc.requestParamScopes];
      const refused = requested.find((scope) => !allowedScopes.has(scope));
      if (refused !== undefined) throw new errors.InvalidScope('requested scope is not allowed for client credentials', refused);
      const format = known.record.access_token_format ?? 'opaque';
      if (format === 'jwt' && !keyAllowsClient(known.key.params, known.record.client_id)) {
        throw new errors.InvalidClientAuth('client is not authorized to use the key');
      }
      return {
        scope: [...allowedScopes].join(' '),
        audience: client.clientId,
        accessTokenTTL: Math.max(1, known.record.access_token_ttl ?? DAY),
        accessTokenFormat: format,
        ...(format === 'jwt' ? { jwt: { sign: { alg: known.key.params.algorithm } } } : {}),
      };
    },
  };
}
