/**
 * Providers, Vault's `identity/oidc/provider/:name`: an issuer with the clients it serves and the
 * scopes it offers. The built-in `default` provider can be changed but not deleted. Reads show the
 * effective issuer (`<issuer or api address>/v1/identity/oidc/provider/<name>`).
 */
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { DEFAULT_PROVIDER_NAME } from '../../builtins.js';
import { goQuote } from '../../claims.js';
import type { ProviderRecord, ScopeRecord } from '../../types.js';
import { EXPLICIT_ISSUER_WARNING, INVALID_ISSUER_MESSAGE, isValidIssuerBase, providerIssuer } from '../issuer.js';
import { OIDC_KINDS, listRecords, providerAllowsClient } from '../records.js';
import { scopeConflictWarnings } from '../scope_clash_warnings.js';
import { removeDuplicates } from '../string_list.js';
import { withOidcWriteLock } from '../write_lock.js';

const fields = {
  issuer: { type: 'string', max: 2048 },
  allowed_client_ids: { type: 'commaStringSlice' },
  scopes_supported: { type: 'commaStringSlice' },
} as const;

const listFields = { allowed_client_id: { type: 'string', max: 1024 } } as const;

interface ProviderWrite {
  readonly issuer?: string;
  readonly allowed_client_ids?: string[];
  readonly scopes_supported?: string[];
}

const mountType = 'identity';

export function providerPaths(services: Services): VaultPath[] {
  const { storage } = services;
  const read = (name: string) => storage.get<ProviderRecord>(OIDC_KINDS.provider, name);
  const view = (provider: ProviderRecord) => ({
    issuer: providerIssuer(services.config.apiAddr, provider),
    allowed_client_ids: [...provider.allowed_client_ids],
    scopes_supported: [...provider.scopes_supported],
  });

  const item = definePath({
    pattern: '/identity/oidc/provider/:name',
    fields,
    mountType,
    existence: async (req) => (await read(req.params.name as string)) !== undefined,
    operations: {
      read: async (req) => {
        const provider = await read(req.params.name as string);
        return provider === undefined ? undefined : { data: view(provider) };
      },
      create: (req) => writeProvider(services, req.params.name as string, req.data),
      update: (req) => writeProvider(services, req.params.name as string, req.data),
      delete: async (req) => {
        const name = req.params.name as string;
        if (name === DEFAULT_PROVIDER_NAME) throw invalidRequest(`deletion of OIDC provider ${goQuote(DEFAULT_PROVIDER_NAME)} not allowed`);
        await withOidcWriteLock(storage, () => storage.delete(OIDC_KINDS.provider, name));
      },
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/provider',
    fields: listFields,
    mountType,
    operations: {
      list: async (req) => {
        const wanted = req.data.allowed_client_id ?? '';
        const providers = (await listRecords<ProviderRecord>(storage, OIDC_KINDS.provider)).filter(
          (provider) => wanted === '' || providerAllowsClient(provider, wanted),
        );
        return {
          data: {
            keys: providers.map((provider) => provider.name),
            key_info: Object.fromEntries(providers.map((provider) => [provider.name, view(provider)])),
          },
        };
      },
    },
  });

  return [list, item];
}

async function writeProvider(services: Services, name: string, input: ProviderWrite): Promise<{ warnings: string[] } | undefined> {
  const { storage } = services;
  return withOidcWriteLock(storage, async () => {
    const stored = await storage.get<ProviderRecord>(OIDC_KINDS.provider, name);
    const warnings: string[] = [];
    if (input.issuer !== undefined && input.issuer !== '') {
      if (!isValidIssuerBase(input.issuer)) throw invalidRequest(INVALID_ISSUER_MESSAGE);
      warnings.push(EXPLICIT_ISSUER_WARNING);
    }
    const scopesSupported = removeDuplicates(input.scopes_supported ?? stored?.scopes_supported ?? [], false);
    const scopes: ScopeRecord[] = [];
    for (const scopeName of scopesSupported) {
      const scope = await storage.get<ScopeRecord>(OIDC_KINDS.scope, scopeName);
      if (scope === undefined) throw invalidRequest(`scope ${goQuote(scopeName)} does not exist`);
      scopes.push(scope);
    }
    const provider: ProviderRecord = {
      name,
      issuer: input.issuer ?? stored?.issuer ?? '',
      allowed_client_ids: removeDuplicates(input.allowed_client_ids ?? stored?.allowed_client_ids ?? [], false),
      scopes_supported: scopesSupported,
    };
    await storage.put(OIDC_KINDS.provider, name, provider);
    warnings.push(...scopeConflictWarnings(scopes));
    return warnings.length > 0 ? { warnings } : undefined;
  });
}
