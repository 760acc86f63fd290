/**
 * `POST /api/v1/auth/oidc-auth/identities/:identityId/explain {jwt}`: the login's dry run for
 * admins. Every check the verifier makes, with what it expected and what the token had, then the
 * claim-to-metadata mapping; nothing is issued and nothing is written. The answer holds the
 * token's claims and internal details, hence its own ACL path
 * (`auth/oidc-auth/identities/<id>/explain`, capability `update`).
 *
 * The caller's address is not checked against the trusted IPs: the admin asking is not the
 * workload that will log in. The trusted IPs are listed so the whole decision is visible.
 */
import { VerificationError } from '../../../verifier/index.js';
import { badRequest } from '../../http/infisical_errors.js';
import { requiredString } from '../../http/body_schema.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { boundPolicyOf } from '../bound_policy.js';
import { mapClaimsToMetadata } from '../claim_metadata.js';
import { identityAclPath, identityIdParam, requireIdentity } from '../identity.js';
import type { MachineAuth } from '../machine_auth.js';

export function explainPath(machine: MachineAuth): InfisicalPath {
  const { services, configs, verifier } = machine;
  return {
    method: 'post',
    pattern: '/api/v1/auth/oidc-auth/identities/:identityId/explain',
    acl: { path: identityAclPath('/explain'), capability: 'update' },
    body: 'public',
    async handle({ params, body }) {
      const identityId = identityIdParam(params);
      const jwt = requiredString(body, 'jwt');
      const entity = await requireIdentity(services.storage, identityId);
      const config = await configs.get(identityId);
      if (config === undefined) throw badRequest('The identity does not have OIDC Auth attached');

      const explanation = await verifier.explain(jwt, boundPolicyOf(config));
      let claimMetadata: Record<string, unknown> = { ok: false, skipped: 'the token was refused' };
      if (explanation.ok) {
        try {
          claimMetadata = { ok: true, metadata: mapClaimsToMetadata(explanation.claims ?? {}, config.claimMetadataMapping) };
        } catch (error) {
          if (!(error instanceof VerificationError)) throw error;
          claimMetadata = { ok: false, reason: error.reason, message: error.message, detail: error.detail };
        }
      }
      return {
        identityId,
        ok: explanation.ok && claimMetadata.ok === true && !entity.disabled,
        identityDisabled: entity.disabled,
        explanation,
        claimMetadata,
        accessTokenTrustedIps: config.accessTokenTrustedIps,
      };
    },
  };
}
