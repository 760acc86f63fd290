/**
 * Audit of the Vault-shaped admin API, called by the request framework (http/vault_path.ts):
 * a request entry once the request is authorised and before its handler runs, a response entry
 * after it, and both (with the error) for a refused or failed request. The path in every entry is
 * the request's canonical logical path, the one the ACL checked.
 */
import type { Request } from 'express';
import { toLanyardError } from '../errors.js';
import type { FieldSchema } from '../http/fields.js';
import { requestContext } from '../http/request_context.js';
import type { RawResult, VaultPathAudit, VaultRequest, VaultResult } from '../http/vault_path.js';
import { tokenFromHeaders } from '../auth/authenticator.js';
import type { AuthContext } from '../auth/context.js';
import type { AuditBroker } from './broker.js';
import { secret, type AuditAuth, type AuditRequest } from './entry.js';
import { noteOutcome } from './outcome.js';
import { pathnameOf } from '../http/canonical_path.js';

interface Progress {
  readonly request: VaultRequest<FieldSchema>;
  mountType: string;
  requestLogged: boolean;
  responseLogged: boolean;
  /** The sections of the request entry, reused by the response entry (rendered once per device). */
  sections?: { readonly request: AuditRequest; readonly auth: AuditAuth | undefined };
}

/** Requests the framework handles; the generic HTTP audit (http_audit.ts) leaves these alone. */
export const vaultAudited = new WeakSet<Request>();

export function vaultPathAudit(broker: AuditBroker): VaultPathAudit {
  const progress = new WeakMap<Request, Progress>();

  return {
    seen(request, mountType) {
      vaultAudited.add(request.http);
      progress.set(request.http, { request, mountType, requestLogged: false, responseLogged: false });
    },
    async request(request) {
      const state = progress.get(request.http);
      if (state) state.requestLogged = true;
      if (!broker.enabled) return;
      const sections = { request: requestOf(request, state?.mountType), auth: authOf(request.auth) };
      if (state) state.sections = sections;
      await broker.log({ type: 'request', time: new Date(), ...sections });
    },
    async response(request, result) {
      const state = progress.get(request.http);
      if (state) state.responseLogged = true;
      if (!broker.enabled) return;
      const sections = state?.sections ?? { request: requestOf(request, state?.mountType), auth: authOf(request.auth) };
      await broker.log({ type: 'response', time: new Date(), ...sections, response: responseOf(result, state?.mountType) });
    },
    async failure(http, err) {
      const error = toLanyardError(err);
      noteOutcome(http, error);
      const state = progress.get(http);
      if (!broker.enabled || state?.responseLogged) return undefined;
      const request = state ? requestOf(state.request, state.mountType) : fallbackRequest(http);
      const auth = state ? authOf(state.request.auth) : undefined;
      const message = error.expose ? error.message : 'internal error';
      const reason = error.reason;
      try {
        if (!state?.requestLogged) await broker.log({ type: 'request', time: new Date(), auth, request, error: message, ...(reason ? { reason } : {}) });
        await broker.log({ type: 'response', time: new Date(), auth, request, response: {}, error: message, ...(reason ? { reason } : {}) });
        return undefined;
      } catch (auditError) {
        return auditError;
      }
    },
  };
}

function requestOf(request: VaultRequest<FieldSchema>, mountType: string | undefined): AuditRequest {
  return {
    id: request.requestId,
    operation: request.operation,
    ...(mountType ? { mount_type: mountType } : {}),
    path: request.path,
    remote_address: request.clientIp,
    client_token: secret(tokenFromHeaders(request.http.headers)),
    client_token_accessor: secret(request.auth?.token.accessor),
    data: secret(request.data),
  };
}

/** A request refused before the framework built it (unsupported operation, bad name segment). */
function fallbackRequest(http: Request): AuditRequest {
  const ctx = requestContext(http);
  const pathname = pathnameOf(http.originalUrl);
  return {
    id: ctx.requestId,
    operation: http.method.toLowerCase(),
    path: pathname.replace(/^\/v1\//, ''),
    remote_address: ctx.clientIp,
    client_token: secret(tokenFromHeaders(http.headers)),
  };
}

function authOf(auth: AuthContext | undefined): AuditAuth | undefined {
  if (!auth) return undefined;
  const token = auth.token;
  return {
    accessor: secret(token.accessor),
    display_name: token.display_name,
    policies: [...token.policies, ...auth.identityPolicies],
    token_policies: token.policies,
    identity_policies: auth.identityPolicies,
    metadata: secret(token.meta),
    entity_id: token.entity_id,
    token_type: 'service',
  };
}

function responseOf(result: VaultResult | RawResult | undefined | void, mountType: string | undefined): Record<string, unknown> {
  const base = mountType ? { mount_type: mountType } : {};
  if (!result) return base;
  if ('raw' in result) return { ...base, status: result.status, data: secret(result.body) };
  const auth = result.auth;
  return {
    ...base,
    ...(auth
      ? {
          auth: {
            client_token: secret(auth.client_token),
            accessor: secret(auth.accessor),
            policies: auth.policies,
            token_policies: auth.token_policies,
            identity_policies: 'identity_policies' in auth ? auth.identity_policies : null,
            ...('mfa_requirement' in auth && auth.mfa_requirement ? { mfa_requirement: { ...auth.mfa_requirement, mfa_request_id: secret(auth.mfa_requirement.mfa_request_id) } } : {}),
            metadata: secret(auth.metadata),
            entity_id: auth.entity_id,
            token_type: auth.token_type,
            token_ttl: auth.lease_duration,
          },
        }
      : {}),
    data: secret(result.data),
  };
}
