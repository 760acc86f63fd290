/**
 * Per-client signing keys. Vault signs a client's ID tokens with the client's own named key.
 * node-oidc-provider picks the first key of its keystore matching the client's algorithm and has
 * no notion of a per-client key, so the keystore is built from two kinds of ExternalSigningKey
 * (the library's documented extension point, feature `externalSigningSupport`):
 *
 * - one signer per algorithm, listed first so the library always picks it. At signing time it
 *   looks up the client of the current request (`Provider.ctx`), and reports and uses the current
 *   key pair of that client's named key, as read in the same request: the header's kid is the
 *   real kid, and there is exactly one signature per token. Its key_ops are `sign` only, so it is
 *   never used to verify.
 * - every published public key (current, next, retired) as a verify-only key, so an
 *   `id_token_hint` signed by any of them verifies at the authorization and logout endpoints.
 *
 * Signatures use node:crypto synchronously (JOSE encoding of ECDSA signatures: ieee-p1363).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ExternalSigningKey, Provider } from 'oidc-provider';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../../keys/named_key_params.js';

/** A named key's current key pair, opened for signing. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** How the signer finds the key pair of the client a request is about. */
export type SigningKeyResolver = (clientId: string) => SigningKey | undefined;

/** One signer per algorithm, whatever keys exist: a new key needs no new Provider instance. */
export function clientKeySigners(resolve: SigningKeyResolver): ClientKeySigner[] {
  return SIGNING_ALGORITHMS.map((algorithm) => new ClientKeySigner(algorithm, exampleKey(algorithm), resolve));
}

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const examples = new Map<string, KeyObject>();

/**
 * A public key of the algorithm's type, generated once per process (the RS algorithms share
 * one): the library reads a signer's key type and curve when the Provider is built, before any
 * client is known. It never signs or verifies anything.
 */
function exampleKey(algorithm: SigningAlgorithm): KeyObject {
  const type = algorithm.startsWith('RS') ? 'RSA' : algorithm;
  let key = examples.get(type);
  if (key === undefined) {
    const curve = EC_CURVES[algorithm];
    if (type === 'RSA') key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    else if (curve !== undefined) key = generateKeyPairSync('ec', { namedCurve: curve }).publicKey;
    else key = generateKeyPairSync('ed25519').publicKey;
    examples.set(type, key);
  }
  return key;
}

const DIGEST: Readonly<Record<SigningAlgorithm, string | null>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};

export function openSigningKey(kid: string, algorithm: SigningAlgorithm, privateJwk: object): SigningKey {
  const privateKey = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  return { kid, algorithm, privateKey, publicKey: createPublicKey(privateKey) };
}

export function signWith(key: SigningKey, data: Uint8Array): Buffer {
  const digest = DIGEST[key.algorithm];
  return key.algorithm.startsWith('ES')
    ? sign(digest, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : sign(digest, data, key.privateKey);
}

/** Signs with the named key of the client the current request is about. */
export class ClientKeySigner extends ExternalSigningKey {
  readonly #algorithm: SigningAlgorithm;
  /** A public key of this algorithm's type, for the library to read before any client is known. */
  readonly #example: KeyObject;
  readonly #resolve: SigningKeyResolver;

  constructor(algorithm: SigningAlgorithm, example: KeyObject, resolve: SigningKeyResolver) {
    super();
    this.#algorithm = algorithm;
    this.#example = example;
    this.#resolve = resolve;
  }

  override get kid(): string {
    return this.#current()?.kid ?? `lanyard-client-key-signer-${this.#algorithm}`;
  }

  override get alg(): string {
    return this.#algorithm;
  }

  override get key_ops(): string[] {
    return ['sign'];
  }

  override keyObject(): KeyObject {
    return this.#current()?.publicKey ?? this.#example;
  }

  override sign(data: Uint8Array): Buffer {
    const key = this.#current();
    if (key === undefined) throw new Error('the client of this request has no signing key; rotate its key and try again');
    if (key.algorithm !== this.#algorithm) throw new Error(`the client's key changed algorithm from ${this.#algorithm} to ${key.algorithm}`);
    return signWith(key, data);
  }

  #current(): SigningKey | undefined {
    const clientId = Provider.ctx?.oidc?.client?.clientId;
    return clientId === undefined ? undefined : this.#resolve(clientId);
  }
}

/** A published public key: verifies id_token_hint values, never signs. */
export class PublishedKey extends ExternalSigningKey {
  readonly #kid: string;
  readonly #algorithm: string;
  readonly #publicKey: KeyObject;

  constructor(jwk: { readonly kid?: string; readonly alg?: string }) {
    super();
    if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string') throw new TypeError('a published key needs kid and alg');
    this.#kid = jwk.kid;
    this.#algorithm = jwk.alg;
    this.#publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  }

  override get kid(): string {
    return this.#kid;
  }

  override get alg(): string {
    return this.#algorithm;
  }

  override get key_ops(): string[] {
    return ['verify'];
  }

  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  override sign(): never {
    throw new Error('published keys only verify');
  }
}
