/** Everything a full Lanyard server serves beyond the core (policies, tokens, sys). */
import type { Express } from 'express';
import type { AppFeatures } from './app.js';
import { lazyRoutes } from './http/lazy_routes.js';
import { identityPaths } from './identity/routes/index.js';
import { assignmentPaths } from './oidc/admin/routes/assignments.js';
import { clientPaths } from './oidc/admin/routes/clients.js';
import { oidcConfigPaths } from './oidc/admin/routes/config.js';
import { identityTokenPaths } from './oidc/admin/routes/identity_token.js';
import { introspectPaths } from './oidc/admin/routes/introspect.js';
import { keyPaths } from './oidc/admin/routes/keys.js';
import { machineLoginRoutes } from './machine/routes/index.js';
import { providerPaths } from './oidc/admin/routes/providers.js';
import { rolePaths } from './oidc/admin/routes/roles.js';
import { scopePaths } from './oidc/admin/routes/scopes.js';
import { wellKnownPaths } from './oidc/admin/routes/well_known.js';
import type { Services } from './services.js';
import { userpassPaths } from './userpass/routes/index.js';
import { vaultStatusPaths } from './sys/routes/vault_status.js';
import { databaseStatusPaths } from './cluster/routes/database_status.js';
import { mfaPaths } from './mfa/routes/index.js';

export const features: AppFeatures = {
  vaultPaths: [
    identityPaths,
    userpassPaths,
    keyPaths,
    scopePaths,
    assignmentPaths,
    clientPaths,
    providerPaths,
    rolePaths,
    identityTokenPaths,
    introspectPaths,
    oidcConfigPaths,
    wellKnownPaths,
    vaultStatusPaths,
    databaseStatusPaths,
    mfaPaths,
  ],
  routers: [
    // node-oidc-provider and openid-client load on the first request that needs them.
    lazyRoutes(['/v1/identity/oidc/provider'], async () => {
      // One after the other: both load oidc-provider, and Jest's ESM loader fails on two
      // concurrent first imports of one module ("request … is not in cache").
      const { oidcProviderRoutes } = await import('./oidc/provider/mount.js');
      const sso = await import('./sso/routes/interaction.js');
      // Upstream SSO plugs its button and return path into the providers' sign-in page.
      const signIn = { option: sso.ssoSignInOption, routes: sso.ssoInteractionRoutes };
      return (app: Express, services: Services) => oidcProviderRoutes(app, services, { signIn });
    }),
    machineLoginRoutes,
    lazyRoutes(['/api/v1/sso'], async () => (await import('./sso/routes/index.js')).ssoRoutes),
  ],
};
