/**
 * Upstream sign-in from a provider's sign-in page (app → Lanyard → IdP → Lanyard → app):
 *
 *   POST …/interaction/:uid/sso             the "Sign in with …" button: off to the IdP
 *   GET  …/interaction/:uid/sso/callback    where Lanyard's callback forwards the IdP's answer
 *
 * Both sit under the interaction's URL, where the library scopes its interaction cookie, so the
 * answer is only taken in the browser that started the sign-in: the state must belong to this very
 * interaction of this provider, and the interaction cookie must name it (a state replayed in
 * another browser, or for another interaction, is refused before it is consumed). The state is
 * then consumed, the code redeemed (complete.ts), and the interaction finished as the entity, with
 * `amr: ["fed"]`; the authorization goes on to consent and back to the application as usual.
 *
 * Failures show the sign-in pages' failure page with a way back to the sign-in form, whose
 * interaction is still pending; the reason and detail go to the log.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { errors, type Provider } from 'oidc-provider';
import { requestContext } from '../../http/request_context.js';
import { issuerPath } from '../../oidc/provider/configuration.js';
import type { CsrfTokens } from '../../oidc/provider/interactions/csrf.js';
import type { SecondFactor } from '../../oidc/provider/interactions/second_factor.js';
import { expiredInteractionPage, sendPage } from '../../oidc/provider/pages.js';
import { requestInstance } from '../../oidc/provider/request_instance.js';
import { errorPage } from '../../oidc/provider/views/messages.js';
import type { Services } from '../../services.js';
import { beginUpstreamLogin } from '../begin.js';
import { completeUpstreamLogin } from '../complete.js';
import { ssoContext } from '../context.js';
import { sendFailurePage } from '../failure_page.js';
import { SsoLoginError } from '../failures.js';
import { logSignInFailure } from '../log_failure.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface SsoInteractionDependencies {
  readonly services: Services;
  readonly csrf: () => Promise<CsrfTokens>;
  /** MFA after the upstream sign-in when an enforcement covers the `oidc` method (server/mfa). */
  readonly secondFactor?: SecondFactor;
}

/** What the sign-in page offers besides the password form, when SSO is configured and active. */
export interface SsoSignInOption {
  /** The button's text, e.g. "Sign in with acme.okta.com". */
  readonly label: string;
}

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

/** The option to show on the sign-in page; undefined when SSO is not configured or not active. */
export async function ssoSignInOption(services: Services): Promise<SsoSignInOption | undefined> {
  const config = await ssoContext(services).configuration();
  if (config === undefined || !config.isActive) return undefined;
  const address = config.configurationType === 'custom' ? config.issuer : config.discoveryURL;
  return { label: `Sign in with ${URL.canParse(address) ? new URL(address).host : 'single sign-on'}` };
}

export function ssoInteractionRoutes(deps: SsoInteractionDependencies): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const sso = ssoContext(deps.services);

  /** The interaction of this request when it is `uid`'s (its cookie came with the request). */
  const interactionOf = async (req: Request, res: Response): Promise<Interaction | undefined> => {
    try {
      const interaction = await requestInstance(res).provider.interactionDetails(req, res);
      return interaction.uid === req.params.uid ? interaction : undefined;
    } catch (error) {
      if (error instanceof errors.SessionNotFound) return undefined;
      throw error;
    }
  };

  router.post('/interaction/:uid/sso', form, async (req, res) => {
    const interaction = await interactionOf(req, res);
    if (interaction === undefined) return sendPage(res, 400, expiredInteractionPage());
    const instance = requestInstance(res);
    const csrf = await deps.csrf();
    if (!csrf.verify(instance.name, interaction, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      return sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from this sign-in page. Go back and submit it again.', code: 'invalid_csrf_token' }));
    }
    const page = interactionPath(res, interaction.uid);
    if (interaction.prompt.name !== 'login') return res.redirect(303, page);
    try {
      const url = await beginUpstreamLogin(
        deps.services,
        {
          kind: 'interaction',
          provider: instance.name,
          interactionUid: interaction.uid,
          resumePath: `${page}/sso/callback`,
        },
        { freshLogin: wantsFreshLogin(interaction) },
      );
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).redirect(303, url.href);
    } catch (error) {
      failed(req, res, error, page);
    }
  });

  router.get('/interaction/:uid/sso/callback', async (req, res) => {
    const ctx = requestContext(req);
    const uid = req.params.uid;
    const params = new URL(req.originalUrl, 'http://lanyard').searchParams;
    const state = params.get('state') ?? '';
    const interaction = await interactionOf(req, res);
    const page = interactionPath(res, uid);
    try {
      const pending = await sso.pending.peek(state);
      if (pending === undefined) throw new SsoLoginError('unknown_state', 'no pending sign-in for this state');
      const { purpose } = pending;
      if (purpose.kind !== 'interaction' || purpose.provider !== requestInstance(res).name || purpose.interactionUid !== uid || interaction === undefined) {
        throw new SsoLoginError('interaction_mismatch', interaction === undefined ? 'no interaction cookie for this interaction in the request' : 'the state belongs to another sign-in');
      }
      if (interaction.prompt.name !== 'login') return res.redirect(303, page);
      if ((await sso.pending.consume(state)) === undefined) throw new SsoLoginError('unknown_state', 'the sign-in was already redeemed');

      const signIn = await completeUpstreamLogin(sso, pending, params, ctx.log);
      ctx.log.info('sso sign-in', { purpose: 'interaction', provider: requestInstance(res).name, entity_id: signIn.entity.id });
      if (deps.secondFactor) return await deps.secondFactor.afterFirstFactor(req, res, interaction, signIn.entity, { mountType: 'oidc', amr: ['fed'] });
      const login = { accountId: signIn.entity.id, ts: Math.floor(deps.services.now() / 1000), amr: ['fed'] };
      await requestInstance(res).provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    } catch (error) {
      failed(req, res, error, interaction === undefined ? undefined : page);
    }
  });

  // Anything else that fails here (reading the interaction, say) is a page too, never JSON.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    failed(req, res, error, undefined);
  });
  return router;
}

/**
 * Whether the application asked for a fresh sign-in. Lanyard records the sign-in time as now, so
 * the IdP must then authenticate the person again rather than reuse its own session.
 */
function wantsFreshLogin(interaction: Interaction): boolean {
  const prompt = typeof interaction.params.prompt === 'string' ? interaction.params.prompt.split(' ') : [];
  return prompt.includes('login') || interaction.params.max_age !== undefined;
}

/** The sign-in page of interaction `uid` under the request's provider. */
function interactionPath(res: Response, uid: string): string {
  return `${issuerPath(requestInstance(res).snapshot)}/interaction/${uid}`;
}

function failed(req: Request, res: Response, error: unknown, retryUrl: string | undefined): void {
  logSignInFailure(requestContext(req).log, error, 'interaction');
  if (error instanceof SsoLoginError) return sendFailurePage(res, error.failure, retryUrl === undefined ? {} : { retryUrl });
  sendPage(res, 500, errorPage({ title: 'Something went wrong', message: 'Lanyard could not complete this step.', code: 'server_error' }));
}
