/**
 * `{identityOidcAuth: …}`, the configuration as Infisical's API returns it. Lists are shown in
 * Infisical's comma form (`"a, b"`) so clients written for Infisical read them unchanged; they are
 * stored as arrays, and array entries never contain commas, so the form is unambiguous.
 *
 * The CA certificate is returned as Infisical does (attach, update and read; not delete): it is a
 * public certificate, sealed at rest so that the configuration store holds no readable trust
 * material, and a private key is refused when the configuration is saved.
 */
import type { OidcAuthConfig } from './types.js';

export interface ConfigView {
  readonly identityOidcAuth: Record<string, unknown>;
}

export function configView(config: OidcAuthConfig, { withCaCert = true }: { withCaCert?: boolean } = {}): ConfigView {
  return {
    identityOidcAuth: {
      id: config.id,
      identityId: config.identityId,
      oidcDiscoveryUrl: config.oidcDiscoveryUrl,
      boundIssuer: config.boundIssuer,
      boundAudiences: config.boundAudiences.join(', '),
      boundClaims: Object.fromEntries(Object.entries(config.boundClaims).map(([claim, patterns]) => [claim, patterns.join(', ')])),
      claimMetadataMapping: config.claimMetadataMapping,
      boundSubject: config.boundSubject,
      accessTokenTTL: config.accessTokenTTL,
      accessTokenMaxTTL: config.accessTokenMaxTTL,
      accessTokenNumUsesLimit: config.accessTokenNumUsesLimit,
      accessTokenTrustedIps: config.accessTokenTrustedIps,
      ...(withCaCert ? { caCert: config.caCert } : {}),
      createdAt: config.createdAt,
      updatedAt: config.updatedAt,
    },
  };
}
