/**
 * `POST /api/v1/auth/oidc-auth/identities/:identityId`: attach machine login to an identity.
 * Order as in Infisical: the body (422), the identity (404), an existing configuration (400), the
 * discovery URL's outbound policy (400); then Lanyard's own check that the stored policy is usable
 * (422), so that no configuration exists that fails every login.
 */
import type { Express } from 'express';
import { AlreadyExistsError } from '../../../storage/errors.js';
import { policyProblems, policyWarnings } from '../../../verifier/index.js';
import { uuid } from '../../util/random.js';
import { authorizeAdmin, identityAclPath } from '../admin_auth.js';
import { boundPolicyOf } from '../bound_policy.js';
import { configView } from '../config_view.js';
import { identityIdParam, requireIdentity } from '../identity.js';
import { badRequest, ValidationFailure } from '../infisical_errors.js';
import { infisicalRoute, readBody } from '../infisical_route.js';
import type { MachineAuth } from '../machine_auth.js';
import { checkOutboundUrl } from '../outbound_policy.js';
import type { OidcAuthConfig, OidcAuthSettings } from '../types.js';
import { parseAttachBody } from '../validate_config.js';

const ALREADY_CONFIGURED = 'Failed to add OIDC Auth to already configured identity';

export function mountAttach(app: Express, machine: MachineAuth): void {
  const { services, configs } = machine;
  app.post(
    '/api/v1/auth/oidc-auth/identities/:identityId',
    infisicalRoute(async (req, ctx) => {
      const identityId = identityIdParam(req);
      await authorizeAdmin(services, req, ctx, identityAclPath(identityId), 'create');
      const settings = parseAttachBody(await readBody(req, services.config.maxRequestBytes));
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
    }),
  );
}

/** The verifier's own judgement of the policy, as 422 issues (e.g. a caCert that is no certificate). */
export function assertUsable(settings: OidcAuthSettings): void {
  const problems = policyProblems(boundPolicyOf(settings));
  if (problems.length > 0) throw new ValidationFailure(problems.map((message) => ({ code: 'custom', path: [], message })));
}
