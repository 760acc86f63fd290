/**
 * Claims contributed by scope and role templates, and the rules Vault applies when it merges them
 * into an ID token, an identity token or a userinfo answer.
 */
import { invalidRequest } from '../errors.js';
import { goQuote } from '../util/go_quote.js';

// Callers across the OIDC admin code quote through here.
export { goQuote };

/** Claims a template may never set (Vault's `reservedClaims`, in Vault's order). */
export const RESERVED_CLAIMS: readonly string[] = Object.freeze([
  'iat',
  'aud',
  'exp',
  'iss',
  'sub',
  'namespace',
  'nonce',
  'auth_time',
  'at_hash',
  'c_hash',
]);

const RESERVED = new Set(RESERVED_CLAIMS);

export function isReservedClaim(name: string): boolean {
  return RESERVED.has(name);
}

/** Vault's write-time message for the first reserved top-level key in `claims`, if any. */
export function reservedClaimError(claims: Readonly<Record<string, unknown>>): string | undefined {
  const reserved = Object.keys(claims).find(isReservedClaim);
  if (reserved === undefined) return undefined;
  return `top level key ${goQuote(reserved)} not allowed. Restricted keys: ${RESERVED_CLAIMS.join(', ')}`;
}

export interface ScopeClaims {
  readonly scope: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Vault's merge of rendered scope templates: two scopes that both set the same top-level claim
 * fail the whole request (400 invalid_request at the token and userinfo endpoints); nested keys
 * are never merged. Conflicts are checked before reserved keys are dropped, as in Vault, and
 * reserved keys are then dropped silently (only dynamic templates such as
 * `{{identity.entity.metadata}}` can produce them). A role's single template goes through the
 * same function; the caller adds its base claims (iss, sub, …) on top.
 */
export function mergeScopeClaims(rendered: readonly ScopeClaims[]): Record<string, unknown> {
  const claimOwner = new Map<string, string>();
  const merged: Record<string, unknown> = {};
  for (const { scope, claims } of rendered) {
    for (const [claim, value] of Object.entries(claims)) {
      const other = claimOwner.get(claim);
      if (other !== undefined) {
        throw invalidRequest(
          `found scopes with conflicting top-level claim: claim ${goQuote(claim)} in scopes ${goQuote(scope)}, ${goQuote(other)}`,
        );
      }
      claimOwner.set(claim, scope);
      // defineProperty, because plain assignment of a "__proto__" claim would replace the prototype.
      if (!isReservedClaim(claim)) {
        Object.defineProperty(merged, claim, { value, enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return merged;
}

