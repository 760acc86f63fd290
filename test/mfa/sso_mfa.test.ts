/**
 * MFA after an upstream SSO sign-in: an enforcement on the `oidc` auth type puts the code page
 * between the IdP's answer and consent, and the ID token says `amr: ["fed","otp","mfa"]`.
 * Real upstream IdP, real openid-client relying party, real TOTP codes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as oidc from 'openid-client';
import { TOTP, URI } from 'otpauth';
import { authorizationRequest, Browser, createClient, createKey, createProvider, exchange, formsOf, REDIRECT_URI, relyingParty } from '../support/relying_party.js';
import { api, type TestServer } from '../support/server.js';
import { UpstreamIdp, type UpstreamAccount } from '../support/upstream_idp.js';
import { CALLBACK_PATH, configureSso, organizationId, ssoBody, startSsoServer } from '../sso/sso_support.js';

const DANA: UpstreamAccount = { sub: 'dana-1', email: 'dana@example.com', email_verified: true, name: 'Dana' };

let server: TestServer;
let idp: UpstreamIdp;
let rp: oidc.Configuration;

interface Page {
  readonly url: URL;
  readonly status: number;
  readonly html: string;
}

async function follow(browser: Browser, start: URL, init?: Parameters<Browser['request']>[1]): Promise<Page | URL> {
  let current = start;
  let res = await browser.request(current, init);
  for (let step = 0; step < 20; step++) {
    if (res.status < 300 || res.status >= 400) return { url: current, status: res.status, html: await res.text() };
    const next = new URL(res.headers.get('location') as string, current);
    await res.arrayBuffer();
    if (next.origin !== server.url && next.origin !== idp.issuer) return next;
    current = next;
    res = await browser.request(current);
  }
  throw new Error('too many steps');
}

const asPage = (result: Page | URL): Page => {
  if (result instanceof URL) throw new Error(`expected a page, was sent to ${result.href}`);
  return result;
};

/** Through the SSO button of a fresh authorization: the page after the IdP (and the request). */
async function afterSso(browser: Browser) {
  const request = await authorizationRequest(rp);
  const signIn = asPage(await follow(browser, request.url));
  const form = formsOf(signIn.html).find((candidate) => candidate.action.endsWith('/sso'));
  if (!form) throw new Error('no SSO button');
  idp.autoLogin = DANA.sub;
  return { request, page: asPage(await follow(browser, new URL(form.action, signIn.url), { form: form.fields })) };
}

async function allow(browser: Browser, page: Page): Promise<URL> {
  const [consent] = formsOf(page.html);
  const result = await follow(browser, new URL(consent!.action, page.url), { form: consent!.fields });
  if (!(result instanceof URL)) throw new Error(`expected the callback, got a page (${result.status})`);
  return result;
}

beforeAll(async () => {
  server = await startSsoServer();
  const orgId = await organizationId(server);
  idp = await UpstreamIdp.start({ redirectUri: `${server.url}${CALLBACK_PATH}`, alg: 'EdDSA', accounts: [DANA] });
  await createKey(server, 'k1');
  const client = await createClient(server, 'wiki', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
  rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
  await configureSso(server, ssoBody(idp, orgId, { configurationType: 'discoveryURL', discoveryURL: idp.issuer, allowedEmailDomains: 'example.com' }));
}, 120_000);
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

describe('upstream SSO then a code', () => {
  it('asks for the code when an enforcement covers the oidc auth type', async () => {
    // First sign-in: no enforcement yet; it creates Dana's entity.
    const browser = new Browser();
    const first = await afterSso(browser);
    const firstTokens = await exchange(rp, await allow(browser, first.page), first.request);
    expect(firstTokens.claims()?.amr).toEqual(['fed']);
    const entityId = firstTokens.claims()?.sub;

    const method = (await api(server, 'POST', '/v1/identity/mfa/method/totp', { issuer: 'Lanyard' })).body.data.method_id;
    const url = (await api(server, 'POST', '/v1/identity/mfa/method/totp/admin-generate', { method_id: method, entity_id: entityId })).body.data.url as string;
    expect((await api(server, 'PUT', '/v1/identity/mfa/login-enforcement/sso', { mfa_method_ids: [method], auth_method_types: ['oidc'] })).status).toBe(204);

    const second = new Browser();
    const { request, page } = await afterSso(second);
    expect(page.html).toContain('autocomplete="one-time-code"');
    const [codeForm] = formsOf(page.html);
    const code = (URI.parse(url) as TOTP).generate();
    const consent = asPage(await follow(second, new URL(codeForm!.action, page.url), { form: { ...codeForm!.fields, code } }));
    const tokens = await exchange(rp, await allow(second, consent), request);
    expect(tokens.claims()?.sub).toBe(entityId);
    expect(tokens.claims()?.amr).toEqual(['fed', 'otp', 'mfa']);
    expect(tokens.claims()?.acr).toBe('urn:lanyard:loa:2fa');
  });
});
