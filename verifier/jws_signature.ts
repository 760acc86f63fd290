import { constants, verify, type KeyObject, type SigningOptions } from 'node:crypto';
import type { JwsAlgorithm } from './algorithms.js';

/**
 * How node:crypto checks each allowed algorithm's signature (RFC 7518 §3): the digest, and the
 * padding or signature encoding that goes with it. PSS salts are exactly the digest length and
 * ECDSA signatures are the raw `r || s` of JWS, not DER. node:crypto with a KeyObject checks a
 * signature in a fraction of the time WebCrypto takes for the same key, synchronously.
 */
interface SignatureScheme {
  readonly digest: string | null;
  readonly keyType: 'rsa' | 'ec' | 'ed25519';
  /** The OpenSSL name of the curve an ECDSA key must be on. */
  readonly curve?: string;
  readonly options: SigningOptions;
}

const rsa = (bits: number): SignatureScheme => ({ digest: `sha${bits}`, keyType: 'rsa', options: { padding: constants.RSA_PKCS1_PADDING } });
const pss = (bits: number): SignatureScheme => ({
  digest: `sha${bits}`,
  keyType: 'rsa',
  options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 },
});
const ecdsa = (bits: number, curve: string): SignatureScheme => ({ digest: `sha${bits}`, keyType: 'ec', curve, options: { dsaEncoding: 'ieee-p1363' } });

const SCHEMES: Readonly<Record<JwsAlgorithm, SignatureScheme>> = {
  RS256: rsa(256),
  RS384: rsa(384),
  RS512: rsa(512),
  PS256: pss(256),
  PS384: pss(384),
  PS512: pss(512),
  ES256: ecdsa(256, 'prime256v1'),
  ES384: ecdsa(384, 'secp384r1'),
  ES512: ecdsa(512, 'secp521r1'),
  EdDSA: { digest: null, keyType: 'ed25519', options: {} },
};

/** RSA keys shorter than this are refused for RS* and PS*, as jose and RFC 7518 §3.3 require. */
const MIN_RSA_BITS = 2048;

/** Why `key` cannot verify `alg` signatures (wrong type or curve, RSA too short), or undefined when it can. */
export function keyProblem(alg: JwsAlgorithm, key: KeyObject): string | undefined {
  const scheme = SCHEMES[alg];
  const details = key.asymmetricKeyDetails ?? {};
  if (key.type !== 'public' || key.asymmetricKeyType !== scheme.keyType || (scheme.curve !== undefined && details.namedCurve !== scheme.curve)) {
    return `the key (${key.asymmetricKeyType ?? key.type}${details.namedCurve === undefined ? '' : ` ${details.namedCurve}`}) cannot verify ${alg}`;
  }
  if (scheme.keyType === 'rsa' && (details.modulusLength ?? 0) < MIN_RSA_BITS) {
    return `${alg} requires an RSA key of at least ${MIN_RSA_BITS} bits, this one has ${details.modulusLength ?? 'unknown'}`;
  }
  return undefined;
}

/**
 * Whether `signature` is a valid `alg` signature of `signingInput` (the JWS's `header.payload`
 * text) by `key`, which keyProblem has accepted for `alg`. The algorithm comes from the caller's
 * allow-list check, never from the key. Throws when OpenSSL refuses the input outright.
 */
export function jwsSignatureValid(alg: JwsAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const scheme = SCHEMES[alg];
  return verify(scheme.digest, Buffer.from(signingInput, 'latin1'), { ...scheme.options, key }, signature);
}
