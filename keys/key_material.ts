/**
 * One asymmetric key pair of a named key, as plain JSON: the private JWK (which the caller seals
 * before storing) and the public JWK exactly as the JWKS endpoint publishes it.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SigningAlgorithm } from './named_key_params.js';

export interface KeyMaterial {
  readonly kid: string;
  /** Private JWK carrying `kid`, `alg` and `use: "sig"`. Secret: seal it before it is stored. */
  readonly privateJwk: JWK;
  /** Public JWK with `kid`, `alg` and `use: "sig"`, ready for a JWKS. */
  readonly publicJwk: JWK;
}

/**
 * A fresh key pair for `algorithm`: RSA 2048 for RS*, P-256/P-384/P-521 for ES256/384/512,
 * Ed25519 for EdDSA (what Vault generates). The kid is a random UUID, as Vault's.
 */
export async function generateKeyMaterial(algorithm: SigningAlgorithm): Promise<KeyMaterial> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const kid = randomUUID();
  const tags = { kid, alg: algorithm, use: 'sig' } as const;
  const [privateJwk, publicJwk] = await Promise.all([exportJWK(privateKey), exportJWK(publicKey)]);
  return { kid, privateJwk: { ...privateJwk, ...tags }, publicJwk: { ...publicJwk, ...tags } };
}
