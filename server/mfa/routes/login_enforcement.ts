/**
 * Login enforcements, Vault's `identity/mfa/login-enforcement/:name`: which logins need which MFA
 * methods. An enforcement names methods (`mfa_method_ids`, any one satisfies it) and targets
 * (auth mount accessors or types, identity groups, entities; any match covers a login). Every
 * reference must exist when written. Writes answer 204; an update changes the fields it sends.
 */
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import { identityStore } from '../../identity/identity_store.js';
import type { Services } from '../../services.js';
import { uuid } from '../../util/random.js';
import { allEnforcements, enforcementData, readMethod } from '../records.js';
import { MFA_KINDS, type EnforcementRecord } from '../types.js';
import { withMfaWriteLock } from '../write_lock.js';

const list = { type: 'commaStringSlice', max: 256 } as const;
const fields = {
  mfa_method_ids: list,
  auth_method_accessors: list,
  auth_method_types: list,
  identity_group_ids: list,
  identity_entity_ids: list,
} as const;
type Input = { -readonly [K in keyof typeof fields]?: string[] };

const mountType = 'identity';

export function loginEnforcementPaths(services: Services): VaultPath[] {
  const { storage } = services;
  const identity = identityStore(services);
  const read = (name: string) => storage.get<EnforcementRecord>(MFA_KINDS.enforcement, name);

  const validate = async (e: EnforcementRecord): Promise<void> => {
    if (e.mfa_method_ids.length === 0) throw invalidRequest('missing method ids');
    for (const id of e.mfa_method_ids) {
      if (!(await readMethod(storage, id))) throw invalidRequest(`MFA method ${JSON.stringify(id)} does not exist`);
    }
    const targets = [e.auth_method_accessors, e.auth_method_types, e.identity_group_ids, e.identity_entity_ids];
    if (targets.every((t) => t.length === 0)) {
      throw invalidRequest('One of auth_method_accessors, auth_method_types, identity_group_ids, identity_entity_ids must be specified');
    }
    const mounts = await identity.mounts.all();
    for (const accessor of e.auth_method_accessors) {
      if (!mounts.some((m) => m.accessor === accessor)) throw invalidRequest(`mount accessor ${JSON.stringify(accessor)} not found`);
    }
    for (const type of e.auth_method_types) {
      if (!mounts.some((m) => m.type === type)) throw invalidRequest(`auth method type ${JSON.stringify(type)} not found`);
    }
    for (const id of e.identity_group_ids) {
      if (!(await storage.get('group', id))) throw invalidRequest(`group ${JSON.stringify(id)} not found`);
    }
    for (const id of e.identity_entity_ids) {
      if (!(await storage.get('entity', id))) throw invalidRequest(`entity ${JSON.stringify(id)} not found`);
    }
  };

  const write = (name: string, input: Input) =>
    withMfaWriteLock(storage, async () => {
      const stored = await read(name);
      const unique = (values: readonly string[] | undefined, kept: readonly string[] | undefined) => [...new Set(values ?? kept ?? [])];
      const enforcement: EnforcementRecord = {
        id: stored?.id ?? uuid(),
        name,
        mfa_method_ids: unique(input.mfa_method_ids, stored?.mfa_method_ids),
        auth_method_accessors: unique(input.auth_method_accessors, stored?.auth_method_accessors),
        auth_method_types: unique(input.auth_method_types, stored?.auth_method_types),
        identity_group_ids: unique(input.identity_group_ids, stored?.identity_group_ids),
        identity_entity_ids: unique(input.identity_entity_ids, stored?.identity_entity_ids),
      };
      await validate(enforcement);
      await storage.put(MFA_KINDS.enforcement, name, enforcement);
    });

  const item = definePath({
    pattern: '/identity/mfa/login-enforcement/:name',
    fields,
    mountType,
    operations: {
      read: async (req) => {
        const e = await read(req.params.name as string);
        return e && { data: enforcementData(e) };
      },
      update: (req) => write(req.params.name as string, req.data),
      delete: async (req) => {
        await withMfaWriteLock(storage, () => storage.delete(MFA_KINDS.enforcement, req.params.name as string));
      },
    },
  });

  const collection = definePath({
    pattern: '/identity/mfa/login-enforcement',
    mountType,
    operations: {
      list: async () => {
        const all = await allEnforcements(storage);
        return { data: { keys: all.map((e) => e.name), key_info: Object.fromEntries(all.map((e) => [e.name, enforcementData(e)])) } };
      },
    },
  });

  return [collection, item];
}
