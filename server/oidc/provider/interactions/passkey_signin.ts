/**
 * "Use a passkey" on the sign-in page: a first factor that needs no password and counts
 * as two factors (possession of the authenticator, plus the user verification it performed), so
 * no code page follows.
 *
 *   GET  …/interaction/:uid/passkey/options   {challenge_id, options} for navigator.credentials.get
 *   POST …/interaction/:uid/passkey           csrf, challenge_id, credential (JSON) → signed in
 *   GET  …/interaction/:uid/passkey.js        the page's only script (WebAuthn needs one)
 *
 * The password form keeps working without JavaScript; the passkey button needs it and says so
 * when posted without a credential. The ceremony itself is server/mfa/passkeys.ts. `amr`:
 * `hwk` for a device-bound credential or `swk` for a synced one, with `user` and `mfa`.
 */
import express, { type Request, type Response, type Router } from 'express';
import { errors, type Provider } from 'oidc-provider';
import { LanyardError } from '../../../errors.js';
import { requestContext } from '../../../http/request_context.js';
import { beginAuthentication, finishAuthentication } from '../../../mfa/passkeys.js';
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { ACR_MULTI_FACTOR } from '../acr.js';
import { expiredInteractionPage, sendPage } from '../pages.js';
import { requestInstance } from '../request_instance.js';
import { errorPage } from '../views/messages.js';
import type { CsrfTokens } from './csrf.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface PasskeySignInDependencies {
  readonly services: Services;
  readonly csrf: () => Promise<CsrfTokens>;
}

const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 10 });

export function passkeySignInRoutes(deps: PasskeySignInDependencies): Router {
  const { services } = deps;
  const router = express.Router({ caseSensitive: true, strict: true });

  const interactionOf = async (req: Request, res: Response): Promise<Interaction | undefined> => {
    try {
      const interaction = await requestInstance(res).provider.interactionDetails(req, res);
      return interaction.uid === req.params.uid && interaction.prompt.name === 'login' ? interaction : undefined;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return undefined;
      throw err;
    }
  };

  router.get('/interaction/:uid/passkey.js', (_req, res) => {
    res.status(200).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).type('text/javascript').send(PASSKEY_SCRIPT);
  });

  router.get('/interaction/:uid/passkey/options', async (req, res) => {
    const interaction = await interactionOf(req, res);
    if (!interaction) {
      res.status(400).set('Cache-Control', 'no-store').json({ error: 'interaction_expired' });
      return;
    }
    res.status(200).set('Cache-Control', 'no-store').json(await beginAuthentication(services));
  });

  router.post('/interaction/:uid/passkey', form, async (req, res) => {
    const interaction = await interactionOf(req, res);
    if (!interaction) return sendPage(res, 400, expiredInteractionPage());
    const body = req.body as Record<string, unknown>;
    if (!(await deps.csrf()).verify(requestInstance(res).name, interaction, body.csrf)) {
      return sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from this sign-in page. Go back and submit it again.', code: 'invalid_csrf_token' }));
    }
    const failedPage = (status: number, message: string) =>
      sendPage(res, status, errorPage({ title: 'Passkey sign-in failed', message, code: 'passkey_failed' }));
    if (typeof body.credential !== 'string' || body.credential === '' || typeof body.challenge_id !== 'string') {
      return failedPage(400, 'Signing in with a passkey needs JavaScript in this browser. Go back and sign in with your password.');
    }
    let credential: unknown;
    try {
      credential = JSON.parse(body.credential);
    } catch {
      return failedPage(400, 'The passkey answer could not be read. Go back and try again.');
    }
    let proven: Awaited<ReturnType<typeof finishAuthentication>>;
    try {
      proven = await finishAuthentication(services, body.challenge_id, credential);
    } catch (err) {
      if (!(err instanceof LanyardError) || err.status >= 500) throw err;
      requestContext(req).log.info('passkey sign-in refused', { provider: requestInstance(res).name, code: err.code, detail: err.detail });
      return failedPage(err.status, 'This passkey could not sign you in. Go back and try again, or sign in with your password.');
    }
    const entity = await services.storage.get<EntityRecord>('entity', proven.entityId);
    if (!entity || entity.disabled) return failedPage(403, 'This account cannot sign in here. Contact your administrator.');
    const amr = [proven.passkey.device_type === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
    const login = { accountId: entity.id, ts: Math.floor(services.now() / 1000), amr, acr: ACR_MULTI_FACTOR };
    await requestInstance(res).provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  });

  return router;
}

/**
 * The browser side: fetch options, run navigator.credentials.get, post the answer with the form.
 * Plain ES2017, no dependencies; binary fields travel as base64url, as the server library expects.
 */
const PASSKEY_SCRIPT = `(function () {
  var form = document.getElementById('passkey-form');
  if (!form || !window.PublicKeyCredential) return;
  var status = document.getElementById('passkey-status');
  function b64uToBuf(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '='; var b = atob(s), a = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); return a.buffer; }
  function bufToB64u(buf) { var a = new Uint8Array(buf), s = ''; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); }
  form.addEventListener('submit', function (event) {
    if (form.elements.credential.value) return;
    event.preventDefault();
    status.textContent = 'Waiting for your passkey…';
    fetch(form.getAttribute('data-options'), { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (begun) {
      var o = begun.options;
      return navigator.credentials.get({ publicKey: { challenge: b64uToBuf(o.challenge), rpId: o.rpId, timeout: o.timeout, userVerification: o.userVerification, allowCredentials: [] } }).then(function (c) {
        var r = c.response;
        form.elements.challenge_id.value = begun.challenge_id;
        form.elements.credential.value = JSON.stringify({ id: c.id, rawId: bufToB64u(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined, clientExtensionResults: c.getClientExtensionResults(),
          response: { clientDataJSON: bufToB64u(r.clientDataJSON), authenticatorData: bufToB64u(r.authenticatorData), signature: bufToB64u(r.signature), userHandle: r.userHandle ? bufToB64u(r.userHandle) : undefined } });
        form.submit();
      });
    }).catch(function () { status.textContent = 'No passkey was used. Try again, or sign in with your password.'; });
  });
})();
`;
