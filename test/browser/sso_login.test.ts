/**
 * A real browser (headless Chromium driven by playwright-core) signs in through the upstream IdP
 * once: the application sends it to Lanyard, the person presses "Sign in with …", signs in on the
 * IdP's own page, allows access on Lanyard's consent page, and lands on the application with a
 * code whose ID token names the entity of their IdP subject. A screenshot of the sign-in page with
 * the button is written to the system's temp directory for review.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchChromium, startCallbackPage, type CallbackPage } from '../support/browser.js';
import { api, type TestServer } from '../support/server.js';
import { authorizationRequest, createClient, createKey, createProvider, exchange, relyingParty } from '../support/relying_party.js';
import { UpstreamIdp } from '../support/upstream_idp.js';
import { CALLBACK_PATH, configureSso, organizationId, ssoBody, startSsoServer } from '../sso/sso_support.js';

describe('signing in with a browser through the upstream IdP', () => {
  let server: TestServer;
  let idp: UpstreamIdp;
  let callbackPage: CallbackPage;
  let callbackUrl: string;
  let browser: Browser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // The relying party's callback: a real page the browser ends up on.
    callbackPage = await startCallbackPage();
    callbackUrl = callbackPage.url;

    server = await startSsoServer();
    idp = await UpstreamIdp.start({ redirectUri: `${server.url}${CALLBACK_PATH}`, accounts: [{ sub: 'frank-1', email: 'frank@example.com', email_verified: true }] });
    await configureSso(server, ssoBody(idp, await organizationId(server), { configurationType: 'discoveryURL', discoveryURL: idp.issuer }));
    await createKey(server, 'k1');
    const client = await createClient(server, 'team-wiki', { key: 'k1', redirect_uris: callbackUrl, assignments: 'allow_all' });
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await idp?.close();
    await callbackPage?.close();
  });

  it('goes from the application to the IdP and back with a code', async () => {
    const request = await authorizationRequest(config, { redirect_uri: callbackUrl });
    const page = await browser.newPage();

    await page.goto(request.url.href);
    await expect(page.title()).resolves.toBe('Sign in · Lanyard');
    const button = page.getByRole('button', { name: `Sign in with ${new URL(idp.issuer).host}` });
    expect(await button.count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), 'lanyard-login-sso.png'), fullPage: true });
    await button.click();

    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.getByLabel('Account').fill('frank-1');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Allow access?');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL((url) => url.href.startsWith(callbackUrl));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(config, callback, request);
    const entity = (await api(server, 'GET', `/v1/identity/entity/id/${tokens.claims()?.sub}`)).body.data;
    expect(entity.aliases).toEqual([expect.objectContaining({ mount_type: 'oidc', name: 'frank-1' })]);
    await page.close();
  });
});
