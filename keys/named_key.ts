/**
 * A named signing key and its life cycle, as Vault's `identity/oidc/key/:name` behaves.
 *
 * The state is plain JSON so a store can keep it (the caller seals `privateJwk` first). Every
 * function takes the state and the current time (ms since the epoch) and returns a new state; the
 * input is never modified, so a failed write leaves nothing half-changed.
 *
 * Vault keeps a `next` key that is published before it signs: a relying party that refreshes its
 * JWKS cache within one rotation period already knows the key that will sign next. Rotating
 * promotes `next` to `current`, generates a new `next`, and keeps the old current published for
 * `verification_ttl` so tokens it signed still verify.
 */
import type { JWK } from 'jose';
import { InvalidKeyParamsError } from './errors.js';
import { generateKeyMaterial, type KeyMaterial } from './key_material.js';
import {
  DEFAULT_KEY_PARAMS,
  KEY_DEFAULTS,
  keyParamsError,
  type NamedKeyParams,
  type SigningAlgorithm,
} from './named_key_params.js';

/** A key that no longer signs but stays published until `expiresAt` (ms since the epoch). */
export interface RetiredKey {
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly expiresAt: number;
}

export interface NamedKeyState extends NamedKeyParams {
  /** Signs tokens. Null only for the built-in `default` key before first use (see ensureKeyMaterial). */
  readonly current: KeyMaterial | null;
  /** Published now, signs after the next rotation. */
  readonly next: KeyMaterial | null;
  /** Retired keys, newest first. */
  readonly previous: readonly RetiredKey[];
  /** When the key is next rotated automatically (ms since the epoch). */
  readonly next_rotation: number;
}

/** Parameters as an admin request supplies them; anything omitted keeps its default or stored value. */
export interface NamedKeyInput {
  readonly algorithm?: string;
  readonly rotation_period?: number;
  readonly verification_ttl?: number;
  readonly allowed_client_ids?: readonly string[];
}

const SECOND = 1000;

/** A new key with its current and next key pairs (Vault's create). */
export async function createKeyState(input: NamedKeyInput, now: number): Promise<NamedKeyState> {
  assertTime(now);
  const params = resolveParams(KEY_DEFAULTS, input);
  const [current, next] = await Promise.all([
    generateKeyMaterial(params.algorithm),
    generateKeyMaterial(params.algorithm),
  ]);
  return { ...params, current, next, previous: [], next_rotation: now + params.rotation_period * SECOND };
}

/**
 * The built-in `default` key as written at start-up: configuration only. Its key pairs are made on
 * first use (ensureKeyMaterial), so a fresh server publishes an empty JWKS, as Vault does.
 */
export function createDefaultKeyState(now: number): NamedKeyState {
  assertTime(now);
  return {
    ...DEFAULT_KEY_PARAMS,
    allowed_client_ids: [...DEFAULT_KEY_PARAMS.allowed_client_ids],
    current: null,
    next: null,
    previous: [],
    next_rotation: now + DEFAULT_KEY_PARAMS.rotation_period * SECOND,
  };
}

/** The state with current and next key pairs; the same object when it already has them. */
export async function ensureKeyMaterial(state: NamedKeyState): Promise<NamedKeyState> {
  if (state.current !== null && state.next !== null) return state;
  if (state.current === null) {
    const [current, next] = await Promise.all([
      generateKeyMaterial(state.algorithm),
      generateKeyMaterial(state.algorithm),
    ]);
    return { ...state, current, next };
  }
  return { ...state, next: await generateKeyMaterial(state.algorithm) };
}

/**
 * Vault's update: omitted parameters keep their stored values; the next rotation moves earlier
 * when the new period ends sooner. A new algorithm replaces current and next with key pairs of
 * that algorithm.
 *
 * Deliberate difference from Vault: Vault leaves the replaced pairs published forever (their key
 * ring entries get no expiry). Here the replaced current retires like a rotation, published for
 * verification_ttl so the tokens it signed still verify, and the replaced next (which never
 * signed anything) is dropped.
 */
export async function updateKeyState(state: NamedKeyState, input: NamedKeyInput, now: number): Promise<NamedKeyState> {
  assertTime(now);
  const params = resolveParams(state, input);
  const updated: NamedKeyState = {
    ...state,
    ...params,
    next_rotation: Math.min(state.next_rotation, now + params.rotation_period * SECOND),
  };
  if (params.algorithm === state.algorithm) return updated;

  const [current, next] = await Promise.all([
    generateKeyMaterial(params.algorithm),
    generateKeyMaterial(params.algorithm),
  ]);
  const previous = state.current === null ? state.previous : [retire(state.current, now, params.verification_ttl), ...state.previous];
  return pruneExpired({ ...updated, current, next, previous }, now);
}

/**
 * Rotate: next becomes current, a fresh next is generated, the old current stays published until
 * now + verification_ttl. `verification_ttl` overrides the key's value for the retiring key only
 * (Vault's rotate endpoint parameter; 0 is allowed).
 */
export async function rotateKey(
  state: NamedKeyState,
  now: number,
  options: { readonly verification_ttl?: number } = {},
): Promise<NamedKeyState> {
  assertTime(now);
  const ttl = options.verification_ttl ?? state.verification_ttl;
  if (!Number.isFinite(ttl) || ttl < 0) throw new InvalidKeyParamsError(`cannot provide negative value '${ttl}'`);

  // A key without a pending next (the unused default key) gets one first, as Vault does.
  const [promoted, next] = await Promise.all([
    state.next ?? generateKeyMaterial(state.algorithm),
    generateKeyMaterial(state.algorithm),
  ]);
  const previous = state.current === null ? state.previous : [retire(state.current, now, ttl), ...state.previous];
  return pruneExpired(
    { ...state, current: promoted, next, previous, next_rotation: now + state.rotation_period * SECOND },
    now,
  );
}

/** Whether the periodic job should rotate the key now (Vault: now is after next_rotation). */
export function dueForRotation(state: NamedKeyState, now: number): boolean {
  return now > state.next_rotation;
}

/** The state without retired keys whose publication has ended; the same object when none has. */
export function pruneExpired(state: NamedKeyState, now: number): NamedKeyState {
  const kept = state.previous.filter((key) => !isExpired(key, now));
  return kept.length === state.previous.length ? state : { ...state, previous: kept };
}

/**
 * The public parts of a named key: what JWKS publishing reads. A stored record (private keys
 * still sealed) and an opened state both have them, so publishing never needs to decrypt.
 */
export interface PublishableKey {
  readonly current: { readonly publicJwk: JWK } | null;
  readonly next: { readonly publicJwk: JWK } | null;
  readonly previous: ReadonlyArray<{ readonly publicJwk: JWK; readonly expiresAt: number }>;
}

/**
 * The one publishing rule: current, next, then retired keys through the instant their
 * verification window ends (Vault removes a key once ExpireAt is before now).
 */
export function publicJwks(key: PublishableKey, now: number): JWK[] {
  const keys: JWK[] = [];
  if (key.current !== null) keys.push({ ...key.current.publicJwk });
  if (key.next !== null) keys.push({ ...key.next.publicJwk });
  for (const retired of key.previous) {
    if (retired.expiresAt >= now) keys.push({ ...retired.publicJwk });
  }
  return keys;
}

/** A JWKS document for several keys (a provider's clients, or the identity-token roles); each kid once. */
export function jwksOf(keys: Iterable<PublishableKey>, now: number): { keys: JWK[] } {
  const seen = new Set<string>();
  const out: JWK[] = [];
  for (const key of keys) {
    for (const jwk of publicJwks(key, now)) {
      if (jwk.kid === undefined || seen.has(jwk.kid)) continue;
      seen.add(jwk.kid);
      out.push(jwk);
    }
  }
  return { keys: out };
}

/** Vault's allowed_client_ids rule, checked when a token is issued: `*` or the exact client ID. */
export function keyAllowsClient(state: NamedKeyParams, clientId: string): boolean {
  return state.allowed_client_ids.includes('*') || state.allowed_client_ids.includes(clientId);
}

/** The `data` of Vault's key read response. */
export function keyReadView(state: NamedKeyParams): {
  algorithm: SigningAlgorithm;
  allowed_client_ids: string[];
  rotation_period: number;
  verification_ttl: number;
} {
  return {
    algorithm: state.algorithm,
    allowed_client_ids: [...state.allowed_client_ids],
    rotation_period: state.rotation_period,
    verification_ttl: state.verification_ttl,
  };
}

function resolveParams(base: NamedKeyParams, input: NamedKeyInput): NamedKeyParams {
  const merged = {
    algorithm: input.algorithm ?? base.algorithm,
    rotation_period: input.rotation_period ?? base.rotation_period,
    verification_ttl: input.verification_ttl ?? base.verification_ttl,
  };
  const error = keyParamsError(merged);
  if (error !== undefined) throw new InvalidKeyParamsError(error);
  const allowed = input.allowed_client_ids ?? base.allowed_client_ids;
  if (!Array.isArray(allowed) || !allowed.every((id) => typeof id === 'string')) {
    throw new InvalidKeyParamsError('allowed_client_ids must be a list of strings');
  }
  return {
    algorithm: merged.algorithm as SigningAlgorithm,
    rotation_period: Math.trunc(merged.rotation_period),
    verification_ttl: Math.trunc(merged.verification_ttl),
    allowed_client_ids: [...allowed],
  };
}

function retire(key: KeyMaterial, now: number, verificationTtl: number): RetiredKey {
  return { kid: key.kid, publicJwk: key.publicJwk, expiresAt: now + verificationTtl * SECOND };
}

/** Published through the instant expiresAt; gone strictly after it (Vault: ExpireAt.Before(now)). */
function isExpired(key: RetiredKey, now: number): boolean {
  return key.expiresAt < now;
}

function assertTime(now: number): void {
  if (!Number.isFinite(now)) throw new TypeError(`now must be a time in milliseconds, got ${String(now)}`);
}
