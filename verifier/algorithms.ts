/**
 * The JWS algorithms a workload JWT may be signed with, and the key each one needs. The list is
 * closed: `none` and the HMAC family can never be enabled (a verifier that accepts HS256 can be fooled
 * into using an IdP's public key as an HMAC secret), and the algorithm is never inferred from a key.
 */
export const JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

interface KeyRequirement {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly crv?: string;
}

const KEY_REQUIREMENTS: Readonly<Record<JwsAlgorithm, KeyRequirement>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  // EdDSA means Ed25519 only here, as in jose and WebCrypto (Ed448 is not accepted).
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(value);
}

/** Whether a key of this type (and curve) can verify signatures made with `alg`. */
export function keyTypeFits(alg: JwsAlgorithm, kty: string, crv: string | undefined): boolean {
  const requirement = KEY_REQUIREMENTS[alg];
  return requirement.kty === kty && (requirement.crv === undefined || requirement.crv === crv);
}
