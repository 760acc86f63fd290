/**
 * The Security page, under each provider at `<issuer>/security`, where a person manages their
 * passkeys in the browser:
 *
 *   GET  …/security                          the page (passkeys, rename/remove forms, "Add a passkey")
 *   POST …/security/passkeys/options         csrf → {challenge_id, options} for navigator.credentials.create
 *   POST …/security/passkeys                 csrf, challenge_id, credential (JSON), name → registered
 *   POST …/security/passkeys/:id/name        csrf, name → renamed
 *   POST …/security/passkeys/:id/remove      csrf → removed
 *   GET  …/security/security.js              the page's only script
 *
 * Who is signed in comes from this provider's own browser session (the library's signed,
 * HttpOnly session cookie, scoped to the provider's path), so the page needs no sign-in of its
 * own and is only as strong as that sign-in: a person an MFA enforcement covers got there with a
 * second factor. Without a session the page says to sign in through an application first.
 *
 * Every POST carries an anti-forgery token bound to the provider and the session id (which the
 * browser's scripts cannot read), checked in constant time; a change answers 303 back to the page
 * (post/redirect/get). Pages get the same headers as the sign-in pages, with `script-src 'self'`.
 * Another entity's passkey id is "not found", as an unknown one.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Provider } from 'oidc-provider';
import { LanyardError } from '../../errors.js';
import { requestContext } from '../../http/request_context.js';
import type { EntityRecord } from '../../identity/types.js';
import { MFA_KINDS } from '../../mfa/types.js';
import { beginRegistration, finishRegistration, hasEnrolledFactor, passkeysOf, type PasskeyRecord } from '../../mfa/passkeys.js';
import type { Services } from '../../services.js';
import { ACR_MULTI_FACTOR } from './acr.js';
import type { CsrfTokens } from './interactions/csrf.js';
import { sendPage } from './pages.js';
import { requestInstance } from './request_instance.js';
import { errorPage } from './views/messages.js';
import { securityPage } from './views/security.js';

export interface SecurityPageDependencies {
  readonly services: Services;
  readonly csrf: () => Promise<CsrfTokens>;
}

interface SignedIn {
  readonly entity: EntityRecord;
  /** The session's sign-in strength (`urn:lanyard:loa:1fa` / `2fa`). */
  readonly acr: string | undefined;
  /** The session id: secret to the page's scripts (HttpOnly cookie), binds the CSRF token. */
  readonly sessionId: string;
}

const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 10 });
const PASSKEY_ID = /^[0-9a-f-]{36}$/;
const NAME_MAX = 128;
const paramOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const NOTICES: Readonly<Record<string, string>> = {
  added: 'Passkey added.',
  renamed: 'Passkey renamed.',
  removed: 'Passkey removed.',
};

export function securityPageRoutes(deps: SecurityPageDependencies): Router {
  const { services } = deps;
  const router = express.Router({ caseSensitive: true, strict: true });

  const signedIn = async (req: Request, res: Response): Promise<SignedIn | undefined> => {
    const provider: Provider = requestInstance(res).provider;
    // createContext is public in the library (interactionDetails uses it) but not in its types.
    const ctx = (provider as { createContext(req: Request, res: Response): Parameters<Provider['Session']['get']>[0] }).createContext(req, res);
    const session = await provider.Session.get(ctx);
    if (!session.accountId) return undefined;
    const entity = await services.storage.get<EntityRecord>('entity', session.accountId);
    if (!entity || entity.disabled) return undefined;
    return { entity, acr: session.acr, sessionId: session.jti };
  };

  const csrfFor = async (res: Response, who: SignedIn) => {
    const tokens = await deps.csrf();
    const binding = { uid: 'security', cid: who.sessionId };
    return {
      issue: () => tokens.issue(requestInstance(res).name, binding),
      verify: (presented: unknown) => tokens.verify(requestInstance(res).name, binding, presented),
    };
  };

  const notSignedIn = (res: Response) =>
    sendPage(res, 401, errorPage({ title: 'Sign in first', message: 'Sign in to an application that uses this sign-in service, then open this page again in the same browser.', code: 'not_signed_in' }));
  const forged = (res: Response) =>
    sendPage(res, 403, errorPage({ title: 'Please try again', message: 'This form could not be accepted because it did not come from the Security page. Go back, reload the page and try again.', code: 'invalid_csrf_token' }));

  const render = async (req: Request, res: Response, who: SignedIn, status: number, error?: string) => {
    const passkeys = (await passkeysOf(services, who.entity.id)).sort((a, b) => a.creation_time.localeCompare(b.creation_time));
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    const body = securityPage({
      base: `${req.baseUrl}/security`,
      csrf: (await csrfFor(res, who)).issue(),
      who: (who.entity.aliases.find((a) => a.mount_type === 'userpass') ?? who.entity.aliases[0])?.name ?? who.entity.name,
      passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, created: p.creation_time, lastUsed: p.last_used_time })),
      ...(done !== undefined && error === undefined ? { notice: done } : {}),
      ...(error !== undefined ? { error } : {}),
      ...((await mayChangeFactors(who)) ? {} : { restricted: NEEDS_TWO_FACTORS }),
    });
    sendPage(res, status, body, { scripts: true });
  };

  /** Runs a POST for a signed-in person with a valid token, or answers why not. */
  const guarded = (handler: (req: Request, res: Response, who: SignedIn, body: Record<string, unknown>) => Promise<void>) => async (req: Request, res: Response) => {
    const who = await signedIn(req, res);
    if (!who) return notSignedIn(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!(await csrfFor(res, who)).verify(body.csrf)) return forged(res);
    await handler(req, res, who, body);
  };

  const backToPage = (req: Request, res: Response, done: keyof typeof NOTICES) => {
    res.status(303).set('Cache-Control', 'no-store').location(`${req.baseUrl}/security?done=${done}`).end();
  };

  const ownPasskey = async (who: SignedIn, id: string | undefined): Promise<PasskeyRecord | undefined> => {
    if (id === undefined || !PASSKEY_ID.test(id)) return undefined;
    const record = await services.storage.get<PasskeyRecord>(MFA_KINDS.passkey, id);
    return record && record.entity_id === who.entity.id ? record : undefined;
  };

  /**
   * Adding or removing a factor needs a two-factor sign-in once the person has one (a TOTP secret
   * or a passkey): otherwise someone who knows only the password could add their own passkey,
   * which counts as two factors, or remove the owner's. The first factor is enrolled with the
   * session's own sign-in, as TOTP self-enrolment is with a password token.
   */
  const mayChangeFactors = async (who: SignedIn): Promise<boolean> => {
    return who.acr === ACR_MULTI_FACTOR || !(await hasEnrolledFactor(services, who.entity.id));
  };
  const NEEDS_TWO_FACTORS = 'Adding or removing a passkey needs a sign-in with two-step verification. Sign out, then sign in again with a passkey or your authenticator app.';

  const nameOf = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim().length <= NAME_MAX ? value.trim() : undefined;

  router.get('/security', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return notSignedIn(res);
    await render(req, res, who, 200);
  });

  router.get('/security/security.js', (_req, res) => {
    res.status(200).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).type('text/javascript').send(SECURITY_SCRIPT);
  });

  router.post('/security/passkeys/options', form, guarded(async (_req, res, who) => {
    if (!(await mayChangeFactors(who))) {
      res.status(403).set('Cache-Control', 'no-store').json({ errors: [NEEDS_TWO_FACTORS] });
      return;
    }
    try {
      res.status(200).set('Cache-Control', 'no-store').json(await beginRegistration(services, who.entity));
    } catch (err) {
      if (!(err instanceof LanyardError) || err.status >= 500) throw err;
      res.status(err.status).set('Cache-Control', 'no-store').json({ errors: [err.message] });
    }
  }));

  router.post('/security/passkeys', form, guarded(async (req, res, who, body) => {
    const name = nameOf(body.name ?? '');
    if (name === undefined) return render(req, res, who, 400, `A passkey name can have at most ${NAME_MAX} characters.`);
    if (!(await mayChangeFactors(who))) return render(req, res, who, 403, NEEDS_TWO_FACTORS);
    if (typeof body.credential !== 'string' || body.credential === '' || typeof body.challenge_id !== 'string') {
      return render(req, res, who, 400, 'Adding a passkey needs JavaScript in this browser.');
    }
    let credential: unknown;
    try {
      credential = JSON.parse(body.credential);
    } catch {
      return render(req, res, who, 400, 'The passkey answer could not be read. Try again.');
    }
    try {
      await finishRegistration(services, who.entity, body.challenge_id, credential, name);
    } catch (err) {
      if (!(err instanceof LanyardError) || err.status >= 500) throw err;
      requestContext(req).log.info('security page: passkey registration refused', { provider: requestInstance(res).name, code: err.code, detail: err.detail });
      return render(req, res, who, 400, 'The passkey could not be added. Try again.');
    }
    backToPage(req, res, 'added');
  }));

  router.post('/security/passkeys/:id/name', form, guarded(async (req, res, who, body) => {
    const record = await ownPasskey(who, paramOf(req.params.id));
    if (!record) return render(req, res, who, 404, 'That passkey no longer exists.');
    const name = nameOf(body.name);
    if (name === undefined || name === '') return render(req, res, who, 400, `A passkey name must have 1 to ${NAME_MAX} characters.`);
    await services.storage.update<PasskeyRecord>(MFA_KINDS.passkey, record.id, (current) => ({ ...current, name }));
    backToPage(req, res, 'renamed');
  }));

  router.post('/security/passkeys/:id/remove', form, guarded(async (req, res, who) => {
    const record = await ownPasskey(who, paramOf(req.params.id));
    if (!record) return render(req, res, who, 404, 'That passkey no longer exists.');
    if (!(await mayChangeFactors(who))) return render(req, res, who, 403, NEEDS_TWO_FACTORS);
    await services.storage.delete(MFA_KINDS.passkey, record.id);
    backToPage(req, res, 'removed');
  }));

  return router;
}

/**
 * The browser side of "Add a passkey": ask for options (with the form's token), run
 * navigator.credentials.create, post the answer with the form. Plain ES2017, no dependencies;
 * binary fields travel as base64url, as the server library expects.
 */
const SECURITY_SCRIPT = `(function () {
  var form = document.getElementById('register-form');
  if (!form || !window.PublicKeyCredential) return;
  var status = document.getElementById('security-status');
  function b64uToBuf(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '='; var b = atob(s), a = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); return a.buffer; }
  function bufToB64u(buf) { var a = new Uint8Array(buf), s = ''; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); }
  form.addEventListener('submit', function (event) {
    if (form.elements.credential.value) return;
    event.preventDefault();
    status.textContent = 'Waiting for your passkey…';
    var body = new URLSearchParams({ csrf: form.elements.csrf.value });
    fetch(form.getAttribute('data-options'), { method: 'POST', body: body, credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw { shown: (j.errors && j.errors[0]) || '' }; return j; });
    }).then(function (begun) {
      var o = begun.options;
      var publicKey = { challenge: b64uToBuf(o.challenge), rp: o.rp, user: { id: b64uToBuf(o.user.id), name: o.user.name, displayName: o.user.displayName },
        pubKeyCredParams: o.pubKeyCredParams, timeout: o.timeout, attestation: o.attestation, authenticatorSelection: o.authenticatorSelection,
        excludeCredentials: (o.excludeCredentials || []).map(function (c) { return { id: b64uToBuf(c.id), type: c.type, transports: c.transports }; }) };
      return navigator.credentials.create({ publicKey: publicKey }).then(function (c) {
        var r = c.response;
        form.elements.challenge_id.value = begun.challenge_id;
        form.elements.credential.value = JSON.stringify({ id: c.id, rawId: bufToB64u(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined, clientExtensionResults: c.getClientExtensionResults(),
          response: { clientDataJSON: bufToB64u(r.clientDataJSON), attestationObject: bufToB64u(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] } });
        form.submit();
      });
    }).catch(function (e) { status.textContent = (e && e.shown) || 'No passkey was added. Try again.'; });
  });
})();
`;
