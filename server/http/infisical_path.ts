/**
 * The frame of the Infisical-shaped endpoints (machine login, SSO configuration), beside the
 * Vault one (vault_path.ts). A route declares its method, pattern, how much body it reads, and,
 * for admin routes, the ACL path and capability the caller's token must allow; the frame runs the
 * steps in Infisical's order (path parameters, then authorisation, then the body), answers 200
 * JSON that is never cached (answers carry tokens and configuration), and renders every failure
 * in Infisical's error shape.
 *
 *   const read: InfisicalPath = {
 *     method: 'get',
 *     pattern: '/api/v1/auth/oidc-auth/identities/:identityId',
 *     acl: { path: ({ identityId }) => `auth/oidc-auth/identities/${identityId}`, capability: 'read' },
 *     handle: async ({ params }) => …,
 *   };
 */
import type { Express, Request, Response } from 'express';
import type { AuthContext } from '../auth/context.js';
import type { Capability } from '../policy/index.js';
import type { Services } from '../services.js';
import { decodeBody, readRawBody } from './body.js';
import { authorizeAdmin } from './infisical_auth.js';
import { notFound, sendInfisicalError } from './infisical_errors.js';
import { requestContext, type RequestContext } from './request_context.js';
import { pathnameOf } from './canonical_path.js';
import { addLeanRoute } from './lean_lane.js';

/** Infisical's body limit (Fastify's default), for the endpoints anyone can call. */
export const PUBLIC_BODY_LIMIT = 1024 * 1024;

export type Params = Readonly<Record<string, string>>;

export interface InfisicalCall {
  readonly http: Request;
  readonly ctx: RequestContext;
  readonly params: Params;
  /** The decoded body; empty for routes that read none. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The caller, on admin routes (after the ACL allowed the call). */
  readonly auth: AuthContext | undefined;
}

export interface InfisicalPath {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** Express pattern, e.g. `/api/v1/auth/oidc-auth/identities/:identityId`. */
  readonly pattern: string;
  /**
   * Admin routes: the ACL path for the call's parameters (which may throw, e.g. 404 for a
   * parameter that cannot name anything) and the capability the token must have.
   */
  readonly acl?: { readonly path: (params: Params, call: Pick<InfisicalCall, 'http'>) => string; readonly capability: Capability };
  /** `admin`: up to --max-request-size; `public`: Infisical's 1 MiB; absent: no body is read. */
  readonly body?: 'admin' | 'public';
  readonly handle: (call: InfisicalCall) => Promise<unknown>;
  /** A hot route, served on the lean lane (lean_lane.ts) as well as by Express. */
  readonly lean?: true;
}

export function infisicalPathRoutes(app: Express, services: Services, paths: readonly InfisicalPath[]): void {
  for (const path of paths) {
    const handle = (req: Request, res: Response): void => {
      const ctx = requestContext(req);
      run(path, services, req, ctx).then(
        (body) => sendJson(res, body),
        (err: unknown) => sendInfisicalError(res, err, ctx),
      );
    };
    app[path.method](path.pattern, handle);
    if (path.lean === true) addLeanRoute(app, { method: path.method.toUpperCase(), pattern: path.pattern, handle });
  }
}

async function run(path: InfisicalPath, services: Services, req: Request, ctx: RequestContext): Promise<unknown> {
  const params = req.params as Params;
  const auth = path.acl === undefined ? undefined : await authorizeAdmin(services, req, ctx, path.acl.path(params, { http: req }), path.acl.capability);
  const limit = path.body === 'admin' ? services.config.maxRequestBytes : PUBLIC_BODY_LIMIT;
  const body = path.body === undefined ? {} : decodeBody(await readRawBody(req, limit), req.headers['content-type']);
  return path.handle({ http: req, ctx, params, body, auth });
}

function sendJson(res: Response, body: unknown): void {
  // Written directly: Express's send() adds nothing these answers need (no ETag, no 304).
  const text = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

/** Fastify's answer for a route that does not exist, in Infisical's error shape. */
export function routeNotFound(req: Request, res: Response): void {
  const path = pathnameOf(req.originalUrl);
  sendInfisicalError(res, notFound(`Route ${req.method}:${path} not found`), requestContext(req));
}
