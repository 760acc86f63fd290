import { isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { parseCaBundle } from './ca_bundle.js';
import { discoveryDocumentUrl } from './discovery_url.js';
import { patternProblem } from './glob.js';

/**
 * What a workload JWT must satisfy: the fields of an Infisical OIDC auth config, with the
 * comma-separated strings already split into lists (parsePatternList does Infisical's split).
 */
export interface BoundPolicy {
  /** The provider's base URL, or its full `/.well-known/openid-configuration` URL. */
  readonly oidcDiscoveryUrl: string;
  /**
   * The exact `iss` the token must carry. When empty, `iss` must equal the `issuer` of the
   * discovery document instead, so a token is never accepted from an unnamed issuer.
   */
  readonly boundIssuer: string;
  /** Glob patterns; the token's `aud` (string or array) must match at least one. Empty: no check. */
  readonly boundAudiences: readonly string[];
  /** One glob pattern for `sub` (never split on commas). Empty: no check. */
  readonly boundSubject: string;
  /**
   * Claim path (dot path or JSON pointer, see readClaim) to glob patterns. Every claim must be
   * present and match at least one of its patterns.
   */
  readonly boundClaims: Readonly<Record<string, readonly string[]>>;
  /** PEM CA bundle trusted in addition to the system roots for discovery and JWKS fetches. */
  readonly caCert?: string | undefined;
  /** Narrows the verifier's algorithm allow-list for this provider. */
  readonly algorithms?: readonly JwsAlgorithm[] | undefined;
}

/**
 * Everything wrong with a policy, in words an admin can act on; empty when it is usable. An API
 * that stores policies should refuse one with problems (Infisical stores an empty bound-claim
 * value and then fails every login with a 500).
 */
export function policyProblems(policy: BoundPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return ['policy must be an object'];
  const problems: string[] = [];
  if (typeof policy.oidcDiscoveryUrl !== 'string') problems.push('oidcDiscoveryUrl must be a string');
  else {
    try {
      discoveryDocumentUrl(policy.oidcDiscoveryUrl);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (typeof policy.boundIssuer !== 'string') problems.push('boundIssuer must be a string');
  if (typeof policy.boundSubject !== 'string') problems.push('boundSubject must be a string');
  else if (policy.boundSubject !== '') addPatternProblem(problems, 'boundSubject', policy.boundSubject);
  if (!isStringArray(policy.boundAudiences)) problems.push('boundAudiences must be an array of strings');
  else for (const pattern of policy.boundAudiences) addPatternProblem(problems, 'boundAudiences', pattern);
  if (typeof policy.boundClaims !== 'object' || policy.boundClaims === null || Array.isArray(policy.boundClaims)) {
    problems.push('boundClaims must be an object');
  } else {
    for (const [claim, patterns] of Object.entries(policy.boundClaims)) {
      if (claim === '') problems.push('boundClaims has an empty claim name');
      if (!isStringArray(patterns) || patterns.length === 0) {
        problems.push(`boundClaims["${claim}"] must be a non-empty array of patterns`);
      } else {
        for (const pattern of patterns) addPatternProblem(problems, `boundClaims["${claim}"]`, pattern);
      }
    }
  }
  if (policy.caCert !== undefined && policy.caCert !== null) {
    if (typeof policy.caCert !== 'string') problems.push('caCert must be a string');
    else if (policy.caCert.trim() !== '') {
      const bundle = parseCaBundle(policy.caCert);
      if ('problem' in bundle) problems.push(bundle.problem);
    }
  }
  if (policy.algorithms !== undefined && policy.algorithms !== null) {
    if (!Array.isArray(policy.algorithms) || policy.algorithms.length === 0 || !policy.algorithms.every(isJwsAlgorithm)) {
      problems.push('algorithms must be a non-empty list of RS256/384/512, PS256/384/512, ES256/384/512, EdDSA');
    }
  }
  return problems;
}

/**
 * Settings that are valid but probably not what the admin meant; shown by explain and worth
 * showing when a policy is saved.
 */
export function policyWarnings(policy: BoundPolicy, discoveryIssuer?: string): string[] {
  const warnings: string[] = [];
  if (policy.boundAudiences.length === 0) {
    warnings.push('boundAudiences is empty: tokens minted for any audience (any relying party) are accepted');
  }
  if (policy.boundSubject === '' && Object.keys(policy.boundClaims).length === 0) {
    warnings.push('neither boundSubject nor boundClaims is set: every workload of this issuer is accepted');
  }
  if (policy.boundSubject.includes(',')) {
    warnings.push('boundSubject is one pattern and is not split on commas; use {a,b} braces for alternatives');
  }
  const patterns = [policy.boundSubject, ...policy.boundAudiences, ...Object.values(policy.boundClaims).flat()];
  if (patterns.some((pattern) => pattern.startsWith('!'))) {
    warnings.push('a pattern starting with "!" is a negation: it matches every value except the rest of the pattern');
  }
  if (discoveryIssuer !== undefined && policy.boundIssuer !== '' && discoveryIssuer !== policy.boundIssuer) {
    warnings.push(`the discovery document's issuer (${discoveryIssuer}) differs from boundIssuer (${policy.boundIssuer})`);
  }
  return warnings;
}

function addPatternProblem(problems: string[], field: string, pattern: string): void {
  const problem = patternProblem(pattern);
  if (problem !== undefined) problems.push(`${field}: ${JSON.stringify(pattern)}: ${problem}`);
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}
