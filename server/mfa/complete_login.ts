/**
 * Finishing a login whose factors are verified: the first factor's own token issuance (installed
 * by that feature, server/auth/login_steps.ts), run now with the state as it is now (a user
 * deleted or an entity disabled meanwhile gets no token).
 */
import { loginCompletionFor } from '../auth/login_steps.js';
import { permissionDenied } from '../errors.js';
import type { AuthBlock } from '../http/vault_path.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import type { MfaRequestRecord } from './types.js';

export async function completeLogin(services: Services, record: MfaRequestRecord): Promise<AuthBlock> {
  const entity = await services.storage.get<EntityRecord>('entity', record.entity_id);
  if (!entity || entity.disabled) throw permissionDenied(`entity ${record.entity_id} is gone or disabled`);
  const { completion } = record;
  if (completion.type === 'oidc-interaction') {
    // Finished by the sign-in page itself (server/oidc/provider/interactions/second_factor.ts).
    throw permissionDenied('a sign-in page login cannot be finished through sys/mfa/validate');
  }
  const complete = loginCompletionFor(services, completion.type);
  if (complete === undefined) throw permissionDenied(`no ${completion.type} login can be finished on this server`);
  return complete(completion, entity);
}
