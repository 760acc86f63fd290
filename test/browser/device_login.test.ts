/**
 * A real browser (headless Chromium) approves a device sign-in: the "enter the code" page found by
 * its label, a wrong code announced as an alert tied to the field, the confirmation page showing
 * the code, then the usual sign-in and consent pages, and the device's poll gets its tokens.
 * Screenshots go to the system's temp directory for review.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createClient, createKey, createProvider, createUser, relyingParty, type TestUser } from '../support/relying_party.js';

describe('approving a device in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    const client = await createClient(server, 'lanyard-cli', { key: 'k1', client_type: 'public', grant_types: 'urn:ietf:params:oauth:grant-type:device_code', assignments: 'allow_all' });
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    alice = await createUser(server, 'alice');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  it('takes the code, confirms it, signs the person in and lets the device poll its tokens', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const page = await browser.newPage();
    await page.goto(started.verification_uri);
    await expect(page.title()).resolves.toBe('Connect a device · Lanyard');
    expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('user_code');
    await page.screenshot({ path: join(tmpdir(), 'lanyard-device-code.png'), fullPage: true });

    await page.getByLabel('Code').fill('bbbb-bbbb');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('That code is not valid. Check it on your device and try again.');
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Code').fill(started.user_code.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Is this your device?');
    expect(await page.getByText(started.user_code, { exact: true }).count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), 'lanyard-device-confirm.png'), fullPage: true });
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Allow access?');
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Device connected');
    await page.screenshot({ path: join(tmpdir(), 'lanyard-device-done.png'), fullPage: true });
    await page.close();

    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 });
    expect(tokens.claims()?.sub).toBe(alice.entityId);
  });
});
