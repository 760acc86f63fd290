import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { keyTypeFits, type JwsAlgorithm } from './algorithms.js';
import { keyProblem } from './jws_signature.js';

/**
 * One public signing key from an identity provider's JWKS, reduced to its public members (a JWKS
 * that leaks a private `d` must not turn into a private key here). It is imported into a
 * node:crypto KeyObject once, on first use, and checked once per algorithm it is used with.
 */
export class VerificationKey {
  readonly kid: string | undefined;
  readonly kty: string;
  readonly crv: string | undefined;
  /** The JWK's own `alg`; when present the token's header must name exactly this algorithm. */
  readonly alg: string | undefined;
  readonly #jwk: JWK;
  #imported: KeyObject | Error | undefined;
  /** Per algorithm: undefined when the key may verify it, else why not. */
  readonly #problems = new Map<JwsAlgorithm, string | undefined>();

  constructor(jwk: JWK) {
    this.kid = jwk.kid;
    this.kty = jwk.kty!;
    this.crv = jwk.crv;
    this.alg = jwk.alg;
    this.#jwk = jwk;
  }

  /** Whether this key may verify a signature made with `alg`. */
  fits(alg: JwsAlgorithm): boolean {
    return (this.alg === undefined || this.alg === alg) && keyTypeFits(alg, this.kty, this.crv);
  }

  /**
   * The key as a KeyObject for `alg`; call only when `fits(alg)`. Throws a TypeError when the JWK
   * is not a valid public key, or not one `alg` may use (e.g. an RSA key under 2048 bits).
   */
  keyObject(alg: JwsAlgorithm): KeyObject {
    if (this.#imported === undefined) {
      try {
        this.#imported = createPublicKey({ key: this.#jwk as JsonWebKey, format: 'jwk' });
      } catch (error) {
        this.#imported = new TypeError(`the JWK is not a valid public key: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.#imported instanceof Error) throw this.#imported;
    if (!this.#problems.has(alg)) this.#problems.set(alg, keyProblem(alg, this.#imported));
    const problem = this.#problems.get(alg);
    if (problem !== undefined) throw new TypeError(problem);
    return this.#imported;
  }
}

export interface ParsedKeySet {
  readonly keys: readonly VerificationKey[];
  /** Entries left out: not for signatures, unsupported key type, or missing members. */
  readonly ignored: number;
}

const PUBLIC_MEMBERS: Readonly<Record<string, readonly ('n' | 'e' | 'crv' | 'x' | 'y')[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

/**
 * The signing keys of a JWKS document. Like jwks-rsa (Infisical), keys whose `use` is not `sig`
 * and key types other than RSA, EC and OKP are skipped; so are keys whose `key_ops` exclude
 * `verify` and keys missing a public member. Returns undefined when the document is not a JWKS.
 */
export function parseKeySet(document: unknown): ParsedKeySet | undefined {
  if (!isObject(document) || !Array.isArray(document.keys)) return undefined;
  const keys: VerificationKey[] = [];
  let ignored = 0;
  for (const entry of document.keys) {
    const key = isObject(entry) ? publicSigningJwk(entry) : undefined;
    if (key === undefined) ignored += 1;
    else keys.push(new VerificationKey(key));
  }
  return { keys, ignored };
}

function publicSigningJwk(entry: Record<string, unknown>): JWK | undefined {
  const { kty, use, key_ops: keyOps, kid, alg } = entry;
  if (typeof kty !== 'string') return undefined;
  const members = PUBLIC_MEMBERS[kty];
  if (members === undefined) return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  if (alg !== undefined && typeof alg !== 'string') return undefined;
  const jwk: JWK = { kty };
  for (const member of members) {
    const value = entry[member];
    if (typeof value !== 'string' || value === '') return undefined;
    jwk[member] = value;
  }
  if (kid !== undefined) jwk.kid = kid;
  if (alg !== undefined) jwk.alg = alg;
  return jwk;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
