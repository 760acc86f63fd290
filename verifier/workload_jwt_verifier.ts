import { isJwsAlgorithm, JWS_ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
import { explainToken, type Explanation } from './explain.js';
import { ProviderKeyCache, type CacheObserver, type KeyCacheStats } from './jwks_cache.js';
import type { BoundPolicy } from './policy.js';
import { verifyToken, type VerificationContext, type VerifiedJwt } from './verify.js';

/** Verifier-wide settings; every field is optional. */
export interface VerifierOptions {
  /**
   * Allow discovery and JWKS fetches to private, loopback, link-local, CGNAT, unique-local and
   * other internal addresses (Infisical's ALLOW_INTERNAL_IP_CONNECTIONS). Default false.
   */
  readonly allowPrivateNetwork?: boolean;
  /** Allow plain-http discovery and JWKS URLs. Default false. */
  readonly allowHttp?: boolean;
  /** Deadline for one fetch, connect to last byte. Default 5000. */
  readonly timeoutMs?: number;
  /** Largest discovery or JWKS document. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** How long discovery documents and JWKS are reused. Default 10 minutes. */
  readonly cacheTtlMs?: number;
  /** Least time between two forced JWKS refreshes of one provider. Default 30 s. */
  readonly cooldownMs?: number;
  /** Clock skew tolerated for exp, nbf and iat. Default 60. */
  readonly clockToleranceSec?: number;
  /** Longest accepted token. Default 16 KiB. */
  readonly maxTokenBytes?: number;
  /** Algorithm allow-list; a subset of RS/PS/ES 256/384/512 and EdDSA. Default: all of them. */
  readonly algorithms?: readonly JwsAlgorithm[];
  /** Providers kept in the cache before the oldest is dropped. Default 1000. */
  readonly maxCachedProviders?: number;
  /** The clock, in milliseconds since the epoch; injectable so tests can move time. Default Date.now. */
  readonly now?: () => number;
  /** Told of discovery/JWKS cache hits, misses and failed fetches (for metrics). */
  readonly observeCache?: CacheObserver;
}

export type VerifierStats = KeyCacheStats;

/**
 * Verifies workload JWTs (GitHub Actions, GitLab, Kubernetes, SPIRE JWT-SVIDs, any OIDC issuer)
 * against a bound policy, with provider keys discovered over OIDC discovery and cached. One
 * instance is meant to live as long as the server, so its cache is shared by all logins.
 */
export class WorkloadJwtVerifier {
  readonly #context: VerificationContext;
  readonly #cache: ProviderKeyCache;

  /** Throws a RangeError for option values that make no sense (negative times, unknown algorithms). */
  constructor(options: VerifierOptions = {}) {
    const now = options.now ?? Date.now;
    this.#cache = new ProviderKeyCache({
      ttlMs: nonNegative('cacheTtlMs', options.cacheTtlMs, 10 * 60_000),
      cooldownMs: nonNegative('cooldownMs', options.cooldownMs, 30_000),
      maxProviders: positive('maxCachedProviders', options.maxCachedProviders, 1000),
      now,
      ...(options.observeCache ? { observe: options.observeCache } : {}),
      fetch: {
        timeoutMs: positive('timeoutMs', options.timeoutMs, 5000),
        maxBytes: positive('maxResponseBytes', options.maxResponseBytes, 1024 * 1024),
        allowHttp: options.allowHttp ?? false,
        allowPrivateNetwork: options.allowPrivateNetwork ?? false,
      },
    });
    const algorithms = options.algorithms ?? JWS_ALGORITHMS;
    if (algorithms.length === 0 || !algorithms.every(isJwsAlgorithm)) {
      throw new RangeError(`algorithms must be a non-empty subset of ${JWS_ALGORITHMS.join(', ')}`);
    }
    this.#context = {
      cache: this.#cache,
      algorithms: [...algorithms],
      leewaySec: nonNegative('clockToleranceSec', options.clockToleranceSec, 60),
      maxTokenBytes: positive('maxTokenBytes', options.maxTokenBytes, 16 * 1024),
      now,
    };
  }

  /**
   * Verifies `jwt` against `policy`: shape, algorithm, signature with the provider's keys, time
   * claims, issuer, subject, audiences and bound claims.
   * @throws VerificationError with a stable `reason` when the token is refused.
   */
  verify(jwt: string, policy: BoundPolicy): Promise<VerifiedJwt> {
    return verifyToken(jwt, policy, this.#context);
  }

  /** The same checks as verify, reported one by one instead of thrown; for admins only. */
  explain(jwt: string, policy: BoundPolicy): Promise<Explanation> {
    return explainToken(jwt, policy, this.#context);
  }

  /** Fetch and refresh counters, to show that providers are fetched once per cache period. */
  stats(): VerifierStats {
    return this.#cache.stats();
  }

  /** Drops every cached provider, e.g. after a policy's discovery URL or CA changed. */
  clearCache(): void {
    this.#cache.clear();
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < 0) throw new RangeError(`${name} must be a finite number >= 0`);
  return resolved;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved <= 0) throw new RangeError(`${name} must be a finite number > 0`);
  return resolved;
}
