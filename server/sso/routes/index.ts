/**
 * Human sign-in through an upstream OIDC IdP (Okta, Entra ID, Google, Keycloak, another Lanyard),
 * configured with Infisical's SSO OIDC API (see docs/sso.md):
 *
 *   POST|PATCH|GET /api/v1/sso/oidc/config      configuration (admin)
 *   GET  /api/v1/sso/oidc/callback               where the IdP sends the browser back
 *   POST /api/v1/sso/oidc/cli/start | cli/login  `lanyard login -method=oidc`
 *
 * The sign-in page of a provider starts a sign-in with `beginUpstreamLogin` (../begin.ts) and
 * finishes it with `completeUpstreamLogin` (../complete.ts). Register `ssoRoutes` in
 * `AppFeatures.routers`.
 */
import type { Express } from 'express';
import { infisicalPathRoutes, routeNotFound } from '../../http/infisical_path.js';
import type { Services } from '../../services.js';
import { ssoCallbackRoutes } from './callback.js';
import { cliPaths } from './cli.js';
import { ssoContext } from '../context.js';
import { configPaths } from './config.js';

export function ssoRoutes(app: Express, services: Services): void {
  const sso = ssoContext(services);
  infisicalPathRoutes(app, services, [...configPaths(sso), ...cliPaths(sso)]);
  ssoCallbackRoutes(app, sso);
  app.use('/api/v1/sso', routeNotFound);
}
