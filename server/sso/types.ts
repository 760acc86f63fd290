/**
 * The organisation's upstream SSO configuration (Infisical's SSO OIDC config): one record per
 * organisation in the configuration store (kind `sso_config`, keyed by the organisation id). Only
 * the admin API writes it; a login only reads it.
 */

export const CONFIGURATION_TYPES = ['custom', 'discoveryURL'] as const;
export type ConfigurationType = (typeof CONFIGURATION_TYPES)[number];

/** The ID token algorithms an upstream may be configured with (Infisical's list). */
export const JWT_SIGNATURE_ALGORITHMS = ['RS256', 'HS256', 'RS512', 'EdDSA'] as const;
export type JwtSignatureAlgorithm = (typeof JWT_SIGNATURE_ALGORITHMS)[number];

/** What an admin chooses. Unused endpoint fields are kept as given ("" by default), as Infisical does. */
export interface SsoSettings {
  readonly configurationType: ConfigurationType;
  readonly issuer: string;
  readonly discoveryURL: string;
  readonly authorizationEndpoint: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly clientId: string;
  /** Plaintext here; sealed in the stored record. */
  readonly clientSecret: string;
  readonly isActive: boolean;
  /** Normalised: lowercase ASCII domains joined with ", " (Infisical's form); "" allows every domain. */
  readonly allowedEmailDomains: string;
  readonly manageGroupMemberships: boolean;
  readonly jwtSignatureAlgorithm: JwtSignatureAlgorithm;
}

/** A configuration as the API and the login flow see it (client secret opened). */
export interface SsoConfig extends SsoSettings {
  readonly id: string;
  readonly orgId: string;
  readonly createdAt: string;
  /** Changes on every write; a login started under one version cannot finish under another. */
  readonly updatedAt: string;
}
