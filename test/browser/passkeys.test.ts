/**
 * Passkeys in a real browser: headless Chromium with its virtual authenticator (Chrome DevTools
 * Protocol `WebAuthn.*`: CTAP2, resident keys, user verification) runs the pages' own scripts.
 * A person signs in with their password, adds a passkey on the Security page, then signs in with
 * only the passkey on the sign-in page; the ID token says so (`amr` user+mfa, two-factor `acr`).
 * A second authenticator holding a copy of the key with a lower counter (a cloned credential) is
 * refused.
 *
 * Chromium refuses IP addresses as relying-party ids, so the server's `api-addr` (and so the
 * provider's issuer and the passkeys' RP id) is `http://localhost:<port>`.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromium, startCallbackPage, type CallbackPage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { authorizationRequest, createClient, createKey, createProvider, createUser, exchange, relyingParty, type TestUser } from '../support/relying_party.js';

interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId: string;
  readonly privateKey: string;
  readonly userHandle: string;
  readonly signCount: number;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A page whose navigator.credentials is answered by a fresh virtual platform authenticator. */
async function pageWithAuthenticator(context: BrowserContext): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { page, cdp, authenticatorId };
}

async function credentialsOf(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
}

describe('passkeys in Chromium with a virtual authenticator', () => {
  let server: TestServer;
  let callbackPage: CallbackPage;
  let browser: Browser;
  let alice: TestUser;
  let issuer: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    callbackPage = await startCallbackPage();
    const port = await freePort();
    server = await startTestServer({ port, settings: { listen: `127.0.0.1:${port}`, 'api-addr': `http://localhost:${port}` } });
    await createKey(server, 'k1');
    const client = await createClient(server, 'team-wiki', { key: 'k1', redirect_uris: callbackPage.url, assignments: 'allow_all' });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*', issuer: `http://localhost:${port}` });
    expect(new URL(issuer).hostname).toBe('localhost');
    config = await relyingParty(issuer, client, 'basic');
    alice = await createUser(server, 'alice');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callbackPage?.close();
  });

  /** Through the consent page (once) to the application; the ID token's claims. */
  async function finishAtApplication(page: Page, request: Awaited<ReturnType<typeof authorizationRequest>>) {
    await page.waitForURL((url) => url.href.startsWith(callbackPage.url) || url.pathname.includes('/interaction/'));
    if (!page.url().startsWith(callbackPage.url)) {
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(callbackPage.url));
    }
    const tokens = await exchange(config, new URL(page.url()), request);
    return tokens.claims();
  }

  it('adds a passkey on the Security page, signs in with it, and refuses a cloned copy', async () => {
    const context = await browser.newContext();
    const { page, cdp, authenticatorId } = await pageWithAuthenticator(context);

    // 1. Password sign-in gives the browser a session with the provider.
    const first = await authorizationRequest(config, { redirect_uri: callbackPage.url });
    await page.goto(first.url.href);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await finishAtApplication(page, first))?.amr).toEqual(['pwd']);

    // 2. The Security page: name the passkey and add it; the authenticator now holds it.
    await page.goto(`${issuer}/security`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Security');
    expect(await page.getByText('You have no passkeys yet.').count()).toBe(1);
    await page.getByLabel('Name for a new passkey').fill('Chromium key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL((url) => url.search === '?done=added');
    await expect(page.getByRole('status').textContent()).resolves.toBe('Passkey added.');
    expect(await page.getByLabel('Passkey name').inputValue()).toBe('Chromium key');
    const [stored] = await credentialsOf(cdp, authenticatorId);
    expect(stored?.isResidentCredential).toBe(true);
    expect(stored?.rpId).toBe('localhost');

    // 3. A new browser session: the passkey alone signs in, as two factors.
    await context.clearCookies();
    const second = await authorizationRequest(config, { redirect_uri: callbackPage.url });
    await page.goto(second.url.href);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await finishAtApplication(page, second);
    expect(claims?.sub).toBe(alice.entityId);
    expect(claims?.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(claims?.acr).toBe('urn:lanyard:loa:2fa');
    const [used] = await credentialsOf(cdp, authenticatorId);
    expect(used?.signCount).toBeGreaterThan(0);

    // 4. A cloned credential: the same private key in another authenticator, its counter behind.
    const otherContext = await browser.newContext();
    const clone = await pageWithAuthenticator(otherContext);
    await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.authenticatorId, credential: { ...(used as VirtualCredential), signCount: 0 } });
    const third = await authorizationRequest(config, { redirect_uri: callbackPage.url });
    await clone.page.goto(third.url.href);
    await clone.page.getByRole('button', { name: 'Use a passkey' }).click();
    // The page's script posts the assertion; the answer replaces the sign-in page.
    await clone.page.getByRole('heading', { name: 'Passkey sign-in failed' }).waitFor();
    expect(await clone.page.getByRole('alert').textContent()).toContain('This passkey could not sign you in');
    expect(clone.page.url().startsWith(callbackPage.url)).toBe(false);
    await otherContext.close();
    await context.close();
  }, 120_000);
});
