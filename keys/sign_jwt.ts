/**
 * Signing a JWT with a named key's current key pair.
 *
 * This signs with node:crypto directly rather than jose's SignJWT: jose 6 signs through WebCrypto,
 * which hops to the thread pool on every signature and managed only about a quarter of the
 * sequential ES256/EdDSA throughput of a synchronous crypto.sign on this project's machines. The
 * compact serialisation is the plain RFC 7515 one; the tests verify every algorithm with jose.
 *
 * Imported private keys are cached per kid, since parsing a JWK costs more than an EC signature.
 */
import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { NamedKeyState } from './named_key.js';
import type { SigningAlgorithm } from './named_key_params.js';

interface AlgorithmSpec {
  /** Digest for crypto.sign; null for Ed25519, which hashes internally. */
  readonly hash: string | null;
  readonly keyType: 'rsa' | 'ec' | 'ed25519';
  /** Node's name of the curve an EC key must use. */
  readonly curve?: string;
}

const ALGORITHMS: Readonly<Record<SigningAlgorithm, AlgorithmSpec>> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1' },
  EdDSA: { hash: null, keyType: 'ed25519' },
};

interface Signer {
  /** The private scalar the key was imported from, to notice a different key under a reused kid. */
  readonly d: string;
  readonly algorithm: SigningAlgorithm;
  readonly key: KeyObject;
  /** base64url of the protected header, which only depends on alg and kid. */
  readonly encodedHeader: string;
}

// Retired kids never sign again, so old entries only need to be bounded, not tracked.
const MAX_CACHED_SIGNERS = 256;
const signers = new Map<string, Signer>();

/**
 * A compact JWS over `payload` signed with the key's current key pair, header `{alg, kid}` (what
 * Vault emits). Throws when the key has no key pair yet: call ensureKeyMaterial first.
 */
export function signJwt(state: NamedKeyState, payload: Readonly<Record<string, unknown>>): string {
  if (state.current === null) throw new Error('named key has no signing key yet; generate its key material first');
  const signer = signerFor(state.algorithm, state.current.kid, state.current.privateJwk);
  const signingInput = `${signer.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const spec = ALGORITHMS[signer.algorithm];
  const signature =
    spec.keyType === 'ec'
      ? sign(spec.hash, Buffer.from(signingInput), { key: signer.key, dsaEncoding: 'ieee-p1363' })
      : sign(spec.hash, Buffer.from(signingInput), signer.key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function signerFor(algorithm: SigningAlgorithm, kid: string, jwk: JWK): Signer {
  const cached = signers.get(kid);
  if (cached !== undefined && cached.d === jwk.d && cached.algorithm === algorithm) return cached;

  const spec = ALGORITHMS[algorithm];
  if (spec === undefined) throw new Error(`unsupported signing algorithm ${JSON.stringify(algorithm)}`);
  if (typeof jwk.d !== 'string') throw new Error(`key ${kid} has no private part`);
  const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  // The algorithm comes from the key's configuration; refuse a key pair that does not fit it
  // rather than emit a token whose header lies about how it was signed.
  if (key.asymmetricKeyType !== spec.keyType || (spec.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== spec.curve)) {
    throw new Error(`key ${kid} does not match algorithm ${algorithm}`);
  }
  const signer: Signer = {
    d: jwk.d,
    algorithm,
    key,
    encodedHeader: Buffer.from(JSON.stringify({ alg: algorithm, kid })).toString('base64url'),
  };
  if (signers.size >= MAX_CACHED_SIGNERS) {
    const oldest = signers.keys().next().value;
    if (oldest !== undefined) signers.delete(oldest);
  }
  signers.set(kid, signer);
  return signer;
}
