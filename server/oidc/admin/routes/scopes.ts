/**
 * Scopes, Vault's `identity/oidc/scope/:name`: a claims template (JSON or base64 JSON, stored
 * decoded) that a provider can offer. `openid` is implicit and reserved. A template must render
 * for an empty entity into a JSON object without reserved claims, or the write is refused.
 */
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath, type VaultResult } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { goQuote } from '../../claims.js';
import { decodeTemplateParam, validateTemplate } from '../../template.js';
import type { ScopeRecord } from '../../types.js';
import { OIDC_KINDS, listRecords } from '../records.js';
import { providersUsingScope } from '../references.js';
import { scopeClashWarnings } from '../scope_clash_warnings.js';
import { withOidcWriteLock } from '../write_lock.js';

export const OPENID_SCOPE = 'openid';

const fields = {
  template: { type: 'string' },
  description: { type: 'string' },
} as const;

const mountType = 'identity';

export function scopePaths(services: Services): VaultPath[] {
  const { storage } = services;
  const read = (name: string) => storage.get<ScopeRecord>(OIDC_KINDS.scope, name);

  const write = async (name: string, input: { template?: string; description?: string }): Promise<VaultResult | undefined> => {
    if (name === OPENID_SCOPE) throw invalidRequest(`the ${goQuote(OPENID_SCOPE)} scope name is reserved`);
    return withOidcWriteLock(storage, async () => {
      const stored = await read(name);
      const template = decodeTemplateParam(input.template ?? stored?.template ?? '');
      const problem = validateTemplate(template);
      if (problem !== undefined) throw invalidRequest(problem);
      const scope: ScopeRecord = { name, template, description: input.description ?? stored?.description ?? '' };
      await storage.put(OIDC_KINDS.scope, name, scope);
      const warnings = await scopeClashWarnings(storage, name);
      return warnings.length > 0 ? { warnings } : undefined;
    });
  };

  const item = definePath({
    pattern: '/identity/oidc/scope/:name',
    fields,
    mountType,
    existence: async (req) => (await read(req.params.name as string)) !== undefined,
    operations: {
      read: async (req) => {
        const scope = await read(req.params.name as string);
        return scope === undefined ? undefined : { data: { description: scope.description, template: scope.template } };
      },
      create: (req) => write(req.params.name as string, req.data),
      update: (req) => write(req.params.name as string, req.data),
      delete: async (req) => {
        const name = req.params.name as string;
        await withOidcWriteLock(storage, async () => {
          const providers = await providersUsingScope(storage, name);
          if (providers.length > 0) {
            throw invalidRequest(
              `unable to delete scope ${goQuote(name)} because it is currently referenced by these providers: ${providers.join(', ')}`,
            );
          }
          await storage.delete(OIDC_KINDS.scope, name);
        });
      },
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/scope',
    mountType,
    operations: {
      list: async () => ({ data: { keys: (await listRecords<ScopeRecord>(storage, OIDC_KINDS.scope)).map((s) => s.name) } }),
    },
  });

  return [list, item];
}
