/** A deleted entity's second factors go with it: its TOTP secrets and its passkeys. */
import type { Storage } from '../../storage/types.js';
import { MFA_KINDS } from './types.js';

export async function forgetEntityFactors(storage: Storage, entityId: string): Promise<void> {
  for (const kind of [MFA_KINDS.totpSecret, MFA_KINDS.passkey]) {
    for (const entry of await storage.findBy(kind, 'entity', entityId)) await storage.delete(kind, entry.id);
  }
}
