/**
 * Refuses an authorization request whose scopes set the same top-level claim, before any page is
 * shown. Vault accepts such a provider (with a warning) and fails when the claims are merged, which
 * for a browser flow is at the token exchange: after the person signed in and consented. Here the
 * clash is found from the claim names each scope's template sets (the same names the library's
 * `claims` configuration uses), and the client gets `invalid_scope` at its redirect URI, naming the
 * claim and the scopes.
 *
 * A template whose claim names depend on the entity (a bare `{{identity.entity.metadata}}`) has no
 * names here; a clash it causes is still caught when the claims are merged (claims.ts).
 *
 * Runs as an `extraParams` validator (see token_login.ts for why that is the right moment); the
 * parameter it is registered under carries nothing.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { goQuote } from '../claims.js';

export const SCOPE_CLASH_HOOK = 'lanyard_scope_clash';

/** `claimsByScope` is the library's `claims` configuration: scope name → claim names. */
export function scopeClashCheck(claimsByScope: Readonly<Record<string, readonly string[]>>) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const clash = findScopeClash(claimsByScope, String(ctx.oidc.params?.scope ?? ''));
    if (clash) {
      throw new errors.InvalidScope(
        `found scopes with conflicting top-level claim: claim ${goQuote(clash.claim)} in scopes ${goQuote(clash.scopes[1])}, ${goQuote(clash.scopes[0])}`,
        clash.scopes.join(' '),
      );
    }
  };
}

export interface ScopeClash {
  readonly claim: string;
  /** The earlier scope (in request order) first. */
  readonly scopes: readonly [string, string];
}

export function findScopeClash(claimsByScope: Readonly<Record<string, readonly string[]>>, scope: string): ScopeClash | undefined {
  const owner = new Map<string, string>();
  for (const name of new Set(scope.split(' ').filter((s) => s !== ''))) {
    if (name === 'openid' || !Object.hasOwn(claimsByScope, name)) continue;
    for (const claim of claimsByScope[name] ?? []) {
      const earlier = owner.get(claim);
      if (earlier !== undefined) return { claim, scopes: [earlier, name] };
      owner.set(claim, name);
    }
  }
  return undefined;
}
