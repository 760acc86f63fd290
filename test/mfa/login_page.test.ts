/**
 * The sign-in page's second factor, end to end with openid-client as the relying party and real
 * TOTP codes: a covered user gets the code page after the password (accessible, no script), a
 * wrong code explains itself and keeps the interaction, too many wrong codes end it with
 * access_denied, `acr_values` forces the step where no enforcement does, and the ID token's
 * `amr`/`acr` say which factors were used.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type * as oidc from 'openid-client';
import { TOTP, URI } from 'otpauth';
import { api, startTestServer, type TestServer } from '../support/server.js';
import {
  Browser,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  formsOf,
  relyingParty,
  type AuthorizationRequest,
  type ClientCredentials,
  type TestUser,
} from '../support/relying_party.js';

let server: TestServer;
let client: ClientCredentials;
let issuer: string;
let config: oidc.Configuration;
let methodId: string;
const users: Record<string, TestUser> = {};
const urls: Record<string, string> = {};

const codeOf = (name: string, at = Date.now()) => (URI.parse(urls[name] as string) as TOTP).generate({ timestamp: at });
/** A 6-digit code that is not valid for `name` now (nor in the skew window). */
const wrongCodeOf = (name: string) => {
  const valid = new Set([-30_000, 0, 30_000].map((d) => codeOf(name, Date.now() + d)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
};

type Step = { kind: 'page'; status: number; html: string; url: URL } | { kind: 'callback'; url: URL };

/** Follow redirects inside the server until a page or the relying party's callback. */
async function follow(browser: Browser, res: Response, from: URL): Promise<Step> {
  let current = from;
  for (let i = 0; i < 20; i++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (next.origin !== from.origin) return { kind: 'callback', url: next };
      current = next;
      res = await browser.request(next);
      continue;
    }
    return { kind: 'page', status: res.status, html: await res.text(), url: current };
  }
  throw new Error('too many redirects');
}

async function submit(browser: Browser, step: Step, fields: Record<string, string>, formIndex = 0): Promise<Step> {
  if (step.kind !== 'page') throw new Error('no page to submit');
  const form = formsOf(step.html)[formIndex];
  if (!form) throw new Error(`no form on the page: ${step.html.slice(0, 300)}`);
  const target = new URL(form.action, step.url);
  return follow(browser, await browser.request(target, { form: { ...form.fields, ...fields } }), target);
}

/** Authorize, then sign in with the password: the step after the password form. */
async function afterPassword(name: string, extra: Record<string, string> = {}): Promise<{ browser: Browser; request: AuthorizationRequest; step: Step }> {
  const browser = new Browser();
  const request = await authorizationRequest(config, extra);
  const loginPage = await follow(browser, await browser.request(request.url), request.url);
  expect(loginPage.kind === 'page' && loginPage.html.includes('name="password"')).toBe(true);
  const user = users[name] as TestUser;
  const step = await submit(browser, loginPage, { username: user.username, password: user.password });
  return { browser, request, step };
}

/** Through consent to the callback, then the ID token's claims. */
async function finish(browser: Browser, step: Step, request: AuthorizationRequest): Promise<Record<string, unknown>> {
  let current = step;
  if (current.kind === 'page' && current.html.includes('Allow access?')) current = await submit(browser, current, {});
  if (current.kind !== 'callback') throw new Error(`expected the callback, got page ${current.status}: ${current.html.slice(0, 400)}`);
  const tokens = await exchange(config, current.url, request);
  const { payload } = await jwtVerify(tokens.id_token as string, createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`)), { issuer, audience: client.client_id });
  return payload;
}

beforeAll(async () => {
  server = await startTestServer();
  await createKey(server, 'k1');
  client = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
  issuer = await createProvider(server, 'p1', { allowed_client_ids: client.client_id });
  config = await relyingParty(issuer, client);
  methodId = (await api(server, 'POST', '/v1/identity/mfa/method/totp', { issuer: 'Lanyard', max_validation_attempts: 3 })).body.data.method_id;
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    users[name] = await createUser(server, name);
    if (name !== 'dave') {
      const res = await api(server, 'POST', '/v1/identity/mfa/method/totp/admin-generate', { method_id: methodId, entity_id: users[name]?.entityId });
      urls[name] = res.body.data.url;
    }
  }
  const covered = [users.alice?.entityId, users.carol?.entityId];
  expect((await api(server, 'PUT', '/v1/identity/mfa/login-enforcement/staff', { mfa_method_ids: [methodId], identity_entity_ids: covered })).status).toBe(204);
}, 120_000);
afterAll(async () => server?.destroy());

describe('the code page', () => {
  it('follows the password for a covered user, explains a wrong code, and signs in with the right one', async () => {
    const { browser, request, step } = await afterPassword('alice');
    expect(step.kind).toBe('page');
    if (step.kind !== 'page') return;
    expect(step.status).toBe(200);
    // Accessible and script-free: a labelled numeric field the platform can fill from the app.
    expect(step.html).toContain('<label for="code">Verification code</label>');
    expect(step.html).toMatch(/<input id="code" name="code" type="text" inputmode="numeric" pattern="\[0-9\]\*" autocomplete="one-time-code"/);
    expect(step.html).not.toContain('<script');
    expect(step.html).toContain('Signing in as <strong>alice</strong>');

    const wrong = await submit(browser, step, { code: wrongCodeOf('alice') });
    expect(wrong.kind === 'page' && wrong.status).toBe(400);
    if (wrong.kind !== 'page') return;
    expect(wrong.html).toMatch(/role="alert">That code is not right\. .* 2 attempts left\./);
    expect(wrong.html).toContain('aria-invalid="true"');

    const letters = await submit(browser, wrong, { code: 'abc' });
    expect(letters.kind === 'page' && letters.html).toContain('6 or 8 digits');

    const claims = await finish(browser, await submit(browser, letters, { code: codeOf('alice') }), request);
    expect(claims.sub).toBe(users.alice?.entityId);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:lanyard:loa:2fa');
  });

  it('ends the interaction after too many wrong codes: the application gets access_denied', async () => {
    const { browser, step } = await afterPassword('carol');
    let current = step;
    for (let i = 0; i < 2; i++) {
      current = await submit(browser, current, { code: wrongCodeOf('carol') });
      expect(current.kind === 'page' && current.status).toBe(400);
    }
    const last = await submit(browser, current, { code: wrongCodeOf('carol') });
    expect(last.kind).toBe('callback');
    if (last.kind !== 'callback') return;
    expect(last.url.searchParams.get('error')).toBe('access_denied');
    expect(last.url.searchParams.get('error_description')).toBe('too many wrong verification codes');
  });

  it('refuses a forged form (no anti-forgery token) and an answer from another interaction', async () => {
    const first = await afterPassword('alice');
    if (first.step.kind !== 'page') throw new Error('expected the code page');
    const action = new URL(formsOf(first.step.html)[0]?.action as string, first.step.url);
    const forged = await first.browser.request(action, { form: { code: codeOf('alice') } });
    expect(forged.status).toBe(403);
    // Another browser (no interaction cookie) with the right form fields.
    const other = await new Browser().request(action, { form: { ...formsOf(first.step.html)[0]?.fields, code: codeOf('alice') } });
    expect(other.status).toBe(400);
  });
});

describe('factors and acr', () => {
  it('advertises the acr values in discovery', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.acr_values_supported).toEqual(['urn:lanyard:loa:1fa', 'urn:lanyard:loa:2fa']);
  });

  it('signs in an uncovered user with the password alone: amr pwd, one-factor acr', async () => {
    const { browser, request, step } = await afterPassword('dave');
    const claims = await finish(browser, step, request);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe('urn:lanyard:loa:1fa');
  });

  it('asks an enrolled user for a code when the application asks for MFA with acr_values', async () => {
    const plain = await afterPassword('bob');
    expect(plain.step.kind === 'page' && plain.step.html.includes('one-time-code')).toBe(false);

    const { browser, request, step } = await afterPassword('bob', { acr_values: 'urn:lanyard:loa:2fa' });
    expect(step.kind === 'page' && step.html.includes('autocomplete="one-time-code"')).toBe(true);
    const claims = await finish(browser, await submit(browser, step, { code: codeOf('bob') }), request);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:lanyard:loa:2fa');
  });

  it('signs a one-factor session in again with the second factor when an application asks for it (step-up)', async () => {
    // A one-factor session: bob signs in with his password alone.
    const first = await afterPassword('bob');
    expect((await finish(first.browser, first.step, first.request)).acr).toBe('urn:lanyard:loa:1fa');
    const { browser } = first;
    const visit = async (extra: Record<string, string>) => {
      const request = await authorizationRequest(config, extra);
      return { request, step: await follow(browser, await browser.request(request.url), request.url) };
    };
    // The session serves a plain request without a sign-in page.
    const plain = await visit({});
    expect(plain.step.kind === 'page' && plain.step.html.includes('name="password"')).toBe(false);
    await finish(browser, plain.step, plain.request);

    // Two factors asked for: the sign-in again, then the code.
    const stepUp = await visit({ acr_values: 'urn:lanyard:loa:2fa' });
    expect(stepUp.step.kind === 'page' && stepUp.step.html.includes('name="password"')).toBe(true);
    const codePage = await submit(browser, stepUp.step, { username: users.bob!.username, password: users.bob!.password });
    expect(codePage.kind === 'page' && codePage.html.includes('autocomplete="one-time-code"')).toBe(true);
    // The next time step's code (accepted within the clock skew): the current one may have been
    // used by the test before, and a used code is refused.
    const claims = await finish(browser, await submit(browser, codePage, { code: codeOf('bob', Date.now() + 30_000) }), stepUp.request);
    expect(claims.acr).toBe('urn:lanyard:loa:2fa');

    // Now the session has two factors: the next such request needs no sign-in.
    const again = await visit({ acr_values: 'urn:lanyard:loa:2fa' });
    expect(again.step.kind === 'page' && again.step.html.includes('name="password"')).toBe(false);
    expect((await finish(browser, again.step, again.request)).acr).toBe('urn:lanyard:loa:2fa');
  });

  it('tells a user without an authenticator that the application needs one', async () => {
    const { step } = await afterPassword('dave', { acr_values: 'mfa' });
    expect(step.kind === 'page' && step.status).toBe(403);
    expect(step.kind === 'page' && step.html).toContain('no authenticator app set up');
  });
});
