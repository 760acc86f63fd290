/**
 * The RP-initiated logout pages (the confirmation the library asks for, and the page shown after
 * a logout without a return address) carry the same protective headers as the sign-in pages:
 * the same Content-Security-Policy, no framing, nothing cached.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { Browser, authorizationRequest, createClient, createKey, createProvider, createUser, exchange, relyingParty, signIn, REDIRECT_URI, type TestUser } from '../../support/relying_party.js';

const PROTECTIVE = ['content-security-policy', 'x-frame-options', 'cache-control', 'x-content-type-options', 'referrer-policy'] as const;

const protectiveHeaders = (res: Response): Record<string, string | null> => Object.fromEntries(PROTECTIVE.map((name) => [name, res.headers.get(name)]));

describe('logout pages', () => {
  let server: TestServer;
  let alice: TestUser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    alice = await createUser(server, 'alice');
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('send the confirmation and the logged-out page with the sign-in page’s headers', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(config);
    // The sign-in page's headers are the reference.
    const start = await browser.request(request.url);
    const loginPage = await browser.request(new URL(start.headers.get('location') as string, request.url));
    expect(loginPage.status).toBe(200);
    // The sign-in page alone allows its own passkey script; every other page allows no script.
    const signInHeaders = protectiveHeaders(loginPage);
    expect(signInHeaders['content-security-policy']).toContain("default-src 'none'");
    const reference = { ...signInHeaders, 'content-security-policy': (signInHeaders['content-security-policy'] ?? '').replace("script-src 'self'; connect-src 'self'; ", '') };
    expect(reference['content-security-policy']).not.toContain('script-src');
    await loginPage.arrayBuffer();

    const { callback } = await signIn(browser, request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);

    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string });
    const confirm = await browser.request(logoutUrl);
    expect(confirm.status).toBe(200);
    expect(protectiveHeaders(confirm)).toEqual(reference);
    const page = await confirm.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(page) as RegExpExecArray;
    expect(form).not.toBeNull();

    const done = await browser.request(new URL(form[1] as string, logoutUrl), { form: { xsrf: form[2] as string, logout: 'yes' } });
    expect(done.status).toBe(303);
    const success = await browser.request(new URL(done.headers.get('location') as string, logoutUrl));
    expect(success.status).toBe(200);
    expect(protectiveHeaders(success)).toEqual(reference);
    expect(await success.text()).toContain('</html>');
  });
});
