/**
 * Audit of the endpoints outside the Vault request framework: the Infisical-shaped API
 * (`/api/v1/...`: machine login, token renew and revoke, SSO) and the OIDC protocol endpoints
 * (`/v1/identity/oidc/provider/:name/...`: authorize, token, userinfo, revocation, login pages).
 *
 * A request entry is written before the request goes on (so with no device able to write, nothing
 * happens and the caller gets 503), and a response entry when the answer is about to be sent,
 * holding the request's data, the status, the JSON body and any redirect target, all HMAC'd, plus
 * what the OIDC provider reported for the request (provider_events.ts) and the refusal's reason
 * code. If that entry cannot be written, the answer is replaced by a 503 (or the connection cut
 * when its headers are already out), so nothing is handed out unaudited.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { tokenFromHeaders } from '../auth/authenticator.js';
import { decodeBody } from '../http/body.js';
import { rawBodyOf } from '../http/raw_body_memo.js';
import { requestContext } from '../http/request_context.js';
import type { AuditBroker } from './broker.js';
import { secret, type AuditRequest } from './entry.js';
import { outcomeOf } from './outcome.js';
import { providerNoteOf, providerParamsOf } from './provider_events.js';
import { vaultAudited } from './vault_hook.js';

const PROVIDER_PREFIX = '/v1/identity/oidc/provider/';

/** Whether the generic audit covers a path; the admin API under `/v1` is audited by its framework. */
export function auditedHttpPath(path: string): boolean {
  // `/v1/identity/oidc/provider/:name` itself is the admin API; the protocol lives below it.
  return path.startsWith('/api/') || (path.startsWith(PROVIDER_PREFIX) && path.indexOf('/', PROVIDER_PREFIX.length) !== -1);
}

export function httpAudit(broker: AuditBroker): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!broker.enabled || !auditedHttpPath(req.path)) return next();
    const request = baseRequest(req);
    broker.log({ type: 'request', time: new Date(), request }).then(
      () => {
        interceptEnd(req, res, broker, request);
        next();
      },
      () => refuse(req, res, req.path.startsWith('/api/')),
    );
  };
}

type End = (...args: unknown[]) => ServerResponse;

function interceptEnd(req: Request, res: Response, broker: AuditBroker, request: AuditRequest): void {
  const end = res.end.bind(res) as End;
  let intercepted = false;
  res.end = ((...args: unknown[]) => {
    if (intercepted || vaultAudited.has(req)) return end(...args);
    intercepted = true;
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const outcome = outcomeOf(req);
    const provider = providerNoteOf(req);
    const location = res.getHeader('location');
    broker
      .log({
        type: 'response',
        time: new Date(),
        request: { ...request, data: secret(requestData(req)) },
        response: { status: res.statusCode, data: secret(jsonBody(res, chunk)), redirect: secret(typeof location === 'string' ? location : undefined) },
        ...(provider ? { oidc: provider } : {}),
        ...(outcome ? { error: outcome.message, ...(outcome.reason ? { reason: outcome.reason } : {}) } : {}),
        ...(provider?.error ? { error: provider.error } : {}),
      })
      .then(
        () => end(...args),
        () => {
          if (res.headersSent) {
            res.destroy();
            return;
          }
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          refuse(req, res, request.path.startsWith('api/'), end);
        },
      );
    return res;
  }) as Response['end'];
}

function baseRequest(req: Request): AuditRequest {
  const ctx = requestContext(req);
  return {
    id: ctx.requestId,
    operation: operationOf(req.method),
    path: req.path.replace(/^\/v1\//, '').replace(/^\//, ''),
    remote_address: ctx.clientIp,
    client_token: secret(tokenFromHeaders(req.headers)),
  };
}

/** Vault's operation names for plain HTTP methods. */
function operationOf(method: string): string {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'update';
}

/** What the caller sent: the query and the body the handler read (raw or form-parsed). */
function requestData(req: Request): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  const query = req.originalUrl.indexOf('?');
  if (query !== -1) for (const [key, value] of new URLSearchParams(req.originalUrl.slice(query + 1))) data[key] = value;
  const raw = rawBodyOf(req);
  if (raw !== undefined) {
    try {
      Object.assign(data, decodeBody(raw, req.headers['content-type']));
    } catch {
      data.body = raw.toString('utf8');
    }
  } else if (req.body !== null && typeof req.body === 'object') Object.assign(data, req.body as object);
  else Object.assign(data, providerParamsOf(req));
  return Object.keys(data).length > 0 ? data : undefined;
}

function jsonBody(res: Response, chunk: unknown): unknown {
  const type = String(res.getHeader('content-type') ?? '');
  if (!type.includes('json') || chunk === undefined || chunk === null) return undefined;
  try {
    return JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
  } catch {
    return undefined;
  }
}

/** 503 in the shape the path's clients read: Infisical's, OAuth's, or Vault's. */
function refuse(req: Request, res: Response, infisical: boolean, end?: End): void {
  const ctx = requestContext(req);
  ctx.log.error('request refused: no audit device could record it');
  const body = infisical
    ? { reqId: ctx.requestId, statusCode: 503, message: 'audit logging failed', error: 'ServiceUnavailable' }
    : { error: 'temporarily_unavailable', error_description: 'audit logging failed' };
  const text = JSON.stringify(body);
  res.statusCode = 503;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Request-Id', ctx.requestId);
  if (end) end(text);
  else res.end(text);
}
