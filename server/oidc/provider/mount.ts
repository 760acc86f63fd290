/**
 * The protocol side of every named provider, at `/v1/identity/oidc/provider/:name/…`:
 *
 *   .well-known/openid-configuration, .well-known/keys   served here from storage
 *   interaction/:uid…                                     the sign-in and consent pages
 *   authorize, token, userinfo, revoke, introspect, logout   node-oidc-provider (one instance per provider)
 *
 * The provider's own admin path (`…/provider/:name` itself) and anything that is not a valid
 * provider name fall through to the admin API mounted after this. Nothing parses bodies before
 * the library, which reads them itself; only the interaction forms have a parser of their own.
 * An unknown provider answers 404: Vault's `{"errors":[]}` for discovery and keys, a page for
 * the browser endpoints, an OAuth error for the others.
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { addLeanRoute } from '../../http/lean_lane.js';
import type { Services } from '../../services.js';
import { parseCidr, type Cidr } from '../../util/cidr.js';
import { providerJwks } from '../admin/provider_jwks.js';
import { cliLoginRoutes } from './cli_login.js';
import { DISCOVERY_CACHE_CONTROL, discoveryDocument } from './discovery.js';
import { dropUntrustedForwardedHeaders } from './forwarded_headers.js';
import { providerGrantTypes } from './provider_grants.js';
import { CsrfTokens } from './interactions/csrf.js';
import { passwordLogin } from './interactions/password_login.js';
import { interactionRoutes } from './interactions/routes.js';
import { passkeySignInRoutes } from './interactions/passkey_signin.js';
import { secondFactor, type SecondFactor } from './interactions/second_factor.js';
import { sendPage } from './pages.js';
import { securityPageRoutes } from './security_page.js';
import { ProviderRegistry } from './registry.js';
import { prepareStructuredToken } from './structured_token_param.js';
import { requestInstance, setRequestInstance } from './request_instance.js';
import { errorPage } from './views/messages.js';

export const PROVIDER_MOUNT = '/v1/identity/oidc/provider/:name';

/** Vault's GenericNameRegex: other names are not providers (the admin API answers them). */
const PROVIDER_NAME = /^\w(?:[\w.-]*\w)?$/;
/** Endpoints a person's browser opens: an unknown provider gets a page there. */
const BROWSER_PATH = /^\/(?:(?:authorize|logout|interaction|security)(?:\/|$)|device$)/;
/** Paths served here rather than by the library: discovery, keys, the interaction and security pages, the CLI exchange. */
const OWN_PATH = /^\/(?:\.well-known|interaction|cli)\/|^\/security(?:\/|$)/;
/** Endpoints that verify id_token_hint values with the instance's keystore. */
const HINT_PATH = /^\/(?:authorize|logout)$/;

/**
 * Another way to sign in on the sign-in page (upstream SSO, plugged in by features.ts): the
 * button to show, if any, and the routes under `interaction/:uid/` that serve it.
 */
export interface SignInExtension {
  readonly option: (services: Services) => Promise<{ readonly label: string } | undefined>;
  readonly routes: (deps: { readonly services: Services; readonly csrf: () => Promise<CsrfTokens>; readonly secondFactor: SecondFactor }) => Router;
}

export function oidcProviderRoutes(app: Express, services: Services, extensions: { readonly signIn?: SignInExtension } = {}): void {
  const { signIn } = extensions;
  const registry = new ProviderRegistry(services);
  const trusted = services.config.trustedProxies.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  let csrf: Promise<CsrfTokens> | undefined;
  const csrfTokens = (): Promise<CsrfTokens> => {
    csrf ??= registry.cookieKeys().then(([first]) => new CsrfTokens(first as string));
    return csrf;
  };

  const router = express.Router({ caseSensitive: true, strict: true });
  router.get('/.well-known/openid-configuration', async (_req, res) => {
    const instance = requestInstance(res);
    const grantTypes = await providerGrantTypes(services, instance.snapshot);
    res.set('Cache-Control', DISCOVERY_CACHE_CONTROL).json(discoveryDocument(instance.snapshot, services.log, grantTypes));
  });
  router.get('/.well-known/keys', async (_req, res) => {
    const jwks = (await providerJwks(services, requestInstance(res).name)) ?? { keys: [] };
    res.set('Cache-Control', 'no-store').json(jwks);
  });
  const mfa = secondFactor({ services, csrf: csrfTokens });
  router.use(
    interactionRoutes({
      services,
      csrf: csrfTokens,
      passwordLogin: passwordLogin(services),
      ...(signIn === undefined ? {} : { ssoOption: () => signIn.option(services) }),
      secondFactor: mfa,
      passkeys: true,
    }),
  );
  // Upstream SSO's button and return path, under the interaction (server/sso/routes/interaction.ts).
  if (signIn !== undefined) router.use(signIn.routes({ services, csrf: csrfTokens, secondFactor: mfa }));
  // The verification-code step after either first factor (interactions/second_factor.ts).
  router.use(mfa.routes);
  // "Use a passkey" (interactions/passkey_signin.ts).
  router.use(passkeySignInRoutes({ services, csrf: csrfTokens }));
  // The person's Security page: their passkeys (security_page.ts).
  router.use(securityPageRoutes({ services, csrf: csrfTokens }));
  // `lanyard login -method=oidc headless=true` (cli_login.ts).
  router.use(cliLoginRoutes(services));
  router.use((req: Request, res: Response) => requestInstance(res).handle(req, res));

  const protocol = (req: Request, res: Response, next: NextFunction): void => {
    const name = req.params.name as string;
    // `…/provider/:name` itself is the admin resource.
    if (req.path === '/' || !PROVIDER_NAME.test(name)) return next();
    dropUntrustedForwardedHeaders(req, trusted);
    registry.resolve(name, { verifiesHints: HINT_PATH.test(req.path) }).then((instance) => {
      if (instance === undefined) return unknownProvider(req, res);
      setRequestInstance(res, instance);
      // The protocol endpoints go straight to the library; only Lanyard's own pages need routing.
      if (OWN_PATH.test(req.path)) return router(req, res, next);
      return prepareStructuredToken(req, res).then((proceed) => {
        if (proceed) instance.handle(req, res);
      });
    }).catch(next);
  };
  app.use(PROVIDER_MOUNT, protocol);
  // Every refresh and code exchange comes here (http/lean_lane.ts).
  addLeanRoute(app, { method: 'POST', pattern: `${PROVIDER_MOUNT}/token`, handle: protocol });
}

function unknownProvider(req: Request, res: Response): void {
  if (req.path.startsWith('/.well-known/')) {
    res.status(404).set('Cache-Control', 'no-store').json({ errors: [] });
  } else if (BROWSER_PATH.test(req.path)) {
    sendPage(res, 404, errorPage({ title: 'Unknown sign-in service', message: 'There is no sign-in service at this address.', code: 'provider_not_found' }));
  } else {
    res.status(404).set('Cache-Control', 'no-store').json({ error: 'invalid_request', error_description: 'provider not found' });
  }
}
