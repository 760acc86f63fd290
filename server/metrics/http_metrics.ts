/**
 * Per-request metrics: count and duration by route template and status, and login outcomes by
 * method and reason. The route is the template that answered (`/v1/identity/oidc/key/:name`),
 * never the raw path, so the label set stays bounded whatever callers send.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { outcomeOf } from '../audit/outcome.js';
import { pathnameOf } from '../http/canonical_path.js';
import type { Metrics } from './metrics.js';

const PROVIDER = /^\/v1\/identity\/oidc\/provider\/[^/]+(\/.*)$/;

/** Logins by the route that serves them, and how success looks there. */
const LOGIN_ROUTES: ReadonlyArray<{ route: string; method: string; succeeded: (status: number) => boolean }> = [
  { route: '/v1/auth/userpass/login/:username', method: 'userpass', succeeded: (s) => s === 200 },
  { route: '/api/v1/auth/oidc-auth/login', method: 'oidc-auth', succeeded: (s) => s === 200 },
  { route: '/api/v1/sso/oidc/callback', method: 'sso', succeeded: (s) => s >= 300 && s < 400 },
  { route: '/v1/identity/oidc/provider/:name/interaction/:uid/login', method: 'oidc-provider-page', succeeded: (s) => s >= 300 && s < 400 },
];

export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = routeTemplate(req, res.statusCode);
      const status = String(res.statusCode);
      metrics.httpDurationFor(route, req.method, status).observe((performance.now() - started) / 1000);
      metrics.httpRequestsFor(route, req.method, status).inc();
      const login = LOGIN_ROUTES.find((candidate) => candidate.route === route);
      // A login is a form or API post; the SSO callback is the browser's GET back from the IdP.
      if (login && (login.method === 'sso' || req.method === 'POST' || req.method === 'PUT')) {
        const ok = login.succeeded(res.statusCode);
        const outcome = outcomeOf(req);
        metrics.logins.inc({ method: login.method, outcome: ok ? 'success' : 'failure', reason: ok ? '' : (outcome?.reason ?? outcome?.code ?? `status_${res.statusCode}`) });
      }
    });
    next();
  };
}

export function routeTemplate(req: Request, status: number): string {
  // req.path is relative to the router that answered; the original URL is not.
  const provider = PROVIDER.exec(pathnameOf(req.originalUrl));
  if (provider && req.route === undefined) {
    // The protocol endpoints live in the library; only their fixed paths answer with other than 404.
    if (status === 404) return '/v1/identity/oidc/provider/:name/unmatched';
    const rest = (provider[1] as string).replace(/^\/interaction\/[^/]+/, '/interaction/:uid');
    return `/v1/identity/oidc/provider/:name${rest}`;
  }
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') {
    // Under a provider the base URL holds the provider's name; the route's own path does not.
    if (provider && !route.path.startsWith('/v1/')) return `/v1/identity/oidc/provider/:name${route.path}`;
    return `${req.baseUrl ?? ''}${route.path}`;
  }
  return 'unmatched';
}
