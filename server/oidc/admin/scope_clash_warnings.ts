/**
 * Vault's warning for scopes of one provider that set the same top-level claim (on a provider
 * write), and, after a scope write, the providers offering the scope whose scopes now clash.
 * Vault does not check this on a scope write; Lanyard keeps the write (as Vault would) and warns,
 * naming each provider, since an authorization request asking for both scopes is refused with
 * invalid_scope (provider/scope_clash.ts).
 */
import type { Storage } from '../../../storage/types.js';
import { goQuote } from '../claims.js';
import { EMPTY_TEMPLATE_ENTITY, TemplateError, renderTemplate } from '../template.js';
import type { ProviderRecord, ScopeRecord } from '../types.js';
import { OIDC_KINDS } from './records.js';
import { providersUsingScope } from './references.js';

export async function scopeClashWarnings(storage: Storage, scopeName: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const providerName of await providersUsingScope(storage, scopeName)) {
    const provider = await storage.get<ProviderRecord>(OIDC_KINDS.provider, providerName);
    if (!provider) continue;
    const scopes = (await Promise.all(provider.scopes_supported.map((s) => storage.get<ScopeRecord>(OIDC_KINDS.scope, s)))).filter(
      (s): s is ScopeRecord => s !== undefined,
    );
    for (const warning of scopeConflictWarnings(scopes)) {
      if (warning.includes(goQuote(scopeName))) warnings.push(`provider ${goQuote(providerName)}: ${warning}`);
    }
  }
  return warnings;
}

/**
 * Scopes whose templates set the same top-level claim make any authorization request that asks
 * for both fail, so Vault warns when a provider offers them together (it does not refuse).
 */
export function scopeConflictWarnings(scopes: readonly ScopeRecord[]): string[] {
  const warnings: string[] = [];
  const owner = new Map<string, string>();
  for (const scope of scopes) {
    for (const claim of Object.keys(claimsOf(scope))) {
      const earlier = owner.get(claim);
      if (earlier !== undefined) {
        warnings.push(
          `Found scope templates with conflicting top-level keys: conflict ${goQuote(claim)} in scopes ${goQuote(scope.name)}, ${goQuote(earlier)}. ` +
            'This may result in an error if the scopes are requested in an OIDC Authentication Request.',
        );
      }
      owner.set(claim, scope.name);
    }
  }
  return warnings;
}

function claimsOf(scope: ScopeRecord): Record<string, unknown> {
  try {
    return renderTemplate(scope.template, EMPTY_TEMPLATE_ENTITY, Date.now());
  } catch (err) {
    // Stored templates were validated on write; one that no longer renders offers no claims.
    if (err instanceof TemplateError) return {};
    throw err;
  }
}
