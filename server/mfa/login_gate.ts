/**
 * The step between a first factor and a token: when login enforcements cover the login, the
 * caller gets Vault's `auth.mfa_requirement` (a request id and the constraints) instead of a
 * token, and `sys/mfa/validate` finishes the login.
 */
import type { MfaRequirementAuth, VaultResult } from '../http/vault_path.js';
import { identityStore } from '../identity/identity_store.js';
import type { Services } from '../services.js';
import { startPendingLogin } from './pending_login.js';
import { constraintsFor, constraintsView } from './requirement.js';
import type { GateInput } from '../auth/login_steps.js';

export const MFA_WARNING =
  'A login request was issued that is subject to MFA validation. Please make sure to validate the login by sending another request to mfa/validate endpoint.';

/** Vault's MFA-requirement answer when enforcements cover this login; undefined when none does. */
export async function mfaGate(services: Services, input: GateInput): Promise<VaultResult | undefined> {
  const mount = await identityStore(services).mounts.byType(input.mountType);
  const mountAccessor = mount?.accessor ?? '';
  const constraints = await constraintsFor(services.storage, { entityId: input.entityId, mountAccessor, mountType: input.mountType });
  if (constraints.length === 0) return undefined;
  const requestId = await startPendingLogin(services, {
    entity_id: input.entityId,
    mount_accessor: mountAccessor,
    mount_type: input.mountType,
    constraints,
    completion: input.completion,
    client_ip: input.clientIp,
  });
  const auth: MfaRequirementAuth = {
    client_token: '',
    accessor: '',
    policies: null,
    token_policies: null,
    metadata: null,
    lease_duration: 0,
    renewable: false,
    entity_id: '',
    token_type: '',
    orphan: false,
    mfa_requirement: { mfa_request_id: requestId, mfa_constraints: await constraintsView(services.storage, constraints) },
    num_uses: 0,
  };
  return { auth, warnings: [MFA_WARNING] };
}
