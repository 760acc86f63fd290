/**
 * Upstream sign-ins in progress, in the state store: one record per `state` value sent to the
 * upstream IdP, kept ten minutes and consumed exactly once (an atomic delete: of two callbacks
 * racing with the same state, one wins). The record says what the sign-in is for (a pending
 * authorization of one provider's interaction, or a CLI login), the nonce, and the configuration
 * version it started under.
 *
 * What the store holds is useless on its own: records are keyed by the SHA-256 of the state, and
 * the PKCE verifier is not stored but derived with HKDF from the state (which only the browser
 * and the IdP see) and a random salt (which only the store holds).
 *
 * Records are of their own kind, `sso_pending_login`, in the state store.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Storage } from '../../storage/types.js';
import { sha256Hex } from '../util/random.js';

const KIND = 'sso_pending_login';
const LIFETIME_MS = 10 * 60 * 1000;
const PKCE_INFO = 'lanyard sso pkce verifier';

/** A sign-in for a provider's pending authorization: it resumes under the interaction's URL. */
export interface InteractionPurpose {
  readonly kind: 'interaction';
  readonly provider: string;
  readonly interactionUid: string;
  /** Where the callback sends the browser: a path under the interaction, so its cookie is sent. */
  readonly resumePath: string;
}

/** A `lanyard login -method=oidc`: the callback goes on to the CLI's loopback listener. */
export interface CliPurpose {
  readonly kind: 'cli';
  readonly redirectUri: string;
  /** SHA-256 of the nonce the CLI keeps to itself and shows again when it asks for the token. */
  readonly clientNonceHash: string;
}

export type LoginPurpose = InteractionPurpose | CliPurpose;

export interface PendingLogin {
  readonly purpose: LoginPurpose;
  readonly nonce: string;
  /** `updatedAt` of the configuration the sign-in started with. */
  readonly configVersion: string;
  /** Base64url HKDF salt of the PKCE verifier. */
  readonly pkceSalt: string;
  /** Server-clock expiry in ms. */
  readonly expiresAt: number;
}

export interface StartedLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export class PendingLogins {
  readonly #storage: Storage;
  readonly #now: () => number;

  constructor(storage: Storage, now: () => number) {
    this.#storage = storage;
    this.#now = now;
  }

  async start(purpose: LoginPurpose, configVersion: string): Promise<StartedLogin> {
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const pkceSalt = randomBytes(32).toString('base64url');
    const record: PendingLogin = { purpose, nonce, configVersion, pkceSalt, expiresAt: this.#now() + LIFETIME_MS };
    // Storage expires by the system clock; keep the record until whichever clock is ahead says so.
    await this.#storage.create(KIND, idOf(state), record, { expiresAt: Math.max(Date.now(), this.#now()) + LIFETIME_MS });
    return { state, nonce, codeVerifier: codeVerifierOf(state, pkceSalt) };
  }

  /** The sign-in `state` belongs to, without consuming it; undefined when unknown or expired. */
  async peek(state: string): Promise<PendingLogin | undefined> {
    if (!plausible(state)) return undefined;
    const record = await this.#storage.get<PendingLogin>(KIND, idOf(state));
    return record !== undefined && record.expiresAt > this.#now() ? record : undefined;
  }

  /** Take the sign-in out of the store; undefined when unknown, expired or already taken. */
  async consume(state: string): Promise<PendingLogin | undefined> {
    const record = await this.peek(state);
    if (record === undefined) return undefined;
    return (await this.#storage.delete(KIND, idOf(state))) ? record : undefined;
  }
}

/** The PKCE verifier of a sign-in: 43 base64url characters (RFC 7636's minimum is 43). */
export function codeVerifierOf(state: string, pkceSalt: string): string {
  return Buffer.from(hkdfSync('sha256', state, Buffer.from(pkceSalt, 'base64url'), PKCE_INFO, 32)).toString('base64url');
}

function idOf(state: string): string {
  return sha256Hex(state);
}

/** States are 43 base64url characters; anything else was not issued here and costs no lookup. */
function plausible(state: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(state);
}
