/**
 * Identity tokens, Vault's `GET identity/oidc/token/:role`: a JWT about the calling token's
 * entity, signed with the role's key, for the role's audience. Like any path it needs an ACL grant
 * (`read` on `identity/oidc/token/<role>`); the default policy does not give one.
 *
 * Claims: iss (the identity-token issuer), sub (entity id), aud (role client_id), iat, exp
 * (iat + ttl, capped at the key's verification_ttl), namespace ("root"), plus the rendered role
 * template. Checks run in Vault's order: role, key, key allows the role, caller has an entity.
 */
import { keyAllowsClient } from '../../../../keys/named_key.js';
import { signJwt } from '../../../../keys/sign_jwt.js';
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { goQuote, mergeScopeClaims } from '../../claims.js';
import { templateEntityOf } from '../../entity_view.js';
import { materialiseKey, openKey } from '../../key_store.js';
import { TemplateError, renderTemplate } from '../../template.js';
import type { RoleRecord } from '../../types.js';
import { identityTokenIssuer, readOidcConfig } from '../issuer.js';
import { OIDC_KINDS } from '../records.js';
import { withOidcWriteLock } from '../write_lock.js';

/** Vault reports the root namespace's ID in every token. */
const NAMESPACE = 'root';

export function identityTokenPaths(services: Services): VaultPath[] {
  const token = definePath({
    pattern: '/identity/oidc/token/:name',
    mountType: 'identity',
    operations: {
      read: async (req) => issueIdentityToken(services, req.params.name as string, req.auth?.entity),
    },
  });
  return [token];
}

async function issueIdentityToken(
  services: Services,
  roleName: string,
  entity: EntityRecord | undefined,
): Promise<{ data: { client_id: string; token: string; ttl: number }; warnings: string[] }> {
  const role = await services.storage.get<RoleRecord>(OIDC_KINDS.role, roleName);
  if (role === undefined) throw invalidRequest(`role ${goQuote(roleName)} not found`);
  let key = await openKey(services, role.key);
  if (key === undefined) throw invalidRequest(`key ${goQuote(role.key)} not found`);
  if (!keyAllowsClient(key, role.client_id)) {
    throw invalidRequest(`the key ${goQuote(role.key)} does not list the client ID of the role ${goQuote(roleName)} as an allowed client ID`);
  }
  if (entity === undefined) throw invalidRequest("no entity associated with the request's token");
  if (key.current === null) {
    // Only the built-in default key lacks key pairs, and role writes create them; this covers a
    // role stored before that (or restored from an older backup).
    key = (await withOidcWriteLock(services.storage, () => materialiseKey(services, role.key))) ?? key;
  }

  const warnings: string[] = [];
  let expiry = role.ttl;
  if (expiry > key.verification_ttl) {
    expiry = key.verification_ttl;
    warnings.push(
      `a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to ${expiry}`,
    );
  }
  const now = services.now();
  const iat = Math.floor(now / 1000);
  const issuer = identityTokenIssuer(services.config.apiAddr, await readOidcConfig(services.storage));
  const claims = mergeScopeClaims([{ scope: role.name, claims: await templateClaims(services, role, entity, now) }]);
  const payload = sortedObject({ ...claims, iss: issuer, namespace: NAMESPACE, sub: entity.id, aud: role.client_id, exp: iat + expiry, iat });
  return { data: { client_id: role.client_id, token: signJwt(key, payload), ttl: role.ttl }, warnings };
}

/** A template that fails for this entity contributes nothing (Vault logs it and signs anyway). */
async function templateClaims(services: Services, role: RoleRecord, entity: EntityRecord, now: number): Promise<Record<string, unknown>> {
  if (role.template === '') return {};
  try {
    return renderTemplate(role.template, await templateEntityOf(services.storage, entity), now);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    services.log.warn('identity token template could not be rendered', { role: role.name, error: err.message });
    return {};
  }
}

/** Vault marshals the claims map with sorted keys. */
function sortedObject(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
