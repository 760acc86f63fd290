/** Reading MFA methods and enforcements, and the response shapes Vault gives them. */
import type { Storage } from '../../storage/types.js';
import { MFA_KINDS, type EnforcementRecord, type TotpMethodRecord } from './types.js';

export async function allMethods(storage: Storage): Promise<TotpMethodRecord[]> {
  return (await storage.list<TotpMethodRecord>(MFA_KINDS.method)).map((e) => e.value);
}

export async function allEnforcements(storage: Storage): Promise<EnforcementRecord[]> {
  return (await storage.list<EnforcementRecord>(MFA_KINDS.enforcement)).map((e) => e.value);
}

export const readMethod = (storage: Storage, id: string): Promise<TotpMethodRecord | undefined> =>
  storage.get<TotpMethodRecord>(MFA_KINDS.method, id);

/** Vault's read shape of a TOTP method. */
export function methodData(method: TotpMethodRecord): Record<string, unknown> {
  return {
    id: method.id,
    type: method.type,
    name: method.method_name,
    method_name: method.method_name,
    namespace_id: 'root',
    mount_accessor: '',
    issuer: method.issuer,
    period: method.period,
    key_size: method.key_size,
    qr_size: method.qr_size,
    algorithm: method.algorithm,
    digits: method.digits,
    skew: method.skew,
    max_validation_attempts: method.max_validation_attempts,
  };
}

/** Vault's read shape of a login enforcement. */
export function enforcementData(enforcement: EnforcementRecord): Record<string, unknown> {
  return {
    id: enforcement.id,
    name: enforcement.name,
    namespace_id: 'root',
    mfa_method_ids: enforcement.mfa_method_ids,
    auth_method_accessors: enforcement.auth_method_accessors,
    auth_method_types: enforcement.auth_method_types,
    identity_group_ids: enforcement.identity_group_ids,
    identity_entity_ids: enforcement.identity_entity_ids,
  };
}
