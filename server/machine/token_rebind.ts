/**
 * Trusted IPs are live configuration, as in Infisical: narrowing them on an identity also
 * narrows the tokens it already holds. Each machine token carries the list as bound CIDRs (checked
 * on every use by the token service), so a change rewrites that list on the identity's machine
 * tokens, each in its own atomic update.
 */
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import type { TokenRecord } from '../tokens/token_service.js';
import { isMachineToken } from './machine_token.js';

/** Resolves to how many tokens were changed. */
export async function rebindMachineTokens(storage: Storage, identityId: string, boundCidrs: readonly string[]): Promise<number> {
  let changed = 0;
  for (const entry of await storage.findBy<TokenRecord>('token', 'entity', identityId)) {
    if (!isMachineToken(entry.value) || sameList(entry.value.bound_cidrs, boundCidrs)) continue;
    try {
      await storage.update<TokenRecord>('token', entry.id, (record) => ({ ...record, bound_cidrs: [...boundCidrs] }));
      changed += 1;
    } catch (error) {
      // Expired or revoked since the scan: nothing left to narrow.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return changed;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
