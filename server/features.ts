/** Everything a full Lanyard server serves beyond the core (policies, tokens, sys). */
import type { AppFeatures } from './app.js';
import { lazyRoutes } from './http/lazy_routes.js';
import { identityPaths } from './identity/routes/index.js';
import { assignmentPaths } from './oidc/admin/assignments.js';
import { clientPaths } from './oidc/admin/clients.js';
import { oidcConfigPaths } from './oidc/admin/config.js';
import { identityTokenPaths } from './oidc/admin/identity_token.js';
import { introspectPaths } from './oidc/admin/introspect.js';
import { keyPaths } from './oidc/admin/keys.js';
import { machineLoginRoutes } from './machine/index.js';
import { providerPaths } from './oidc/admin/providers.js';
import { rolePaths } from './oidc/admin/roles.js';
import { scopePaths } from './oidc/admin/scopes.js';
import { wellKnownPaths } from './oidc/admin/well_known.js';
import { userpassPaths } from './userpass/index.js';
import { mfaPaths } from './mfa/index.js';

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
    mfaPaths,
  ],
  routers: [
    // node-oidc-provider and openid-client load on the first request that needs them.
    lazyRoutes(['/v1/identity/oidc/provider'], async () => (await import('./oidc/provider/mount.js')).mountOidcProviders),
    machineLoginRoutes,
    lazyRoutes(['/api/v1/sso'], async () => (await import('./sso/index.js')).ssoRoutes),
  ],
};
