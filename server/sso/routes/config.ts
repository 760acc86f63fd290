/**
 * Infisical's SSO OIDC configuration API:
 *
 *   POST  /api/v1/sso/oidc/config                     create (body: every field, Infisical's defaults)
 *   PATCH /api/v1/sso/oidc/config                     change the fields given (organizationId required)
 *   GET   /api/v1/sso/oidc/config?organizationId=…    read
 *
 * Admin calls: a Lanyard token (`Authorization: Bearer` or `X-Vault-Token`) whose policies allow
 * `update` (POST, PATCH) or `read` (GET) on the ACL path `sso/oidc/config`. The organisation is
 * the instance's (`GET /v1/sys/init` → organization_id); another id is a 404.
 *
 * Answers have the seed's shape. The client secret is never returned (Infisical's GET returns it
 * decrypted: not copied); GET also shows the client id. Order of checks as in Infisical: token
 * (401/403), body (422), organisation (404), existing configuration (400 / 404), then the outbound
 * policy of the URLs the configuration will fetch (400).
 */
import { AlreadyExistsError, NotFoundError } from '../../../storage/errors.js';
import { decodeQuery } from '../../http/body.js';
import { badRequest, InfisicalError, notFound } from '../../http/infisical_errors.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { checkOutboundUrl } from '../../http/outbound_url_check.js';
import type { Services } from '../../services.js';
import { uuid } from '../../util/random.js';
import type { SsoContext } from '../context.js';
import type { SsoConfig } from '../types.js';
import { checkConfigurationType, parseCreateBody, parseOrganizationQuery, parsePatchBody } from '../validate.js';

/** The ACL path of the SSO configuration. */
export const SSO_CONFIG_ACL_PATH = 'sso/oidc/config';
const CONFIG_PATH = '/api/v1/sso/oidc/config';

const aclPath = (): string => SSO_CONFIG_ACL_PATH;

export function configPaths(sso: SsoContext): InfisicalPath[] {
  const { services, configs } = sso;

  const create: InfisicalPath = {
    method: 'post',
    pattern: CONFIG_PATH,
    acl: { path: aclPath, capability: 'update' },
    body: 'admin',
    async handle({ body, ctx }) {
      const { organizationId, settings } = parseCreateBody(body);
      await requireOrganization(services, organizationId);
      if ((await configs.get(organizationId)) !== undefined) throw alreadyConfigured();
      await checkFetchedUrls(settings, services);

      const time = new Date(services.now()).toISOString();
      const config: SsoConfig = { id: uuid(), orgId: organizationId, ...settings, createdAt: time, updatedAt: time };
      try {
        await configs.create(config);
      } catch (error) {
        if (error instanceof AlreadyExistsError) throw alreadyConfigured();
        throw error;
      }
      ctx.log.info('sso configuration created', { org_id: organizationId, type: config.configurationType, active: config.isActive });
      return configView(config);
    },
  };

  const update: InfisicalPath = {
    method: 'patch',
    pattern: CONFIG_PATH,
    acl: { path: aclPath, capability: 'update' },
    body: 'admin',
    async handle({ body, ctx }) {
      const { organizationId, changes } = parsePatchBody(body);
      await requireOrganization(services, organizationId);
      const current = await configs.get(organizationId);
      if (current === undefined) throw missingConfiguration(organizationId);
      const merged = { ...current, ...changes };
      checkConfigurationType(merged);
      await checkFetchedUrls(merged, services);

      let updated: SsoConfig;
      try {
        updated = await configs.update(organizationId, (stored) => {
          const next = { ...stored, ...changes, updatedAt: nextTimestamp(services.now(), stored.updatedAt) };
          checkConfigurationType(next);
          return next;
        });
      } catch (error) {
        if (error instanceof NotFoundError) throw missingConfiguration(organizationId);
        throw error;
      }
      ctx.log.info('sso configuration updated', { org_id: organizationId, fields: Object.keys(changes).sort(), active: updated.isActive });
      return configView(updated);
    },
  };

  const read: InfisicalPath = {
    method: 'get',
    pattern: CONFIG_PATH,
    acl: { path: aclPath, capability: 'read' },
    async handle({ http }) {
      const organizationId = parseOrganizationQuery(decodeQuery(new URL(http.originalUrl, 'http://lanyard').searchParams));
      await requireOrganization(services, organizationId);
      const config = await configs.get(organizationId);
      if (config === undefined) throw missingConfiguration(organizationId);
      return { ...configView(config), clientId: config.clientId };
    },
  };

  return [create, update, read];
}

/** The seed's response shape: no client id, never the client secret. */
export function configView(config: SsoConfig): Record<string, unknown> {
  return {
    id: config.id,
    issuer: config.issuer,
    authorizationEndpoint: config.authorizationEndpoint,
    configurationType: config.configurationType,
    discoveryURL: config.discoveryURL,
    jwksUri: config.jwksUri,
    tokenEndpoint: config.tokenEndpoint,
    userinfoEndpoint: config.userinfoEndpoint,
    orgId: config.orgId,
    isActive: config.isActive,
    allowedEmailDomains: config.allowedEmailDomains,
    manageGroupMemberships: config.manageGroupMemberships,
    jwtSignatureAlgorithm: config.jwtSignatureAlgorithm,
  };
}

async function requireOrganization(services: Services, organizationId: string): Promise<void> {
  const instance = await services.init.require();
  if (instance.organization_id !== organizationId) {
    throw notFound(`Organization with ID '${organizationId.slice(0, 64)}' not found`, { detail: 'organizationId is not this instance\'s organization_id (GET /v1/sys/init)' });
  }
}

/** The URLs a login will fetch, checked against the outbound policy, each failure naming its field. */
async function checkFetchedUrls(config: Pick<SsoConfig, 'configurationType' | 'discoveryURL' | 'tokenEndpoint' | 'userinfoEndpoint' | 'jwksUri'>, services: Services): Promise<void> {
  const fields =
    config.configurationType === 'discoveryURL' ? (['discoveryURL'] as const) : (['tokenEndpoint', 'userinfoEndpoint', 'jwksUri'] as const);
  for (const field of fields) {
    const url = config[field];
    if (url.startsWith('http:') && !services.config.allowHttpOutbound) {
      throw badRequest(`${field}: plain http URLs are not allowed; use https, or start the server with allow-http-outbound`);
    }
    try {
      await checkOutboundUrl(url, services.config);
    } catch (error) {
      if (error instanceof InfisicalError) throw badRequest(`${field}: ${error.message}`, error.detail === undefined ? {} : { detail: error.detail });
      throw error;
    }
  }
}

/**
 * A new `updatedAt` that always differs from the previous one (two updates within a millisecond
 * must still tell sign-ins apart that started between them).
 */
function nextTimestamp(now: number, previous: string): string {
  const previousMs = Date.parse(previous);
  return new Date(Number.isFinite(previousMs) && now <= previousMs ? previousMs + 1 : now).toISOString();
}

function alreadyConfigured(): InfisicalError {
  return badRequest('An OIDC SSO configuration already exists for this organization; change it with PATCH');
}

function missingConfiguration(organizationId: string): InfisicalError {
  return notFound(`OIDC configuration not found for organization '${organizationId.slice(0, 64)}'`);
}
