/**
 * `POST /api/v1/auth/oidc-auth/login {identityId, jwt}` (JSON or form): a workload trades the JWT
 * its platform gave it for a Lanyard token of the identity.
 *
 * Steps: the identity's configuration (404), the identity (401 when gone or disabled), the
 * client's address against the trusted IPs (403; checked here as well as on every use, and before
 * anything is fetched), the JWT through the shared verifier, the mapped claims, then the alias
 * metadata and the token. Every refusal happens before the first write, so a failed login changes
 * nothing; the caller gets the short public message with Infisical's status and the reason code
 * goes to the log line.
 */
import { VerificationError } from '../../../verifier/index.js';
import { LanyardError } from '../../errors.js';
import { ipNotAllowed, loginRefused, notFound, unauthorized } from '../../http/infisical_errors.js';
import { requiredString } from '../../http/body_schema.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { AuthMounts } from '../../identity/mounts.js';
import type { EntityRecord } from '../../identity/types.js';
import { anyCidrContains, parseCidr, type Cidr } from '../../util/cidr.js';
import { boundPolicyOf } from '../bound_policy.js';
import { mapClaimsToMetadata } from '../claim_metadata.js';
import { isIdentityId } from '../identity.js';
import { issueMachineToken } from '../issue_token.js';
import { recordLoginAlias } from '../login_alias.js';
import type { MachineAuth } from '../machine_auth.js';
import { boundCidrsOf } from '../trusted_ips.js';

const NOT_CONFIGURED = 'OIDC auth method not found for identity, did you configure OIDC auth?';

export function loginPath(machine: MachineAuth): InfisicalPath {
  const { services, configs, verifier } = machine;
  const mounts = new AuthMounts(services.init);
  const parsedCidrs = cidrParser();

  return {
    method: 'post',
    pattern: '/api/v1/auth/oidc-auth/login',
    lean: true,
    body: 'public',
    async handle({ body, ctx }) {
      const identityId = requiredString(body, 'identityId');
      const jwt = requiredString(body, 'jwt');
      try {
        const config = isIdentityId(identityId) ? await configs.get(identityId) : undefined;
        if (config === undefined) throw notFound(NOT_CONFIGURED, { reason: 'not_configured' });
        const entity = await services.storage.get<EntityRecord>('entity', identityId);
        if (entity === undefined) throw unauthorized('Identity not found', { reason: 'identity_not_found' });
        if (entity.disabled) throw unauthorized('Access denied: the identity is disabled', { reason: 'identity_disabled' });
        const trusted = parsedCidrs(boundCidrsOf(config.accessTokenTrustedIps));
        if (trusted.length > 0 && !anyCidrContains(trusted, ctx.clientIp)) {
          throw ipNotAllowed(`client ${ctx.clientIp} is outside the trusted IPs`);
        }

        let metadata: Record<string, string>;
        try {
          const verified = await verifier.verify(jwt, boundPolicyOf(config));
          metadata = mapClaimsToMetadata(verified.claims, config.claimMetadataMapping);
        } catch (error) {
          if (error instanceof VerificationError) throw loginRefused(error);
          throw error;
        }

        const mount = await mounts.byType('oidc-auth');
        if (mount === undefined) throw new LanyardError('internal', 'internal error', { detail: 'the oidc-auth mount is missing' });
        await recordLoginAlias(services.storage, mount, entity, metadata, services.now);
        const grant = await issueMachineToken(services, config, entity, metadata);
        ctx.log.info('machine login', { identity_id: identityId, expires_in: grant.expiresIn });
        return grant;
      } catch (error) {
        if (error instanceof LanyardError && error.status < 500) {
          ctx.log.info('machine login refused', { identity_id: identityId, status: error.status, reason: error.reason ?? error.code, detail: error.detail });
        }
        throw error;
      }
    },
  };
}

/** Trusted-IP lists parsed once each: lists are few and rarely change, logins are many. */
function cidrParser(): (texts: readonly string[]) => Cidr[] {
  const cache = new Map<string, Cidr[]>();
  return (texts) => {
    if (texts.length === 0) return [];
    const key = texts.join(',');
    let cidrs = cache.get(key);
    if (cidrs === undefined) {
      cidrs = texts.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== undefined);
      if (cache.size >= 1000) cache.clear();
      cache.set(key, cidrs);
    }
    return cidrs;
  };
}
