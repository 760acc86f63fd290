/**
 * Parameters of a named signing key (Vault's `identity/oidc/key/:name`): the algorithm allow-list,
 * the defaults, and the validation rules with Vault's exact error messages.
 *
 * Validators return the message to show (HTTP 400 `{"errors":[msg]}`) or undefined. Vault checks
 * in this order on a key write: rotation_period, verification_ttl, (update only: roles, then
 * clients referencing the key), algorithm. The reference checks need storage, so the HTTP layer
 * interleaves them using the message builders below; `keyParamsError` runs the storage-free ones.
 */

/** The only algorithms a named key may use (Vault's `supportedAlgs`), in Vault's order. */
export const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

export interface NamedKeyParams {
  readonly algorithm: SigningAlgorithm;
  /** Seconds between automatic rotations. */
  readonly rotation_period: number;
  /** Seconds a retired key stays published for verification. */
  readonly verification_ttl: number;
  /** Client IDs (role client_id or provider client_id) allowed to sign with the key; `*` = any. */
  readonly allowed_client_ids: readonly string[];
}

const DAY = 24 * 60 * 60;

/** What a key write gets for every parameter it omits on create. */
export const KEY_DEFAULTS: NamedKeyParams = Object.freeze({
  algorithm: 'RS256',
  rotation_period: DAY,
  verification_ttl: DAY,
  allowed_client_ids: Object.freeze([]),
});

export const DEFAULT_KEY_NAME = 'default';

/** The built-in `default` key: like the defaults, but usable by every client. */
export const DEFAULT_KEY_PARAMS: NamedKeyParams = Object.freeze({
  ...KEY_DEFAULTS,
  allowed_client_ids: Object.freeze(['*']),
});

const MIN_ROTATION_PERIOD = 60;
const MAX_VERIFICATION_TTL_FACTOR = 10;

export function rotationPeriodError(rotationPeriod: number): string | undefined {
  if (!Number.isFinite(rotationPeriod) || rotationPeriod < MIN_ROTATION_PERIOD) {
    return 'rotation_period must be at least one minute';
  }
  return undefined;
}

export function verificationTtlError(verificationTtl: number, rotationPeriod: number): string | undefined {
  // Vault's duration parser rejects negatives before the handler runs; repeat it for direct callers.
  if (verificationTtl < 0) return `cannot provide negative value '${verificationTtl}'`;
  if (!Number.isFinite(verificationTtl) || verificationTtl > MAX_VERIFICATION_TTL_FACTOR * rotationPeriod) {
    return 'verification_ttl cannot be longer than 10x rotation_period';
  }
  return undefined;
}

export function algorithmError(algorithm: unknown): string | undefined {
  if (isSigningAlgorithm(algorithm)) return undefined;
  return `unknown signing algorithm ${JSON.stringify(String(algorithm))}`;
}

/** The first storage-independent problem with a key's parameters, in Vault's order. */
export function keyParamsError(params: {
  readonly rotation_period: number;
  readonly verification_ttl: number;
  readonly algorithm: unknown;
}): string | undefined {
  return (
    rotationPeriodError(params.rotation_period) ??
    verificationTtlError(params.verification_ttl, params.rotation_period) ??
    algorithmError(params.algorithm)
  );
}

// ---- Reference-integrity rules that involve a key (the caller looks the references up) ----

/** A role's token ttl must not exceed its key's verification_ttl (role create/update). */
export function roleTtlError(ttl: number, verificationTtl: number): string | undefined {
  return ttl > verificationTtl
    ? "a role's token ttl cannot be longer than the verification_ttl of the key it references"
    : undefined;
}

/** A client's id_token_ttl must not exceed its key's verification_ttl (client create/update). */
export function clientIdTokenTtlError(idTokenTtl: number, verificationTtl: number): string | undefined {
  return idTokenTtl > verificationTtl
    ? "a client's id_token_ttl cannot be greater than the verification_ttl of the key it references"
    : undefined;
}

/**
 * Lowering a key's verification_ttl below the ttl of a role or client that uses it is refused
 * (key update). Roles are checked before clients.
 */
export function keyUpdateBlockedMessage(keyName: string, by: 'roles' | 'clients', verificationTtl: number): string {
  const what = by === 'roles' ? 'roles with a token ttl' : 'clients with an id_token_ttl';
  return `unable to update key ${JSON.stringify(keyName)} because it is currently referenced by one or more ${what} greater than ${Math.trunc(verificationTtl)} seconds`;
}

/** A key still referenced cannot be deleted (checked roles, then clients, then mounts). */
export function keyDeleteBlockedMessage(
  keyName: string,
  by: 'roles' | 'clients' | 'mounts',
  names: readonly string[],
): string {
  const sorted = [...names].sort();
  return `unable to delete key ${JSON.stringify(keyName)} because it is currently referenced by these ${by}: ${sorted.join(', ')}`;
}

export const DEFAULT_KEY_DELETE_MESSAGE = `deletion of key "${DEFAULT_KEY_NAME}" not allowed`;

export function keyNotFoundForRotateMessage(keyName: string): string {
  return `no named key found at ${JSON.stringify(keyName)}`;
}
