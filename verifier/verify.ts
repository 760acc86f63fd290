import { isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { parseCaBundle } from './ca_bundle.js';
import { checkClaims } from './claim_checks.js';
import { parseCompactJwt, type CompactJwt } from './compact_jwt.js';
import { discoveryDocumentUrl } from './discovery_url.js';
import { VerificationError } from './errors.js';
import { failed, passed, preview, type CheckOutcome, type CheckStep } from './evaluation.js';
import type { KeySource, ProviderKeyCache, ProviderKeys } from './jwks_cache.js';
import { jwsSignatureValid } from './jws_signature.js';
import type { VerificationKey } from './key_set.js';
import { policyProblems, type BoundPolicy } from './policy.js';

/** Infisical's bound on signature attempts for a token without `kid`. */
const MAX_KEYS_WITHOUT_KID = 10;

/** What verification needs besides the token and the policy. */
export interface VerificationContext {
  readonly cache: ProviderKeyCache;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly leewaySec: number;
  readonly maxTokenBytes: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** A token that passed every check. */
export interface VerifiedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  /** The signature-verified payload. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly algorithm: JwsAlgorithm;
  /** The `kid` of the key that verified the signature, when the key has one. */
  readonly keyId: string | undefined;
}

/** Everything learned while checking a token; verify and explain are two views of it. */
export interface Evaluation {
  readonly steps: readonly CheckStep[];
  /** The first failure, when the token is refused. */
  readonly error?: VerificationError;
  /** The decoded token, when its shape was valid (its signature may not be). */
  readonly token?: CompactJwt;
  readonly signatureVerified: boolean;
  /** The provider's discovery issuer, when its keys were fetched. */
  readonly discoveryIssuer?: string | undefined;
  readonly verified?: VerifiedJwt;
}

/**
 * Runs every check on a token, in order: policy, shape, algorithm, provider keys, signing key,
 * signature, then the claim checks. A failure up to and including the signature stops the run
 * (nothing later is meaningful without it); the claim checks all run. Only VerificationErrors are turned into
 * results: anything else thrown here is a bug and propagates.
 */
export async function evaluateToken(jwt: unknown, policy: BoundPolicy, context: VerificationContext): Promise<Evaluation> {
  const steps: CheckStep[] = [];
  const stop = (outcome: CheckOutcome, state: Partial<Evaluation> = {}): Evaluation => {
    steps.push(outcome.step);
    return { signatureVerified: false, ...state, steps, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
  };

  const problems = policyProblems(policy);
  if (problems.length > 0) {
    return stop(failed(new VerificationError('policy_invalid', problems.join('; ')), 'policy', 'a valid policy', problems));
  }
  steps.push(passed('policy', 'a valid policy', 'valid').step);

  let token: CompactJwt;
  try {
    token = parseCompactJwt(jwt, context.maxTokenBytes);
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    return stop(failed(error, 'token_format', `a compact JWS of at most ${context.maxTokenBytes} characters`, describeInput(jwt)));
  }
  steps.push(passed('token_format', `a compact JWS of at most ${context.maxTokenBytes} characters`, describeInput(jwt)).step);

  const allowed = policy.algorithms === undefined || policy.algorithms === null ? context.algorithms : context.algorithms.filter((alg) => policy.algorithms!.includes(alg));
  const alg = token.header.alg;
  if (!isJwsAlgorithm(alg) || !allowed.includes(alg)) {
    const error = new VerificationError('algorithm_not_allowed', `alg ${preview(alg)} is not one of ${allowed.join(', ')}`);
    return stop(failed(error, 'algorithm', allowed, alg), { token });
  }
  steps.push(passed('algorithm', allowed, alg).step);

  const source = keySource(policy);
  let provider: ProviderKeys;
  try {
    provider = await context.cache.keys(source);
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    return stop(failed(error, 'provider_keys', source.discoveryUrl.href, undefined), { token });
  }
  steps.push(passed('provider_keys', source.discoveryUrl.href, describeProvider(provider)).step);

  let attempt = verifySignature(token, alg, provider);
  if ('error' in attempt) {
    // No cached key verified the token: the provider may have rotated its keys since we fetched them.
    let note: string;
    try {
      const refreshed = await context.cache.refresh(source, provider);
      note = refreshed.outcome === 'cooldown' ? 'JWKS refresh skipped (cooldown)' : 'after a JWKS refresh';
      if (refreshed.keys !== provider) {
        provider = refreshed.keys;
        attempt = verifySignature(token, alg, provider);
      }
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      note = `JWKS refresh failed: ${error.detail}`;
    }
    if ('error' in attempt) {
      const { error, check } = attempt;
      const annotated = new VerificationError(error.reason, `${error.detail}; ${note}`, { message: error.message, cause: error.cause });
      if (check === 'signature') steps.push(passed('signing_key', attempt.expectedKey, attempt.receivedKey).step);
      return stop(failed(annotated, check, check === 'signature' ? 'a valid signature' : attempt.expectedKey, attempt.receivedKey), {
        token,
        discoveryIssuer: provider.issuer,
      });
    }
  }
  steps.push(passed('signing_key', attempt.expectedKey, attempt.receivedKey).step);
  steps.push(passed('signature', 'a valid signature', 'valid').step);

  const outcomes = checkClaims({
    claims: token.claims,
    policy,
    now: Math.floor(context.now() / 1000),
    leewaySec: context.leewaySec,
    discoveryIssuer: provider.issuer,
  });
  steps.push(...outcomes.map((outcome) => outcome.step));
  const error = outcomes.find((outcome) => outcome.error !== undefined)?.error;
  const state = { steps, token, signatureVerified: true, discoveryIssuer: provider.issuer };
  if (error !== undefined) return { ...state, error };
  return { ...state, verified: { header: token.header, claims: token.claims, algorithm: alg, keyId: attempt.key.kid } };
}

/** The verified token, or the first check's VerificationError. */
export async function verifyToken(jwt: unknown, policy: BoundPolicy, context: VerificationContext): Promise<VerifiedJwt> {
  const evaluation = await evaluateToken(jwt, policy, context);
  if (evaluation.error !== undefined) throw evaluation.error;
  return evaluation.verified!;
}

function keySource(policy: BoundPolicy): KeySource {
  const bundle = policy.caCert === undefined || policy.caCert === null || policy.caCert.trim() === '' ? undefined : parseCaBundle(policy.caCert);
  return {
    discoveryUrl: discoveryDocumentUrl(policy.oidcDiscoveryUrl),
    caCertificates: bundle !== undefined && 'certificates' in bundle ? bundle.certificates : [],
  };
}

type SignatureAttempt =
  | { readonly key: VerificationKey; readonly expectedKey: string; readonly receivedKey: unknown }
  | {
      readonly error: VerificationError;
      readonly check: 'signing_key' | 'signature';
      readonly expectedKey: string;
      readonly receivedKey: unknown;
    };

/**
 * Picks the keys that may have signed the token and tries them. With a `kid` only keys with that
 * `kid` are candidates; without one, every key that fits the algorithm, as long as there are at
 * most ten (Infisical's bound). A key fits when its type and curve suit the header's algorithm and
 * its own `alg`, if any, is that algorithm: the algorithm always comes from the allow-list check,
 * never from the key.
 */
function verifySignature(token: CompactJwt, alg: JwsAlgorithm, provider: ProviderKeys): SignatureAttempt {
  const kid = token.header.kid as string | undefined;
  const expectedKey = kid === undefined ? `a ${alg} key` : `a ${alg} key with kid ${JSON.stringify(kid)}`;
  const refuse = (error: VerificationError, check: 'signing_key' | 'signature' = 'signing_key'): SignatureAttempt => ({
    error,
    check,
    expectedKey,
    receivedKey: provider.keys.map(describeKey),
  });

  let candidates: VerificationKey[];
  if (kid !== undefined) {
    const named = provider.keys.filter((key) => key.kid === kid);
    if (named.length === 0) {
      return refuse(new VerificationError('signing_key_not_found', `no key with kid ${preview(kid)} among ${provider.keys.length} keys at ${provider.jwksUri}`));
    }
    candidates = named.filter((key) => key.fits(alg));
    if (candidates.length === 0) {
      return refuse(new VerificationError('key_algorithm_mismatch', `key ${named.map(describeKey).join(', ')} cannot verify ${alg}`));
    }
  } else {
    candidates = provider.keys.filter((key) => key.fits(alg));
    if (candidates.length === 0) {
      return refuse(new VerificationError('no_signing_keys', `none of the ${provider.keys.length} keys at ${provider.jwksUri} can verify ${alg}`));
    }
    if (candidates.length > MAX_KEYS_WITHOUT_KID) {
      return refuse(new VerificationError('too_many_signing_keys', `${candidates.length} keys could verify ${alg}; a token without kid may be tried against at most ${MAX_KEYS_WITHOUT_KID}`));
    }
  }

  const signed = token.token.lastIndexOf('.');
  const signingInput = token.token.slice(0, signed);
  const encodedSignature = token.token.slice(signed + 1);
  let lastFailure = '';
  // Node's decoder would silently drop a dangling base64url character; such a signature is malformed.
  if (encodedSignature.length % 4 === 1) {
    lastFailure = 'the signature is not base64url';
  } else {
    const signature = Buffer.from(encodedSignature, 'base64url');
    for (const key of candidates) {
      try {
        if (jwsSignatureValid(alg, key.keyObject(alg), signingInput, signature)) return { key, expectedKey, receivedKey: describeKey(key) };
        lastFailure = 'signature verification failed';
      } catch (error) {
        lastFailure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  }
  return refuse(
    new VerificationError('invalid_signature', `the signature does not verify with ${candidates.map(describeKey).join(', ')} (${lastFailure})`),
    'signature',
  );
}

function describeKey(key: VerificationKey): string {
  const type = [key.kty, key.crv, key.alg].filter((part) => part !== undefined).join('/');
  return key.kid === undefined ? `(no kid) ${type}` : `${key.kid} ${type}`;
}

function describeProvider(provider: ProviderKeys): Record<string, unknown> {
  return { issuer: provider.issuer, jwksUri: provider.jwksUri, keys: provider.keys.length, ignoredKeys: provider.ignoredKeys };
}

function describeInput(jwt: unknown): string {
  return typeof jwt === 'string' ? `${jwt.length} characters` : typeof jwt;
}
