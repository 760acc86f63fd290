/**
 * Lanyard's workload-JWT verifier: the part of machine login that decides whether a JWT from a CI
 * job, a Kubernetes pod or a SPIRE workload is genuine and allowed. It has no dependency on the
 * server and can be used on its own:
 *
 * ```ts
 * import { WorkloadJwtVerifier, VerificationError } from './verifier/index.js';
 *
 * const verifier = new WorkloadJwtVerifier();
 * const { claims } = await verifier.verify(jwt, {
 *   oidcDiscoveryUrl: 'https://token.actions.githubusercontent.com',
 *   boundIssuer: 'https://token.actions.githubusercontent.com',
 *   boundAudiences: ['https://github.com/acme'],
 *   boundSubject: 'repo:acme/app:ref:refs/heads/main',
 *   boundClaims: { repository: ['acme/app'] },
 * });
 * ```
 *
 * See verifier/README.md for the matching rules and every reason code.
 * @module
 */

export { JWS_ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
export { readClaim, claimMatches } from './claims.js';
export { discoveryDocumentUrl } from './discovery_url.js';
export { VERIFICATION_REASONS, VerificationError, type VerificationReason } from './errors.js';
export type { CheckName, CheckStep } from './evaluation.js';
export type { Explanation } from './explain.js';
export { boundedExchange, boundedFetch, type BoundedAnswer, type BoundedFetch, type BoundedFetchOptions, type BoundedRequest, type FetchInit } from './bounded_fetch.js';
export { FetchError, type FetchErrorKind } from './fetch_error.js';
export { checkOutboundUrl, describeNetworkError, outboundProblem, publicOnlyLookup, type OutboundPolicy, type OutboundProblem } from './outbound_guard.js';
export { matchesPattern, parsePatternList } from './glob.js';
export { isInternalAddress } from './internal_address.js';
export { policyProblems, policyWarnings, type BoundPolicy } from './policy.js';
export type { VerifiedJwt } from './verify.js';
export { WorkloadJwtVerifier, type VerifierOptions, type VerifierStats } from './workload_jwt_verifier.js';
export type { CacheEvent, CacheObserver } from './jwks_cache.js';
