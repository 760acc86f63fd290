/**
 * A real browser (headless Chromium driven by playwright-core) signs a user in through the real
 * sign-in and consent pages and lands on the relying party's callback with a code. The pages are
 * found the way a person using a screen reader would find them: by their labels and roles.
 * Screenshots of both pages are written to the system's temp directory for review.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchChromium, startCallbackPage, type CallbackPage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { authorizationRequest, createClient, createKey, createProvider, createUser, exchange, relyingParty, type TestUser } from '../support/relying_party.js';

describe('signing in with a browser', () => {
  let server: TestServer;
  let callbackPage: CallbackPage;
  let callbackUrl: string;
  let browser: Browser;
  let alice: TestUser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // The relying party's callback: a real page the browser ends up on.
    callbackPage = await startCallbackPage();
    callbackUrl = callbackPage.url;

    server = await startTestServer();
    await createKey(server, 'k1');
    const client = await createClient(server, 'team-wiki', { key: 'k1', redirect_uris: callbackUrl, assignments: 'allow_all' });
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    alice = await createUser(server, 'alice');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callbackPage?.close();
  });

  it('goes through the sign-in and consent pages to the application with a code', async () => {
    const request = await authorizationRequest(config, { redirect_uri: callbackUrl });
    const page = await browser.newPage();

    await page.goto(request.url.href);
    await expect(page.title()).resolves.toBe('Sign in · Lanyard');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    expect(await page.getByText('to continue to team-wiki').count()).toBe(1);
    // The username field has focus first, as a keyboard user expects.
    expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('username');
    await page.screenshot({ path: join(tmpdir(), 'lanyard-login.png'), fullPage: true });

    // A wrong password: the error is announced and tied to the fields, the username kept.
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not her password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Incorrect username or password.');
    expect(await page.getByLabel('Username').inputValue()).toBe('alice');
    expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('password');
    await page.screenshot({ path: join(tmpdir(), 'lanyard-login-error.png'), fullPage: true });

    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Allow access?');
    expect(await page.getByText('Know who you are').count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), 'lanyard-consent.png'), fullPage: true });
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL((url) => url.href.startsWith(callbackUrl));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(alice.entityId);
    await page.close();
  });
});
