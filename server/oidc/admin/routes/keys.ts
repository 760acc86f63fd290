/**
 * Named signing keys, Vault's `identity/oidc/key/:name` (read, write, delete, list, rotate).
 *
 * Validation follows Vault's order: rotation_period, verification_ttl, then on update the roles
 * and clients whose TTLs the new verification_ttl would undercut, then the algorithm.
 */
import { createKeyState, keyReadView, rotateKey, updateKeyState } from '../../../../keys/named_key.js';
import {
  DEFAULT_KEY_DELETE_MESSAGE,
  DEFAULT_KEY_NAME,
  KEY_DEFAULTS,
  algorithmError,
  keyDeleteBlockedMessage,
  keyNotFoundForRotateMessage,
  keyUpdateBlockedMessage,
  rotationPeriodError,
  verificationTtlError,
} from '../../../../keys/named_key_params.js';
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { deleteKey, listStoredKeys, openStoredKey, readStoredKey, saveKey } from '../../key_store.js';
import { clientsUsingKey, rolesUsingKey } from '../references.js';
import { withOidcWriteLock } from '../write_lock.js';

const keyFields = {
  rotation_period: { type: 'duration' },
  verification_ttl: { type: 'duration' },
  allowed_client_ids: { type: 'commaStringSlice' },
  algorithm: { type: 'string', max: 64 },
} as const;

const rotateFields = { verification_ttl: { type: 'duration' } } as const;

const mountType = 'identity';

export function keyPaths(services: Services): VaultPath[] {
  const nameOf = (params: Readonly<Record<string, string>>): string => params.name as string;

  const write = definePath({
    pattern: '/identity/oidc/key/:name',
    fields: keyFields,
    mountType,
    existence: async (req) => (await readStoredKey(services, nameOf(req.params))) !== undefined,
    operations: {
      read: async (req) => {
        const stored = await readStoredKey(services, nameOf(req.params));
        return stored === undefined ? undefined : { data: keyReadView(stored) };
      },
      create: (req) => writeKey(services, nameOf(req.params), req.data),
      update: (req) => writeKey(services, nameOf(req.params), req.data),
      delete: (req) => removeKey(services, nameOf(req.params)),
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/key',
    mountType,
    operations: {
      list: async () => ({ data: { keys: (await listStoredKeys(services)).map((key) => key.name) } }),
    },
  });

  const rotate = definePath({
    pattern: '/identity/oidc/key/:name/rotate',
    fields: rotateFields,
    mountType,
    operations: {
      update: async (req) => {
        const name = nameOf(req.params);
        await withOidcWriteLock(services.storage, async () => {
          const stored = await readStoredKey(services, name);
          if (stored === undefined) throw invalidRequest(keyNotFoundForRotateMessage(name));
          const ttl = req.data.verification_ttl;
          const rotated = await rotateKey(openStoredKey(services, stored), services.now(), ttl !== undefined ? { verification_ttl: ttl } : {});
          await saveKey(services, name, rotated);
        });
      },
    },
  });

  return [list, write, rotate];
}

interface KeyWrite {
  readonly rotation_period?: number;
  readonly verification_ttl?: number;
  readonly allowed_client_ids?: string[];
  readonly algorithm?: string;
}

function writeKey(services: Services, name: string, input: KeyWrite): Promise<void> {
  return withOidcWriteLock(services.storage, async () => {
    const stored = await readStoredKey(services, name);
    const base = stored ?? KEY_DEFAULTS;
    const rotationPeriod = input.rotation_period ?? base.rotation_period;
    const verificationTtl = input.verification_ttl ?? base.verification_ttl;
    const paramsError = rotationPeriodError(rotationPeriod) ?? verificationTtlError(verificationTtl, rotationPeriod);
    if (paramsError !== undefined) throw invalidRequest(paramsError);

    if (stored !== undefined) {
      if ((await rolesUsingKey(services.storage, name)).some((role) => role.ttl > verificationTtl)) {
        throw invalidRequest(keyUpdateBlockedMessage(name, 'roles', verificationTtl));
      }
      if ((await clientsUsingKey(services.storage, name)).some((client) => client.id_token_ttl > verificationTtl)) {
        throw invalidRequest(keyUpdateBlockedMessage(name, 'clients', verificationTtl));
      }
    }
    const algorithm = input.algorithm ?? base.algorithm;
    const algError = algorithmError(algorithm);
    if (algError !== undefined) throw invalidRequest(algError);

    const params = {
      algorithm,
      rotation_period: rotationPeriod,
      verification_ttl: verificationTtl,
      ...(input.allowed_client_ids !== undefined ? { allowed_client_ids: input.allowed_client_ids } : {}),
    };
    const now = services.now();
    const state = stored === undefined ? await createKeyState(params, now) : await updateKeyState(openStoredKey(services, stored), params, now);
    await saveKey(services, name, state);
  });
}

async function removeKey(services: Services, name: string): Promise<void> {
  if (name === DEFAULT_KEY_NAME) throw invalidRequest(DEFAULT_KEY_DELETE_MESSAGE);
  await withOidcWriteLock(services.storage, async () => {
    const roles = await rolesUsingKey(services.storage, name);
    if (roles.length > 0) throw invalidRequest(keyDeleteBlockedMessage(name, 'roles', roles.map((role) => role.name)));
    const clients = await clientsUsingKey(services.storage, name);
    if (clients.length > 0) throw invalidRequest(keyDeleteBlockedMessage(name, 'clients', clients.map((client) => client.name)));
    await deleteKey(services, name);
  });
}
