/**
 * Apache's mod_auth_openidc (Debian's libapache2-mod-auth-openidc 2.4) as an unchanged relying
 * party, end to end in headless Chromium: the protected page sends the browser to Lanyard's real
 * sign-in and consent pages, the module exchanges the code (PKCE, client_secret_post), verifies
 * the ES256 ID token, and passes the claims on to the page.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { createClient, createKey, createProvider, createScope, createUser, type TestUser } from '../support/relying_party.js';
import { freePort, redirectUriFor, startApache, type ApacheRp } from './apache.js';

describe('mod_auth_openidc', () => {
  let server: TestServer;
  let apache: ApacheRp;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1', { algorithm: 'ES256' });
    const accessor = (await api(server, 'GET', '/v1/sys/auth')).body.data['userpass/'].accessor as string;
    await createScope(server, 'profile', `{"name": {{identity.entity.aliases.${accessor}.name}}, "groups": {{identity.entity.groups.names}}}`);
    await createScope(server, 'email', '{"email": {{identity.entity.metadata.email}}}');
    const port = await freePort();
    const client = await createClient(server, 'apache', { key: 'k1', redirect_uris: redirectUriFor(port), assignments: 'allow_all' });
    const issuer = await createProvider(server, 'p1', { allowed_client_ids: '*', scopes_supported: 'profile,email' });
    alice = await createUser(server, 'alice');
    bob = await createUser(server, 'bob');
    await api(server, 'POST', `/v1/identity/entity/id/${alice.entityId}`, { metadata: { email: 'alice@example.com' } });
    await api(server, 'POST', '/v1/identity/group', { name: 'wiki-editors', member_entity_ids: [alice.entityId] });
    apache = await startApache({ issuer, clientId: client.client_id, clientSecret: client.client_secret as string, scope: 'openid profile email', port });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await apache?.stop();
    await server?.destroy();
  });

  async function signInThroughApache(user: TestUser): Promise<Record<string, string>> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(apache.protectedUrl);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(apache.protectedUrl);
    const text = await page.locator('body').innerText();
    await context.close();
    const vars: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return vars;
  }

  it('signs a person in and passes their claims on', async () => {
    const vars = await signInThroughApache(alice);
    expect(vars).toMatchObject({
      REMOTE_USER: alice.entityId,
      OIDC_CLAIM_sub: alice.entityId,
      OIDC_CLAIM_name: 'alice',
      OIDC_CLAIM_email: 'alice@example.com',
      OIDC_CLAIM_groups: 'wiki-editors',
    });
  });

  it('sends a denied consent back as access_denied with iss; this module version then shows its own error', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(apache.protectedUrl);
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const back = page.waitForResponse((r) => r.url().startsWith(apache.redirectUri));
    await page.getByRole('button', { name: 'Deny' }).click();
    const callback = new URL((await back).url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toEqual(expect.any(String));
    expect(callback.searchParams.get('iss')).toMatch(/\/v1\/identity\/oidc\/provider\/p1$/);
    // mod_auth_openidc 2.4.12 reads a redirect with `iss` and no `code` as a third-party-initiated
    // login without target_link_uri (README, "Tested clients"): the person never gets in.
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('OIDC_CLAIM_sub');
    await context.close();
  });

  it('handles an entity without groups (an empty list, no module error)', async () => {
    const vars = await signInThroughApache(bob);
    expect(vars).toMatchObject({ REMOTE_USER: bob.entityId, OIDC_CLAIM_name: 'bob' });
    expect(await apache.errorLog()).not.toMatch(/unhandled JSON object type/);
  });
});
