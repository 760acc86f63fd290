/**
 * Machine login (Infisical's OIDC auth) configuration: one record per machine identity, keyed by
 * the identity id (which is the Lanyard entity id). It lives in the configuration store and is
 * only written by the admin API, never by a login.
 */

/** One trusted-IP entry as Infisical stores and returns it: `0.0.0.0/0` is `{0.0.0.0, ipv4, 0}`. */
export interface TrustedIp {
  readonly ipAddress: string;
  readonly type: 'ipv4' | 'ipv6';
  /** Absent for a single address. */
  readonly prefix?: number;
}

/** The settings an admin chooses; lists are stored as arrays, never as joined comma strings. */
export interface OidcAuthSettings {
  readonly oidcDiscoveryUrl: string;
  readonly boundIssuer: string;
  readonly boundAudiences: readonly string[];
  /** Claim path → patterns (any may match). */
  readonly boundClaims: Readonly<Record<string, readonly string[]>>;
  /** Alias metadata key → claim path; null when the identity maps none. */
  readonly claimMetadataMapping: Readonly<Record<string, string>> | null;
  readonly boundSubject: string;
  /** PEM, in plaintext here; sealed in the stored record. Empty: system roots only. */
  readonly caCert: string;
  readonly accessTokenTrustedIps: readonly TrustedIp[];
  /** Seconds; 0 = up to the server's max-token-ttl. */
  readonly accessTokenTTL: number;
  /** Seconds; 0 = no per-identity limit (the server's max-token-ttl still applies). */
  readonly accessTokenMaxTTL: number;
  /** 0 = unlimited. */
  readonly accessTokenNumUsesLimit: number;
}

/** A configuration as the API and login see it (caCert opened). */
export interface OidcAuthConfig extends OidcAuthSettings {
  readonly id: string;
  readonly identityId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

