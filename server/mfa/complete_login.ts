/**
 * Finishing a login whose factors are verified: the first factor's own token issuance, run now
 * with the state as it is now (a user deleted or an entity disabled meanwhile gets no token).
 */
import { permissionDenied } from '../errors.js';
import type { AuthBlock } from '../http/vault_path.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { issueUserpassToken } from '../userpass/login_token.js';
import { UserStore } from '../userpass/user_store.js';
import type { MfaRequestRecord } from './types.js';

export async function completeLogin(services: Services, record: MfaRequestRecord): Promise<AuthBlock> {
  const entity = await services.storage.get<EntityRecord>('entity', record.entity_id);
  if (!entity || entity.disabled) throw permissionDenied(`entity ${record.entity_id} is gone or disabled`);
  switch (record.completion.type) {
    case 'userpass': {
      const user = await new UserStore(services.storage).get(record.completion.username);
      if (!user) throw permissionDenied(`userpass user ${record.completion.username} was deleted during MFA`);
      return issueUserpassToken(services, user, entity, 'totp');
    }
    case 'oidc-interaction':
      // Finished by the sign-in page itself (server/oidc/provider/interactions/second_factor.ts).
      throw permissionDenied('a sign-in page login cannot be finished through sys/mfa/validate');
  }
}
