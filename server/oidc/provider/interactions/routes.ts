/**
 * The sign-in and consent pages of a provider, under `<mount>/interaction/:uid` (where the library
 * scopes its interaction cookie):
 *
 *   GET  …/interaction/:uid           the page the interaction needs: sign-in or consent
 *   POST …/interaction/:uid/login     username + password → signed in, back to the authorization
 *   POST …/interaction/:uid/consent   the requested scopes granted, back to the authorization
 *   POST …/interaction/:uid/abort     cancel/deny: the application receives access_denied
 *
 * Every form carries an anti-forgery token bound to the interaction (csrf.ts). An interaction that
 * expired, was finished, or belongs to another browser gets an explanatory page, never a redirect.
 */
import { StorageUnavailableError } from '../../../../storage/errors.js';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { errors, type Provider } from 'oidc-provider';
import { LanyardError } from '../../../errors.js';
import { requestContext } from '../../../http/request_context.js';
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { issuerPath } from '../configuration.js';
import type { ProviderInstance } from '../instance.js';
import { expiredInteractionPage, sendPage } from '../pages.js';
import { requestInstance } from '../request_instance.js';
import { consentPage, type ConsentScope } from '../views/consent.js';
import { loginPage } from '../views/login.js';
import { errorPage } from '../views/messages.js';
import type { CsrfTokens } from './csrf.js';
import type { PasswordLogin } from './password_login.js';
import { HASHING_BUSY } from '../../../userpass/hashing_queue.js';
import type { SecondFactor } from './second_factor.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface InteractionDependencies {
  readonly services: Pick<Services, 'storage' | 'now'>;
  readonly csrf: () => Promise<CsrfTokens>;
  readonly passwordLogin: PasswordLogin;
  /** Upstream SSO's button for the sign-in page (server/sso), when it is configured and active. */
  readonly ssoOption?: () => Promise<{ readonly label: string } | undefined>;
  /** MFA after the password (second_factor.ts); without it the password alone signs in. */
  readonly secondFactor?: SecondFactor;
  /** Offer "Use a passkey" (passkey_signin.ts serves its routes). */
  readonly passkeys?: boolean;
}

const BUILT_IN_SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  offline_access: 'Keep access while you are away (refresh tokens)',
};

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

export function interactionRoutes(deps: InteractionDependencies): Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  /** The interaction of this request, or an explanatory page when there is none. */
  const interactionOf = async (req: Request, res: Response): Promise<Interaction | undefined> => {
    try {
      const interaction = await requestInstance(res).provider.interactionDetails(req, res);
      if (interaction.uid === req.params.uid) return interaction;
    } catch (err) {
      if (!(err instanceof errors.SessionNotFound)) throw err;
    }
    sendPage(res, 400, expiredInteractionPage());
    return undefined;
  };

  /** The interaction of a form post, checked against the form's anti-forgery token. */
  const postedInteraction = async (req: Request, res: Response): Promise<Interaction | undefined> => {
    const interaction = await interactionOf(req, res);
    if (interaction === undefined) return undefined;
    const csrf = await deps.csrf();
    if (!csrf.verify(requestInstance(res).name, interaction, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from this sign-in page. Go back and submit it again.', code: 'invalid_csrf_token' }));
      return undefined;
    }
    return interaction;
  };

  const clientNameOf = async (res: Response, interaction: Interaction): Promise<string | undefined> => {
    const clientId = String(interaction.params.client_id);
    const client = await requestInstance(res).provider.Client.find(clientId);
    return client === undefined ? undefined : (client.clientName ?? clientId);
  };

  const renderLogin = async (res: Response, interaction: Interaction, status: number, extra: { username?: string; error?: string } = {}) => {
    const clientName = await clientNameOf(res, interaction);
    if (clientName === undefined) return sendPage(res, 400, unknownClientPage());
    const { action, abortAction } = actionsOf(res, interaction);
    const sso = await deps.ssoOption?.();
    const csrf = (await deps.csrf()).issue(requestInstance(res).name, interaction);
    const passkey = deps.passkeys ? { action: `${action}/passkey`, optionsUrl: `${action}/passkey/options`, scriptUrl: `${action}/passkey.js` } : undefined;
    sendPage(
      res,
      status,
      loginPage({ clientName, action: `${action}/login`, abortAction, csrf, ...(sso === undefined ? {} : { sso: { label: sso.label, action: `${action}/sso` } }), ...(passkey ? { passkey } : {}), ...extra }),
      { scripts: passkey !== undefined },
    );
  };

  router.get('/interaction/:uid', async (req, res) => {
    const interaction = await interactionOf(req, res);
    if (interaction === undefined) return;
    if (interaction.prompt.name === 'login') {
      // An application that knows who is signing in passes login_hint: the username is filled in.
      const hint = interaction.params.login_hint;
      return renderLogin(res, interaction, 200, typeof hint === 'string' && hint.length <= 256 ? { username: hint } : {});
    }
    if (interaction.prompt.name !== 'consent') {
      return sendPage(res, 400, errorPage({ title: 'Sign-in could not continue', message: 'This sign-in step is not supported.', code: interaction.prompt.name }));
    }
    const clientName = await clientNameOf(res, interaction);
    if (clientName === undefined) return sendPage(res, 400, unknownClientPage());
    const entity = await deps.services.storage.get<EntityRecord>('entity', String(interaction.session?.accountId));
    const { action, abortAction } = actionsOf(res, interaction);
    sendPage(
      res,
      200,
      consentPage({
        clientName,
        accountName: entity === undefined ? 'an account that no longer exists' : displayNameOf(entity),
        scopes: requestedScopes(requestInstance(res), interaction),
        action: `${action}/consent`,
        abortAction,
        csrf: (await deps.csrf()).issue(requestInstance(res).name, interaction),
      }),
    );
  });

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const interaction = await postedInteraction(req, res);
    if (interaction === undefined) return;
    if (interaction.prompt.name !== 'login') return res.redirect(303, actionsOf(res, interaction).action);
    const body = req.body as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (username.trim() === '' || password === '') {
      return renderLogin(res, interaction, 400, { username, error: 'Enter your username and password.' });
    }
    let entity: EntityRecord;
    try {
      entity = await deps.passwordLogin(username, password, requestContext(req).clientIp);
    } catch (err) {
      if (!(err instanceof LanyardError) || err.status >= 500) throw err;
      requestContext(req).log.info('sign-in page refused a login', { provider: requestInstance(res).name, code: err.code, detail: err.detail });
      for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
      return renderLogin(res, interaction, err.status, { username, error: loginErrorText(err) });
    }
    if (deps.secondFactor) return deps.secondFactor.afterFirstFactor(req, res, interaction, entity, { mountType: 'userpass', amr: ['pwd'] });
    // The server clock (not the library's) is the authority on when the user signed in.
    const login = { accountId: entity.id, ts: Math.floor(deps.services.now() / 1000) };
    await requestInstance(res).provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  });

  router.post('/interaction/:uid/consent', form, async (req, res) => {
    const interaction = await postedInteraction(req, res);
    if (interaction === undefined) return;
    if (interaction.prompt.name !== 'consent') return res.redirect(303, actionsOf(res, interaction).action);
    const { Grant } = requestInstance(res).provider;
    const accountId = String(interaction.session?.accountId);
    const clientId = String(interaction.params.client_id);
    const existing = interaction.grantId === undefined ? undefined : await Grant.find(interaction.grantId);
    const grant = existing ?? new Grant({ accountId, clientId });
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (details.missingOIDCScope !== undefined) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims);
    const grantId = await grant.save();
    await requestInstance(res).provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/interaction/:uid/abort', form, async (req, res) => {
    const interaction = await postedInteraction(req, res);
    if (interaction === undefined) return;
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await requestInstance(res).provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  });

  // A failure inside a page is shown as a page; the details go to the log only. A form the body
  // parser refused (too large, malformed) is the sender's problem, anything else a server error.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendPage(res, status, errorPage({ title: 'Please try again', message: 'This form could not be read. Go back and submit it again.', code: 'invalid_request' }));
    }
    if (err instanceof StorageUnavailableError) {
      return sendPage(res, 503, errorPage({ title: 'Please try again shortly', message: 'Lanyard cannot reach its database right now.', code: 'temporarily_unavailable' }));
    }
    requestContext(req).log.error('sign-in page failed', { error: err instanceof Error ? err.message : String(err) });
    sendPage(res, 500, errorPage({ title: 'Something went wrong', message: 'Lanyard could not complete this step.', code: 'server_error' }));
  });
  return router;
}

/** The interaction page's own URL and its cancel URL, under the provider's mount. */
function actionsOf(res: Response, interaction: Interaction): { action: string; abortAction: string } {
  const action = `${issuerPath(requestInstance(res).snapshot)}/interaction/${interaction.uid}`;
  return { action, abortAction: `${action}/abort` };
}

function requestedScopes(instance: ProviderInstance, interaction: Interaction): ConsentScope[] {
  const requested = String(interaction.params.scope ?? '').split(' ');
  const offered = new Map(instance.snapshot.scopes.map((scope) => [scope.name, scope]));
  const scopes: ConsentScope[] = [];
  for (const name of new Set(requested)) {
    const builtIn = BUILT_IN_SCOPE_TEXT[name];
    const scope = offered.get(name);
    if (builtIn !== undefined) scopes.push({ name, description: builtIn });
    else if (scope !== undefined) scopes.push({ name, description: scope.description || `Read your “${name}” information` });
  }
  return scopes;
}

/** What the person calls their account: the username they signed in with, else the entity's name. */
function displayNameOf(entity: EntityRecord): string {
  return (entity.aliases.find((alias) => alias.mount_type === 'userpass') ?? entity.aliases[0])?.name ?? entity.name;
}

function loginErrorText(err: LanyardError): string {
  switch (err.code) {
    case 'rate_limited': {
      if (err.reason === HASHING_BUSY) return 'The sign-in service is busy. Try again in a moment.';
      const seconds = Number(err.headers?.['Retry-After'] ?? '60');
      const minutes = Math.max(1, Math.ceil(seconds / 60));
      return `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    }
    case 'permission_denied':
      return 'This account cannot sign in here. Contact your administrator.';
    default:
      return 'Incorrect username or password.';
  }
}

function unknownClientPage(): string {
  return errorPage({ title: 'Unknown application', message: 'The application that sent you here is no longer known to this sign-in service.', code: 'invalid_client' });
}
