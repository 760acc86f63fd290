/**
 * Lanyard's record kinds, split by how they behave:
 *
 * - configuration (lowdb JSON file): few records, changed by administrators, read constantly;
 *   the file is rewritten on each write, so nothing here may change per request.
 * - state (SQLite): many records or frequent writes — entities, groups, users, tokens, use
 *   counters, OIDC sessions/grants/codes.
 *
 * Secondary indexes are declared here once; every backend maintains them.
 */
import type { KindDefinition, Schema } from './types.js';

const kind = <T>(definition: KindDefinition<T> = {}): KindDefinition<never> => definition;

interface Named {
  readonly name: string;
}

export const CONFIG_KINDS = {
  /** Singleton `instance`: initialisation state, organisation id, auth mount accessors. */
  system: kind(),
  policy: kind(),
  oidc_key: kind(),
  oidc_scope: kind(),
  oidc_assignment: kind(),
  oidc_client: kind<{ client_id: string }>({ indexes: { client_id: { unique: true, of: (c) => c.client_id } } }),
  oidc_provider: kind(),
  oidc_role: kind<{ client_id: string }>({ indexes: { client_id: { unique: true, of: (r) => r.client_id } } }),
  /** Machine login (Infisical OIDC auth) configuration per identity. */
  oidc_auth: kind(),
  /** Upstream SSO configuration (singleton per organisation). */
  sso_config: kind(),
  /** Enabled audit devices, each with its HMAC key sealed (server/audit/device_store.ts). */
  audit_device: kind(),
  /** Login MFA methods (Vault's `identity/mfa/method/totp`) and login enforcements. */
  mfa_method: kind(),
  mfa_enforcement: kind(),
} as const satisfies Schema;

export const STATE_KINDS = {
  entity: kind<Named & { aliases: ReadonlyArray<{ id: string; mount_accessor: string; name: string }> }>({
    indexes: {
      name: { unique: true, of: (e) => e.name.toLowerCase() },
      alias: { unique: true, of: (e) => e.aliases.map((a) => `${a.mount_accessor}/${a.name.toLowerCase()}`) },
      alias_id: { unique: true, of: (e) => e.aliases.map((a) => a.id) },
    },
  }),
  group: kind<Named & { member_entity_ids: readonly string[]; member_group_ids: readonly string[] }>({
    indexes: {
      name: { unique: true, of: (g) => g.name.toLowerCase() },
      member_entity: { of: (g) => g.member_entity_ids },
      member_group: { of: (g) => g.member_group_ids },
    },
  }),
  userpass_user: kind(),
  token: kind<{ accessor: string; entity_id: string; parent_accessor: string }>({
    indexes: {
      accessor: { unique: true, of: (t) => t.accessor },
      entity: { of: (t) => t.entity_id || undefined },
      parent: { of: (t) => t.parent_accessor || undefined },
    },
  }),
  /** node-oidc-provider models, namespaced `<provider>:<model>:<id>`. */
  oidc_state: kind<{ grantId?: string; uid?: string; userCode?: string }>({
    indexes: {
      grant: { of: (s) => s.grantId },
      uid: { of: (s) => s.uid },
      user_code: { of: (s) => s.userCode },
    },
  }),
  /** Upstream SSO sign-ins in progress, keyed by the SHA-256 of their `state` (server/sso/pending_logins.ts). */
  sso_pending_login: kind(),
  /** Brute-force failure counts shared by replicas (server/cluster/shared_failures.ts). */
  login_failure: kind(),
  /** When a cluster-wide periodic job last ran, by job name (server/cluster/expiry_sweep.ts). */
  cluster_job: kind(),
  /** Which OIDC grants an entity holds (server/oidc/grant_revocation.ts), id `<provider>:<grantId>`. */
  oidc_entity_grant: kind<{ entity_id: string; client_id: string }>({
    indexes: {
      entity: { of: (g) => g.entity_id },
      client: { of: (g) => g.client_id },
    },
  }),
  /** Per entity: the sealed upstream refresh token of its last SSO sign-in (server/sso/upstream_sessions.ts). */
  sso_upstream_session: kind(),
  /** An entity's TOTP secret for one MFA method (sealed), with its replay and attempt counters. */
  mfa_totp_secret: kind<{ method_id: string; entity_id: string }>({
    indexes: { method: { of: (s) => s.method_id }, entity: { of: (s) => s.entity_id } },
  }),
  /** A login waiting for its second factor (`auth.mfa_requirement`), under a hash of its request id. */
  mfa_request: kind(),
  /** Passkeys (WebAuthn credentials) of entities, with their signature counters. */
  passkey: kind<{ entity_id: string; credential_id: string }>({
    indexes: { entity: { of: (p) => p.entity_id }, credential: { unique: true, of: (p) => p.credential_id } },
  }),
  /** WebAuthn challenges waiting for their answer (expiring, single use). */
  passkey_challenge: kind(),
} as const satisfies Schema;

export const SCHEMA = { ...CONFIG_KINDS, ...STATE_KINDS } as const satisfies Schema;

/**
 * Records that belong to one entity and go when it is deleted (server/identity/entities.ts), so
 * identity need not know the features that keep them: kinds found by their `entity` index, and
 * kinds whose record id is the entity id.
 */
export const ENTITY_OWNED: { readonly byEntityIndex: readonly StateKind[]; readonly byEntityId: readonly StateKind[] } = {
  byEntityIndex: ['mfa_totp_secret', 'passkey'],
  byEntityId: ['sso_upstream_session'],
};

type StateKind = keyof typeof STATE_KINDS;
