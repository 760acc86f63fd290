/**
 * The Express application: request context first, then the unauthenticated system endpoints,
 * then the Vault-shaped admin API under `/v1` and the Infisical-shaped API under `/api/v1`.
 * Protocol routers (node-oidc-provider) mount before the admin routes and parse their own bodies.
 */
import express, { type Express, type Request, type Response } from 'express';
import { LanyardError } from './errors.js';
import { tokenFromHeaders } from './auth/authenticator.js';
import { canonicalPathGate, pathnameOf } from './http/canonical_path.js';
import { setLeanStages } from './http/lean_lane.js';
import { requestContext, requestContextMiddleware } from './http/request_context.js';
import { vaultPathRoutes, type VaultPath } from './http/vault_path.js';
import { sendVaultError } from './http/vault_response.js';
import { sendInfisicalError } from './http/infisical_errors.js';
import { auditPaths } from './audit/routes/audit.js';
import { httpAudit } from './audit/http_audit.js';
import { vaultPathAudit } from './audit/vault_hook.js';
import { httpMetrics } from './metrics/http_metrics.js';
import { snapshotPaths } from './snapshot/routes/snapshot.js';
import type { Services } from './services.js';
import { healthHandler } from './sys/routes/health.js';
import { initHandler, initStatusHandler } from './sys/routes/init.js';
import { metricsPaths } from './sys/routes/metrics.js';
import { policyPaths } from './sys/routes/policies.js';
import { tokenPaths } from './tokens/routes/token.js';
import { parseCidr, type Cidr } from './util/cidr.js';

/** Extra route sets contributed by features (identity, userpass, OIDC, machine login…). */
export interface AppFeatures {
  readonly vaultPaths?: ReadonlyArray<(services: Services) => VaultPath[]>;
  /** Routers mounted before the admin API, e.g. protocol endpoints and `/api/v1`. */
  readonly routers?: ReadonlyArray<(app: Express, services: Services) => void>;
}

export function createApp(services: Services, features: AppFeatures = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Before any route exists: the router is built with this setting on first use. Paths are
  // matched with their letter case as registered (see http/canonical_path.ts).
  app.set('case sensitive routing', true);
  const trusted = services.config.trustedProxies.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  const pathGate = canonicalPathGate();
  const stages = [
    requestContextMiddleware(services.log, trusted),
    ...(services.metrics ? [httpMetrics(services.metrics)] : []),
    pathGate,
    ...(services.audit ? [httpAudit(services.audit)] : []),
  ];
  app.use(stages);
  // The hottest protocol routes meet the same stages on the lean lane (http/lean_lane.ts); the
  // path gate is not among them because the lane only knows canonical paths.
  setLeanStages(app, { before: stages.filter((stage) => stage !== pathGate), onError: lastResort });

  const health = healthHandler(services);
  app.get('/v1/sys/health', health);
  app.head('/v1/sys/health', health);
  app.get('/v1/sys/init', initStatusHandler(services));
  app.put('/v1/sys/init', initHandler(services));
  app.post('/v1/sys/init', initHandler(services));
  app.get('/healthz/live', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/healthz/ready', health);

  for (const mount of features.routers ?? []) mount(app, services);

  const v1 = express.Router({ caseSensitive: true });
  const paths = [policyPaths, tokenPaths, metricsPaths, ...(features.vaultPaths ?? [])].flatMap((build) => build(services));
  if (services.audit) paths.push(...auditPaths(services.audit));
  paths.push(...snapshotPaths(services));
  vaultPathRoutes(v1, paths, {
    authenticate: (req, ctx) => services.authenticator.authenticate(tokenFromHeaders(req.headers), ctx.clientIp),
    consumeUse: (auth) => services.authenticator.consumeUse(auth),
    maxRequestBytes: services.config.maxRequestBytes,
    ...(services.audit ? { audit: vaultPathAudit(services.audit) } : {}),
  });
  app.use('/v1', v1);
  app.use('/v1', (req: Request, res: Response) => {
    sendVaultError(res, new LanyardError('not_found', 'unsupported path'), requestContext(req));
  });

  // Nothing matched (a path outside every API, or spelled with other letter case).
  app.use((req: Request, res: Response) => {
    sendError(req, res, new LanyardError('not_found', 'unsupported path'));
  });
  app.use(lastResort);
  return app;
}

/** Last resort: anything thrown outside a route's own handling (the path gate, a router bug). */
function lastResort(err: unknown, req: Request, res: Response, _next: express.NextFunction): void {
  sendError(req, res, err);
}

/** Errors raised outside a route set: in the Infisical shape under `/api/`, Vault's elsewhere. */
function sendError(req: Request, res: Response, err: unknown): void {
  const ctx = requestContext(req);
  if (pathnameOf(req.originalUrl).startsWith('/api/')) sendInfisicalError(res, err, ctx);
  else sendVaultError(res, err, ctx);
}
