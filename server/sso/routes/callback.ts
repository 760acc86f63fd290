/**
 * `GET /api/v1/sso/oidc/callback`: where the upstream IdP sends the browser back (the redirect URI
 * registered there). It only dispatches, by the sign-in the `state` belongs to, without consuming
 * it; the code is redeemed where the sign-in is finished:
 *
 * - a provider's pending authorization: a 303 to the path under that interaction (its interaction
 *   cookie is scoped to that path, and checked there: a state from another browser goes nowhere);
 * - a CLI login: a 303 to the CLI's loopback address, whose listener asks for the token with the
 *   nonce only the CLI holds (cli.ts).
 *
 * The IdP's parameters (code, state, iss, or error) go along unchanged. An unknown, expired or
 * already used state gets a page saying so.
 */
import type { Express, Request, Response } from 'express';
import { requestContext } from '../../http/request_context.js';
import { sendPage } from '../../oidc/provider/pages.js';
import { errorPage } from '../../oidc/provider/views/messages.js';
import { CALLBACK_PATH, type SsoContext } from '../context.js';
import { sendFailurePage } from '../failure_page.js';

export function ssoCallbackRoutes(app: Express, sso: SsoContext): void {
  app.get(CALLBACK_PATH, (req: Request, res: Response) => {
    const ctx = requestContext(req);
    const query = rawQuery(req);
    const state = new URLSearchParams(query).get('state') ?? '';
    sso.pending.peek(state).then(
      (pending) => {
        if (pending === undefined) {
          ctx.log.warn('sso sign-in failed', { reason: 'unknown_state', detail: state === '' ? 'callback without state' : 'no pending sign-in for this state' });
          return sendFailurePage(res, 'unknown_state');
        }
        const target = pending.purpose.kind === 'interaction' ? pending.purpose.resumePath : pending.purpose.redirectUri;
        res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).redirect(303, `${target}?${query}`);
      },
      (error: unknown) => {
        ctx.log.error('sso callback failed', { error: error instanceof Error ? error.message : String(error) });
        sendPage(res, 500, errorPage({ title: 'Something went wrong', message: 'Lanyard could not complete this step.', code: 'server_error' }));
      },
    );
  });
}

/** The query string exactly as sent, so nothing the IdP added is lost or re-encoded. */
function rawQuery(req: Request): string {
  const index = req.originalUrl.indexOf('?');
  return index === -1 ? '' : req.originalUrl.slice(index + 1);
}
