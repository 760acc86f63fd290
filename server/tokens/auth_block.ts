/** Vault's `auth` block, the answer of every login and token create (token, userpass, SSO, passkeys). */
import type { AuthBlock } from '../http/vault_path.js';
import { normalisePolicies, type TokenRecord } from './token_service.js';

/** Vault's `auth` block for a freshly issued token. */
export function authBlock(token: string, record: TokenRecord, ttl: number, identityPolicies: readonly string[] = []): AuthBlock {
  return {
    client_token: token,
    accessor: record.accessor,
    policies: normalisePolicies([...record.policies, ...identityPolicies]),
    token_policies: record.policies,
    identity_policies: identityPolicies,
    metadata: record.meta,
    lease_duration: ttl,
    renewable: record.renewable,
    entity_id: record.entity_id,
    token_type: 'service',
    orphan: record.orphan,
    mfa_requirement: null,
    num_uses: record.num_uses,
  };
}

/**
 * The whole Vault answer to a login served outside the Vault frame (the CLI's SSO and device
 * sign-ins), which the Vault frame would otherwise wrap around `auth`.
 */
export function loginAnswer(requestId: string, auth: AuthBlock, mountType: string): Record<string, unknown> {
  return {
    request_id: requestId,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth,
    mount_type: mountType,
  };
}
