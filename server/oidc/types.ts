/**
 * Stored shapes of the Vault-compatible OIDC resources (`identity/oidc/*`). Field names follow
 * Vault's API so a read is mostly the record itself. Secrets are stored sealed (keys/seal.ts):
 * `client_secret` and each private JWK are `lyseal:v1:…` strings, opened only where used.
 *
 * Kinds (storage/schema.ts): oidc_key, oidc_scope, oidc_assignment, oidc_client (index
 * `client_id`), oidc_provider, oidc_role (index `client_id`), and the singleton
 * `system/oidc_config` for the identity-token issuer.
 */
import type { KeyMaterial } from '../../keys/key_material.js';
import type { NamedKeyState } from '../../keys/named_key.js';

/** A key pair as stored: the private JWK is its sealed JSON (context `oidc-key:<name>:<kid>`). */
export interface StoredKeyMaterial extends Omit<KeyMaterial, 'privateJwk'> {
  readonly privateJwk: string;
}

/**
 * A named key as stored: NamedKeyState with the private JWKs of `current` and `next` replaced
 * by their sealed JSON (server/oidc/key_store.ts seals and opens them).
 */
export type StoredKey = Omit<NamedKeyState, 'current' | 'next'> & {
  readonly name: string;
  readonly current: StoredKeyMaterial | null;
  readonly next: StoredKeyMaterial | null;
};

export interface ScopeRecord {
  readonly name: string;
  /** Decoded template text (Vault accepts JSON or base64 JSON on write, stores the JSON). */
  readonly template: string;
  readonly description: string;
}

export interface AssignmentRecord {
  readonly name: string;
  readonly entity_ids: readonly string[];
  readonly group_ids: readonly string[];
}

export type ClientType = 'confidential' | 'public';

export interface ClientRecord {
  readonly name: string;
  readonly key: string;
  readonly redirect_uris: readonly string[];
  readonly assignments: readonly string[];
  readonly client_type: ClientType;
  /** Seconds. */
  readonly id_token_ttl: number;
  readonly access_token_ttl: number;
  readonly client_id: string;
  /** Sealed (`oidc-client:<name>:secret`); empty for public clients. */
  readonly client_secret: string;
  /** Beyond Vault: where RP-initiated logout may return to. */
  readonly post_logout_redirect_uris: readonly string[];
  /** Beyond Vault (server/oidc/grant_types.ts); absent on older records: the code flow with refresh. */
  readonly grant_types?: readonly string[];
  /** Beyond Vault: the format of client-credentials access tokens, `opaque` (default) or `jwt`. */
  readonly access_token_format?: AccessTokenFormat;
  /** Beyond Vault: OIDC Back-Channel Logout 1.0 (server/oidc/backchannel). */
  readonly backchannel_logout_uri?: string;
  readonly backchannel_logout_session_required?: boolean;
}

export type AccessTokenFormat = 'opaque' | 'jwt';

export interface ProviderRecord {
  readonly name: string;
  /** The configured `scheme://host[:port]` override; empty = the server's api address. */
  readonly issuer: string;
  readonly allowed_client_ids: readonly string[];
  readonly scopes_supported: readonly string[];
}

export interface RoleRecord {
  readonly name: string;
  readonly key: string;
  readonly template: string;
  readonly client_id: string;
  /** Seconds. */
  readonly ttl: number;
}

/** `identity/oidc/config`: the identity-token issuer override. */
export interface OidcConfigRecord {
  readonly issuer: string;
}
