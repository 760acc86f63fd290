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
import type { Services } from '../services.js';
import { routeNotFound } from './infisical_route.js';
import { createMachineAuth } from './machine_auth.js';
import { mountAttach } from './routes/attach.js';
import { mountExplain } from './routes/explain.js';
import { mountLogin } from './routes/login.js';
import { mountRead } from './routes/read.js';
import { mountRevoke } from './routes/revoke.js';
import { mountTokenRenew } from './routes/token_renew.js';
import { mountTokenRevoke } from './routes/token_revoke.js';
import { mountUpdate } from './routes/update.js';

export function machineLoginRoutes(app: Express, services: Services): void {
  const machine = createMachineAuth(services);
  mountLogin(app, machine);
  mountAttach(app, machine);
  mountUpdate(app, machine);
  mountRead(app, machine);
  mountRevoke(app, machine);
  mountExplain(app, machine);
  mountTokenRenew(app, machine);
  mountTokenRevoke(app, machine);
  // Anything else under these prefixes answers in Infisical's shape rather than Express's HTML.
  app.use('/api/v1/auth/oidc-auth', routeNotFound);
  app.use('/api/v1/auth/token', routeNotFound);
}
