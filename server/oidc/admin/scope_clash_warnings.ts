/**
 * After a scope write: the providers offering the scope whose scopes now set the same top-level
 * claim. Vault does not check this on a scope write; Lanyard keeps the write (as Vault would)
 * and warns, naming each provider, since an authorization request asking for both scopes is
 * refused with invalid_scope (provider/scope_clash.ts).
 */
import type { Storage } from '../../../storage/types.js';
import { goQuote } from '../claims.js';
import type { ProviderRecord, ScopeRecord } from '../types.js';
import { scopeConflictWarnings } from './providers.js';
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
