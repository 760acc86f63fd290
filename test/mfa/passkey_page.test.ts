/**
 * "Use a passkey" on the sign-in page, over HTTP with openid-client as the relying party
 * and the software authenticator answering the page's challenge: the button and its script are
 * offered (CSP allowing only this server's script), a real assertion signs the person in without
 * a password, and the ID token says how (`amr` hwk/user/mfa, two-factor `acr`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type * as oidc from 'openid-client';
import { relyingPartyOf } from '../../server/mfa/passkeys.js';
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
  type ClientCredentials,
  type TestUser,
} from '../support/relying_party.js';
import { SoftAuthenticator } from '../support/soft_authenticator.js';

let server: TestServer;
let client: ClientCredentials;
let issuer: string;
let config: oidc.Configuration;
let alice: TestUser;
const device = new SoftAuthenticator();

async function follow(browser: Browser, res: Response, from: URL): Promise<{ status: number; html: string; url: URL; headers: Headers } | { callback: URL }> {
  let current = from;
  for (let i = 0; i < 20; i++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (next.origin !== from.origin) return { callback: next };
      current = next;
      res = await browser.request(next);
      continue;
    }
    return { status: res.status, html: await res.text(), url: current, headers: res.headers };
  }
  throw new Error('too many redirects');
}

beforeAll(async () => {
  server = await startTestServer();
  await createKey(server, 'k1');
  client = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
  issuer = await createProvider(server, 'p1', { allowed_client_ids: client.client_id });
  config = await relyingParty(issuer, client);
  alice = await createUser(server, 'alice');
  await api(server, 'PUT', '/v1/sys/policies/acl/passkeys', { policy: 'path "identity/mfa/passkey/register/*" { capabilities = ["update"] }' });
  await api(server, 'POST', '/v1/auth/userpass/users/alice', { token_policies: ['passkeys'] });
  const token = (await api(server, 'POST', '/v1/auth/userpass/login/alice', { password: alice.password }, null)).body.auth.client_token;
  device.origin = relyingPartyOf(server.runtime.services.config.apiAddr).origin;
  const begun = await api(server, 'POST', '/v1/identity/mfa/passkey/register/begin', {}, token);
  const finished = await api(server, 'POST', '/v1/identity/mfa/passkey/register/finish', { challenge_id: begun.body.data.challenge_id, credential: device.create(begun.body.data.options, device.origin), name: 'Key' }, token);
  expect(finished.status).toBe(200);
}, 120_000);
afterAll(async () => server?.destroy());

describe('sign in with a passkey', () => {
  it('offers the button with its script, and signs in with a real assertion', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(config);
    const page = await follow(browser, await browser.request(request.url), request.url);
    if (!('html' in page)) throw new Error('expected the sign-in page');
    expect(page.html).toContain('Use a passkey');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const scriptUrl = new URL(/<script src="([^"]+)"/.exec(page.html)?.[1] as string, page.url);
    const script = await browser.request(scriptUrl);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('navigator.credentials.get');

    const optionsUrl = new URL(/data-options="([^"]+)"/.exec(page.html)?.[1] as string, page.url);
    const form = formsOf(page.html).find((f) => f.action.endsWith('/passkey')) as { action: string; fields: Record<string, string> };

    // Without the script's answer, the server says the password form is the way.
    const bare = await browser.request(new URL(form.action, page.url), { form: form.fields });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('needs JavaScript');

    const begun = (await (await browser.request(optionsUrl)).json()) as { challenge_id: string; options: { challenge: string; rpId: string } };
    const credential = device.get(begun.options);
    const target = new URL(form.action, page.url);
    let step = await follow(browser, await browser.request(target, { form: { ...form.fields, challenge_id: begun.challenge_id, credential: JSON.stringify(credential) } }), target);
    if ('html' in step && step.html.includes('Allow access?')) {
      const consent = formsOf(step.html)[0] as { action: string; fields: Record<string, string> };
      const consentUrl = new URL(consent.action, step.url);
      step = await follow(browser, await browser.request(consentUrl, { form: consent.fields }), consentUrl);
    }
    if (!('callback' in step)) throw new Error(`expected the callback, got ${step.status}: ${step.html.slice(0, 300)}`);
    const tokens = await exchange(config, step.callback, request);
    const { payload } = await jwtVerify(tokens.id_token as string, createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`)), { issuer, audience: client.client_id });
    expect(payload.sub).toBe(alice.entityId);
    expect(payload.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(payload.acr).toBe('urn:lanyard:loa:2fa');
  });

  it('refuses an assertion from a cloned authenticator on the page too', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(config);
    const page = await follow(browser, await browser.request(request.url), request.url);
    if (!('html' in page)) throw new Error('expected the sign-in page');
    const optionsUrl = new URL(/data-options="([^"]+)"/.exec(page.html)?.[1] as string, page.url);
    const form = formsOf(page.html).find((f) => f.action.endsWith('/passkey')) as { action: string; fields: Record<string, string> };
    const begun = (await (await browser.request(optionsUrl)).json()) as { challenge_id: string; options: { challenge: string; rpId: string } };
    const clone = device.clone();
    clone.counter = 0;
    const res = await browser.request(new URL(form.action, page.url), { form: { ...form.fields, challenge_id: begun.challenge_id, credential: JSON.stringify(clone.get(begun.options)) } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('This passkey could not sign you in');
  });
});
