/**
 * Identity-token roles, Vault's `identity/oidc/role/:name`: which key signs the tokens, the
 * audience (`client_id`, 26 base62 unless given), the token TTL and a claims template.
 * Validation follows Vault's order: key given, template renders, key exists, ttl within the key's
 * verification_ttl.
 */
import { roleTtlError } from '../../../../keys/named_key_params.js';
import { AlreadyExistsError } from '../../../../storage/errors.js';
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { randomBase62 } from '../../../util/random.js';
import { goQuote } from '../../claims.js';
import { materialiseKey, readStoredKey } from '../../key_store.js';
import { decodeTemplateParam, validateTemplate } from '../../template.js';
import type { RoleRecord } from '../../types.js';
import { OIDC_KINDS, listRecords } from '../records.js';
import { withOidcWriteLock } from '../write_lock.js';

const DAY = 24 * 60 * 60;
const ROLE_CLIENT_ID_LENGTH = 26;

const fields = {
  key: { type: 'string', max: 1024 },
  template: { type: 'string' },
  client_id: { type: 'string', max: 1024 },
  ttl: { type: 'duration' },
} as const;

interface RoleWrite {
  readonly key?: string;
  readonly template?: string;
  readonly client_id?: string;
  readonly ttl?: number;
}

const mountType = 'identity';

export function rolePaths(services: Services): VaultPath[] {
  const { storage } = services;
  const read = (name: string) => storage.get<RoleRecord>(OIDC_KINDS.role, name);

  const item = definePath({
    pattern: '/identity/oidc/role/:name',
    fields,
    mountType,
    existence: async (req) => (await read(req.params.name as string)) !== undefined,
    operations: {
      read: async (req) => {
        const role = await read(req.params.name as string);
        return role === undefined
          ? undefined
          : { data: { client_id: role.client_id, key: role.key, template: role.template, ttl: role.ttl } };
      },
      create: (req) => writeRole(services, req.params.name as string, req.data),
      update: (req) => writeRole(services, req.params.name as string, req.data),
      delete: async (req) => {
        await withOidcWriteLock(storage, () => storage.delete(OIDC_KINDS.role, req.params.name as string));
      },
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/role',
    mountType,
    operations: {
      list: async () => ({ data: { keys: (await listRecords<RoleRecord>(storage, OIDC_KINDS.role)).map((r) => r.name) } }),
    },
  });

  return [list, item];
}

function writeRole(services: Services, name: string, input: RoleWrite): Promise<void> {
  const { storage } = services;
  return withOidcWriteLock(storage, async () => {
    const stored = await storage.get<RoleRecord>(OIDC_KINDS.role, name);
    const keyName = input.key ?? stored?.key ?? '';
    if (keyName === '') throw invalidRequest('the key parameter is required');

    const template = decodeTemplateParam(input.template ?? stored?.template ?? '');
    const templateProblem = validateTemplate(template);
    if (templateProblem !== undefined) throw invalidRequest(templateProblem);

    const ttl = input.ttl ?? stored?.ttl ?? DAY;
    const key = await readStoredKey(services, keyName);
    if (key === undefined) throw invalidRequest(`cannot find key ${goQuote(keyName)}`);
    const ttlProblem = roleTtlError(ttl, key.verification_ttl);
    if (ttlProblem !== undefined) throw invalidRequest(ttlProblem);

    const clientId = (input.client_id ?? stored?.client_id ?? '') || randomBase62(ROLE_CLIENT_ID_LENGTH);
    const role: RoleRecord = { name, key: keyName, template, client_id: clientId, ttl };
    try {
      await storage.put(OIDC_KINDS.role, name, role);
    } catch (err) {
      // The store indexes roles by client_id uniquely, so two roles cannot share an audience.
      if (err instanceof AlreadyExistsError) throw invalidRequest(`client_id ${goQuote(clientId)} is already used by another role`);
      throw err;
    }
    // Vault makes the built-in default key's key pairs when a role first refers to it.
    if (key.current === null || key.next === null) await materialiseKey(services, keyName);
  });
}
