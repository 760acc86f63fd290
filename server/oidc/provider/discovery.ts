/**
 * A provider's discovery document (`.well-known/openid-configuration`). Every endpoint is built
 * from the issuer, never from the request's Host header, so what a relying party caches cannot be
 * steered by whoever sent the request. It lists exactly what the provider is configured to do
 * (configuration.ts shares the constants): the code flow with PKCE S256, refresh tokens,
 * the three client authentication methods, and claims from the scope templates.
 */
import { ACR_VALUES } from './acr.js';
import { SIGNING_ALGORITHMS } from '../../../keys/named_key_params.js';
import type { Logger } from '../../log.js';
import { supportedClaims } from './claims.js';
import { DEVICE_CODE } from '../grant_types.js';
import { GRANT_TYPES, RESPONSE_TYPES } from './clients.js';
import { BUILT_IN_SCOPES, CLIENT_AUTH_METHODS, PKCE_METHODS, ROUTES } from './configuration.js';
import type { ProviderSnapshot } from './snapshot.js';

/** Vault lets relying parties cache provider discovery for an hour. */
export const DISCOVERY_CACHE_CONTROL = 'max-age=3600';

export function discoveryDocument(snapshot: ProviderSnapshot, log: Logger, grantTypes: readonly string[] = GRANT_TYPES): Record<string, unknown> {
  const { issuer } = snapshot;
  const endpoint = (path: string): string => `${issuer}${path}`;
  return {
    issuer,
    authorization_endpoint: endpoint(ROUTES.authorization),
    token_endpoint: endpoint(ROUTES.token),
    userinfo_endpoint: endpoint(ROUTES.userinfo),
    jwks_uri: endpoint(ROUTES.jwks),
    revocation_endpoint: endpoint(ROUTES.revocation),
    introspection_endpoint: endpoint(ROUTES.introspection),
    end_session_endpoint: endpoint(ROUTES.end_session),
    ...(grantTypes.includes(DEVICE_CODE) ? { device_authorization_endpoint: endpoint(ROUTES.device_authorization) } : {}),
    scopes_supported: [...snapshot.scopes.map((scope) => scope.name), ...BUILT_IN_SCOPES],
    claims_supported: supportedClaims(snapshot.scopes, log),
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: [...grantTypes],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    code_challenge_methods_supported: [...PKCE_METHODS],
    claims_parameter_supported: false,
    acr_values_supported: [...ACR_VALUES],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  };
}
