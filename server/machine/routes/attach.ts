/**
 * `POST /api/v1/auth/oidc-auth/identities/:identityId`: attach machine login to an identity.
 * Order as in Infisical: the body (422), the identity (404), an existing configuration (400), the
 * discovery URL's outbound policy (400); then Lanyard's own check that the stored policy is usable
 * (422), so that no configuration exists that fails every login.
 */
import { AlreadyExistsError } from '../../../storage/errors.js';
import { policyProblems, policyWarnings } from '../../../verifier/index.js';
import { badRequest, ValidationFailure } from '../../http/infisical_errors.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { uuid } from '../../util/random.js';
import { boundPolicyOf } from '../bound_policy.js';
import { configView } from '../config_view.js';
import { identityAclPath, identityIdParam, requireIdentity } from '../identity.js';
import type { MachineAuth } from '../machine_auth.js';
import { checkOutboundUrl } from '../../http/outbound_url_check.js';
import type { OidcAuthConfig, OidcAuthSettings } from '../types.js';
import { parseAttachBody } from '../validate_config.js';

const ALREADY_CONFIGURED = 'Failed to add OIDC Auth to already configured identity';

export function attachPath(machine: MachineAuth): InfisicalPath {
  const { services, configs } = machine;
  return {
    method: 'post',
    pattern: '/api/v1/auth/oidc-auth/identities/:identityId',
    acl: { path: identityAclPath(), capability: 'create' },
    body: 'admin',
    async handle({ params, body, ctx }) {
      const identityId = identityIdParam(params);
      const settings = parseAttachBody(body);
      await requireIdentity(services.storage, identityId);
      if ((await configs.get(identityId)) !== undefined) throw badRequest(ALREADY_CONFIGURED);
      await checkOutboundUrl(settings.oidcDiscoveryUrl, services.config);
      assertUsable(settings);

      const time = new Date(services.now()).toISOString();
      const config: OidcAuthConfig = { id: uuid(), identityId, ...settings, createdAt: time, updatedAt: time };
      try {
        await configs.create(config);
      } catch (error) {
        if (error instanceof AlreadyExistsError) throw badRequest(ALREADY_CONFIGURED);
        throw error;
      }
      const warnings = policyWarnings(boundPolicyOf(settings));
      if (warnings.length > 0) ctx.log.warn('machine login configured with risky settings', { identity_id: identityId, warnings });
      return configView(config);
    },
  };
}

/** The verifier's own judgement of the policy, as 422 issues (e.g. a caCert that is no certificate). */
export function assertUsable(settings: OidcAuthSettings): void {
  const problems = policyProblems(boundPolicyOf(settings));
  if (problems.length > 0) throw new ValidationFailure(problems.map((message) => ({ code: 'custom', path: [], message })));
}
