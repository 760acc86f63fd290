/**
 * Passkey paths (beyond Vault):
 * - `identity/mfa/passkey/register/begin` → `{challenge_id, options}` for `navigator.credentials.create`;
 *   `identity/mfa/passkey/register/finish {challenge_id, credential, name}` stores it. Both for the
 *   caller's own entity (a token bound to an entity).
 * - `identity/mfa/passkey/self` LIST (the caller's passkeys), `identity/mfa/passkey/self/:id` DELETE.
 * - `identity/mfa/passkey/entity/:entity_id` LIST and `.../:entity_id/:id` DELETE: administrators.
 * - `auth/passkey/login/begin` and `auth/passkey/login/finish {challenge_id, credential}` (no token):
 *   sign in with a discoverable passkey; answers Vault's `auth` block for the entity (a passkey with
 *   user verification is two factors, so no MFA requirement follows).
 */
import { invalidRequest, LanyardError, notFound, permissionDenied } from '../../errors.js';
import { definePath, type VaultPath, type VaultRequest } from '../../http/vault_path.js';
import type { FieldSchema } from '../../http/fields.js';
import type { EntityRecord } from '../../identity/types.js';
import { identityPoliciesOf } from '../../identity/membership.js';
import type { Services } from '../../services.js';
import { authBlock } from '../../tokens/auth_block.js';
import {
  beginAuthentication,
  beginRegistration,
  finishAuthentication,
  finishRegistration,
  hasEnrolledFactor,
  PASSKEY_LOGIN_PATH,
  passkeyData,
  passkeysOf,
  tokenProvesTwoFactors,
} from '../passkeys.js';
import { MFA_KINDS } from '../types.js';

const mountType = 'identity';

export function passkeyPaths(services: Services): VaultPath[] {
  const { storage } = services;

  const callerEntity = (req: VaultRequest<FieldSchema>): EntityRecord => {
    const entity = req.auth?.entity;
    if (!entity) throw invalidRequest('the token is not bound to an entity; passkeys belong to entities');
    return entity;
  };

  /**
   * A passkey counts as two factors, so once the entity has a factor beyond its password, only a
   * token whose login proved two factors may add or remove its passkeys: a password alone must
   * not add one, or remove the owner's (the Security page applies the same rule).
   */
  const mayChangeOwnPasskeys = async (req: VaultRequest<FieldSchema>): Promise<EntityRecord> => {
    const entity = callerEntity(req);
    if (req.auth !== undefined && !tokenProvesTwoFactors(req.auth.token) && (await hasEnrolledFactor(services, entity.id))) {
      throw new LanyardError(
        'permission_denied',
        'the entity has a second factor: add or remove passkeys with a token from a two-factor login (a passkey sign-in, or a login finished through sys/mfa/validate)',
      );
    }
    return entity;
  };

  const list = async (entityId: string) => {
    const keys = await passkeysOf(services, entityId);
    return { data: { keys: keys.map((p) => p.id), key_info: Object.fromEntries(keys.map((p) => [p.id, passkeyData(p)])) } };
  };

  const remove = async (entityId: string, id: string) => {
    const record = await storage.get<{ entity_id: string }>(MFA_KINDS.passkey, id);
    if (!record || record.entity_id !== entityId) throw notFound();
    await storage.delete(MFA_KINDS.passkey, id);
  };

  return [
    definePath({
      pattern: '/identity/mfa/passkey/register/begin',
      mountType,
      operations: { update: async (req) => ({ data: await beginRegistration(services, await mayChangeOwnPasskeys(req)) }) },
    }),
    definePath({
      pattern: '/identity/mfa/passkey/register/finish',
      fields: { challenge_id: { type: 'string', max: 64 }, credential: { type: 'map' }, name: { type: 'string', max: 128 } },
      mountType,
      operations: {
        update: async (req) => {
          if (!req.data.challenge_id || !req.data.credential) throw invalidRequest('challenge_id and credential are required');
          const record = await finishRegistration(services, await mayChangeOwnPasskeys(req), req.data.challenge_id, req.data.credential, req.data.name ?? '');
          return { data: passkeyData(record) };
        },
      },
    }),
    definePath({ pattern: '/identity/mfa/passkey/self', mountType, operations: { list: (req) => list(callerEntity(req).id) } }),
    definePath({
      pattern: '/identity/mfa/passkey/self/:id',
      mountType,
      operations: { delete: async (req) => remove((await mayChangeOwnPasskeys(req)).id, req.params.id as string) },
    }),
    definePath({ pattern: '/identity/mfa/passkey/entity/:entity_id', mountType, operations: { list: (req) => list(req.params.entity_id as string) } }),
    definePath({
      pattern: '/identity/mfa/passkey/entity/:entity_id/:id',
      mountType,
      operations: { delete: (req) => remove(req.params.entity_id as string, req.params.id as string) },
    }),
    definePath({
      pattern: '/auth/passkey/login/begin',
      unauthenticated: ['update', 'create'],
      mountType: 'passkey',
      operations: { update: async () => ({ data: await beginAuthentication(services) }) },
    }),
    definePath({
      pattern: '/auth/passkey/login/finish',
      fields: { challenge_id: { type: 'string', max: 64 }, credential: { type: 'map' } },
      unauthenticated: ['update', 'create'],
      mountType: 'passkey',
      operations: {
        update: async (req) => {
          if (!req.data.challenge_id || !req.data.credential) throw invalidRequest('challenge_id and credential are required');
          const { entityId, passkey } = await finishAuthentication(services, req.data.challenge_id, req.data.credential);
          const entity = await storage.get<EntityRecord>('entity', entityId);
          if (!entity || entity.disabled) throw permissionDenied(`entity ${entityId} is gone or disabled`);
          const issued = await services.tokens.create({
            policies: ['default'],
            entityId,
            displayName: 'passkey',
            meta: { passkey: passkey.name },
            path: PASSKEY_LOGIN_PATH,
          });
          const identityPolicies = await identityPoliciesOf(storage, entity);
          return { auth: authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies) };
        },
      },
    }),
  ];
}
