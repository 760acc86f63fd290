/**
 * Accounts and claims: an account is an identity entity (sub = entity ID), and its claims are the
 * provider's scope templates rendered for the entity, merged by Vault's rules (claims.ts): two
 * scopes setting the same top-level claim fail the request with invalid_request.
 *
 * The library keeps only the claims its `claims` configuration lists for the granted scopes, so the
 * configuration maps every scope to the top-level keys of its template (rendered once for an empty
 * entity, as Vault validates templates). A template whose keys depend on the entity (a bare
 * `{{identity.entity.metadata}}`) has no keys then, and contributes nothing.
 *
 * findAccount runs at the authorization endpoint (no token: only build the account; the decision
 * belongs to loadExistingGrant, and returning nothing here would crash the library's consent
 * prompt) and again whenever a code, refresh token or access token is used. Then the entity must
 * still exist, be enabled and be assigned to the client, and when tokens are being issued the
 * client's key must allow the client (Vault answers invalid_client) and the claims must merge.
 */
import { errors, type Account, type AccountClaims, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';
import { keyAllowsClient } from '../../../keys/named_key.js';
import { LanyardError } from '../../errors.js';
import type { EntityRecord } from '../../identity/types.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { mergeScopeClaims, type ScopeClaims } from '../claims.js';
import { templateEntityOf } from '../entity_view.js';
import { EMPTY_TEMPLATE_ENTITY, TemplateError, renderTemplate, type TemplateEntity } from '../template.js';
import type { ScopeRecord } from '../types.js';
import { entityIsAssigned } from './assignments.js';
import type { ClientDirectory } from './clients.js';
import type { ProviderSnapshot } from './snapshot.js';

/** Token kinds whose use issues new tokens (the token endpoint); an access token only reads. */
const ISSUING = new Set(['AuthorizationCode', 'RefreshToken']);

export const NOT_ASSIGNED = 'identity entity not authorized by client assignment';

/** `{scope: [claim names]}` for the library's `claims` configuration. */
export function claimsConfiguration(scopes: readonly ScopeRecord[], log: Logger): Record<string, string[]> {
  // `acr` and `amr` (how the person signed in, server/oidc/provider/interactions/second_factor.ts)
  // come with `openid`: in the ID token whenever the sign-in recorded them.
  const config: Record<string, string[]> = { openid: ['sub', 'acr', 'amr'] };
  for (const scope of scopes) config[scope.name] = templateClaimNames(scope, log);
  return config;
}

/** Every claim the provider can return: `sub` and the keys of its scopes' templates. */
export function supportedClaims(scopes: readonly ScopeRecord[], log: Logger): string[] {
  return [...new Set(['sub', ...scopes.flatMap((scope) => templateClaimNames(scope, log))])].sort();
}

function templateClaimNames(scope: ScopeRecord, log: Logger): string[] {
  try {
    return Object.keys(renderTemplate(scope.template, EMPTY_TEMPLATE_ENTITY, Date.now()));
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    log.error('oidc scope template cannot be rendered; the scope adds no claims', { scope: scope.name, error: err.message });
    return [];
  }
}

export interface AccountDependencies {
  readonly services: Pick<Services, 'storage' | 'now'>;
  readonly log: Logger;
  readonly snapshot: ProviderSnapshot;
  readonly clients: ClientDirectory;
}

export function accountFinder(deps: AccountDependencies): FindAccount {
  const { services, snapshot, clients, log } = deps;
  const scopesByName = new Map(snapshot.scopes.map((scope) => [scope.name, scope]));

  return async (ctx: KoaContextWithOIDC, sub: string, token?: { kind: string; clientId?: string | undefined; scope?: string | undefined }) => {
    const entity = await services.storage.get<EntityRecord>('entity', sub);
    const account = entityAccount(sub, entity, { services, scopes: scopesByName, log });
    if (token === undefined) return account;

    const clientId = token.clientId ?? ctx.oidc.client?.clientId;
    const client = clientId === undefined ? undefined : (clients.known(clientId) ?? (await clients.lookup(clientId)));
    const issuing = ISSUING.has(token.kind);
    if (entity === undefined || client === undefined || !(await entityIsAssigned(services.storage, log, client.record, entity))) {
      const detail = entity === undefined ? 'identity entity associated with the request not found' : NOT_ASSIGNED;
      // A code or refresh token that no longer authorises anything is an invalid grant; an
      // access token that does not is an invalid token (undefined makes the library say so).
      if (issuing) throw new errors.InvalidGrant(detail);
      return undefined;
    }
    if (issuing) {
      if (!keyAllowsClient(client.key.params, client.record.client_id)) throw new errors.InvalidClientAuth('client is not authorized to use the key');
      // Render now: a scope conflict must refuse the request before any token is stored.
      await account.claims('id_token', token.scope ?? '', {}, []);
    }
    return account;
  };
}

interface AccountContext {
  readonly services: Pick<Services, 'storage' | 'now'>;
  readonly scopes: ReadonlyMap<string, ScopeRecord>;
  readonly log: Logger;
}

/** The account of an entity (undefined when it no longer exists: no claims beyond `sub`). */
function entityAccount(accountId: string, entity: EntityRecord | undefined, context: AccountContext): Account {
  let templateEntity: Promise<TemplateEntity> | undefined;
  // Rendered once per scope string, even when checked before the tokens are issued.
  const rendered = new Map<string, Promise<Record<string, unknown>>>();

  const render = async (scope: string): Promise<Record<string, unknown>> => {
    const { scopes, services, log } = context;
    const requested = [...new Set(scope.split(' '))]
      .map((name) => scopes.get(name))
      .filter((record): record is ScopeRecord => record !== undefined && record.template !== '');
    if (entity === undefined || requested.length === 0) return {};
    templateEntity ??= templateEntityOf(services.storage, entity);
    const view = await templateEntity;
    const now = services.now();
    const claims: ScopeClaims[] = [];
    for (const record of requested) {
      try {
        claims.push({ scope: record.name, claims: renderTemplate(record.template, view, now) });
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        // Vault logs a template that fails for this entity and leaves the scope out.
        log.warn('oidc scope template failed for an entity', { scope: record.name, entity_id: entity.id, error: err.message });
      }
    }
    try {
      return mergeScopeClaims(claims);
    } catch (err) {
      if (err instanceof LanyardError && err.code === 'invalid_request') throw new errors.InvalidRequest(err.message);
      throw err;
    }
  };

  return {
    accountId,
    async claims(_use: string, scope: string): Promise<AccountClaims> {
      let claims = rendered.get(scope);
      if (claims === undefined) {
        claims = render(scope);
        rendered.set(scope, claims);
      }
      return { ...(await claims), sub: accountId };
    },
  };
}
