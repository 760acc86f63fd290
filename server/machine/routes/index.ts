/**
 * Machine login, Infisical's OIDC auth API on Lanyard (see docs/machine-login.md):
 *
 *   POST|PATCH|GET|DELETE /api/v1/auth/oidc-auth/identities/:identityId   configuration (admin)
 *   POST /api/v1/auth/oidc-auth/identities/:identityId/explain            dry run (admin)
 *   POST /api/v1/auth/oidc-auth/login                                      workload JWT → token
 *   POST /api/v1/auth/token/renew | revoke                                 machine tokens
 *
 * Register `machineLoginRoutes` in `AppFeatures.routers`.
 */
import type { Express } from 'express';
import { infisicalPathRoutes, routeNotFound } from '../../http/infisical_path.js';
import type { Services } from '../../services.js';
import { createMachineAuth } from '../machine_auth.js';
import { attachPath } from './attach.js';
import { explainPath } from './explain.js';
import { loginPath } from './login.js';
import { readPath } from './read.js';
import { revokePath } from './revoke.js';
import { tokenRenewPath } from './token_renew.js';
import { tokenRevokePath } from './token_revoke.js';
import { updatePath } from './update.js';

export function machineLoginRoutes(app: Express, services: Services): void {
  const machine = createMachineAuth(services);
  infisicalPathRoutes(
    app,
    services,
    [loginPath, attachPath, updatePath, readPath, revokePath, explainPath, tokenRenewPath, tokenRevokePath].map((path) => path(machine)),
  );
  // Anything else under these prefixes answers in Infisical's shape rather than Express's HTML.
  app.use('/api/v1/auth/oidc-auth', routeNotFound);
  app.use('/api/v1/auth/token', routeNotFound);
}
