/**
 * Sessions: single sign-on within a provider, prompt=none with and without a session, max_age,
 * RP-initiated logout, and two providers on one host that keep separate sessions and tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

const LOGGED_OUT = 'https://rp.example.com/logged-out';

describe('sessions', () => {
  let server: TestServer;
  /** The server clock, moved by tests instead of sleeping. */
  let offset = 0;
  let alice: TestUser;
  let client: ClientCredentials;
  let issuerA: string;
  let issuerB: string;
  let configA: oidc.Configuration;
  let configB: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer({ now: () => Date.now() + offset });
    await createKey(server, 'k1');
    client = await createClient(server, 'web', {
      key: 'k1',
      redirect_uris: REDIRECT_URI,
      post_logout_redirect_uris: LOGGED_OUT,
      assignments: 'allow_all',
    });
    issuerA = await createProvider(server, 'alpha', { allowed_client_ids: '*' });
    issuerB = await createProvider(server, 'beta', { allowed_client_ids: '*' });
    alice = await createUser(server, 'alice');
    configA = await relyingParty(issuerA, client);
    configB = await relyingParty(issuerB, client);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const signedInBrowser = async (config: oidc.Configuration): Promise<{ browser: Browser; idToken: string }> => {
    const browser = new Browser();
    const request = await authorizationRequest(config);
    const { callback } = await signIn(browser, request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    return { browser, idToken: tokens.id_token as string };
  };

  it('answers prompt=none without a session with login_required, at the client', async () => {
    const request = await authorizationRequest(configA, { prompt: 'none' });
    const { callback, pages } = await signIn(new Browser(), request.url);
    expect(pages).toEqual([]);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('answers prompt=none with a session with a code and no page', async () => {
    const { browser } = await signedInBrowser(configA);
    const request = await authorizationRequest(configA, { prompt: 'none' });
    const { callback, pages } = await signIn(browser, request.url);
    expect(pages).toEqual([]);
    expect((await exchange(configA, callback, request)).claims()?.sub).toBe(alice.entityId);
  });

  it('honours max_age: auth_time in the ID token, and a new sign-in once the session is older', async () => {
    offset = -2 * 3600 * 1000; // alice signs in "two hours ago" by the server clock
    let browser: Browser;
    try {
      ({ browser } = await signedInBrowser(configA));
    } finally {
      offset = 0;
    }

    const recent = await authorizationRequest(configA, { max_age: String(3 * 3600) });
    const fresh = await signIn(browser, recent.url);
    expect(fresh.pages).toEqual([]);
    const claims = (await exchange(configA, fresh.callback, recent)).claims();
    expect(Math.abs((claims?.auth_time as number) - (Math.floor(Date.now() / 1000) - 7200))).toBeLessThan(60);

    const strict = await authorizationRequest(configA, { max_age: '3600' });
    const again = await signIn(browser, strict.url, { username: 'alice', password: alice.password });
    expect(again.pages).toEqual(['login']);
    const reauthenticated = (await exchange(configA, again.callback, strict)).claims();
    expect(Math.abs((reauthenticated?.auth_time as number) - Math.floor(Date.now() / 1000))).toBeLessThan(60);
  });

  it('logs out at the relying party’s request and returns to its registered address', async () => {
    const { browser, idToken } = await signedInBrowser(configA);
    const logoutUrl = oidc.buildEndSessionUrl(configA, { id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT, state: 'bye' });
    const confirm = await browser.request(logoutUrl);
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    expect(page).toContain('Sign out?');
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(page);
    expect(form).not.toBeNull();
    const done = await browser.request(new URL((form as RegExpExecArray)[1] as string, logoutUrl), {
      form: { xsrf: (form as RegExpExecArray)[2] as string, logout: 'yes' },
    });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(LOGGED_OUT);
    expect(back.searchParams.get('state')).toBe('bye');

    // The session is gone: a silent authorization needs a sign-in again.
    const request = await authorizationRequest(configA, { prompt: 'none' });
    expect((await signIn(browser, request.url)).callback.searchParams.get('error')).toBe('login_required');
  });

  it('refuses a logout redirect the client has not registered, on a page', async () => {
    const { browser, idToken } = await signedInBrowser(configA);
    const res = await browser.request(oidc.buildEndSessionUrl(configA, { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example.com/' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Lanyard');
  });

  it('keeps two providers’ sessions apart on one host', async () => {
    const { browser } = await signedInBrowser(configA);
    expect(browser.cookieNames()).toContain('lanyard_session.alpha');

    // Signed in at alpha does not mean signed in at beta.
    const silentB = await authorizationRequest(configB, { prompt: 'none' });
    expect((await signIn(browser, silentB.url)).callback.searchParams.get('error')).toBe('login_required');

    // Signing in at beta leaves the alpha session alone.
    const requestB = await authorizationRequest(configB);
    const atB = await signIn(browser, requestB.url, { username: 'alice', password: alice.password });
    expect(atB.pages).toEqual(['login', 'consent']);
    const silentA = await authorizationRequest(configA, { prompt: 'none' });
    const stillA = await signIn(browser, silentA.url);
    expect(stillA.callback.searchParams.get('code')).toBeTruthy();
  });

  it('does not accept one provider’s tokens at the other', async () => {
    const request = await authorizationRequest(configA, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(configA, callback, request);

    const userinfo = await oidc.fetchUserInfo(configB, tokens.access_token, alice.entityId).catch((err: unknown) => err);
    expect(userinfo).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    const refresh = await oidc.refreshTokenGrant(configB, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((refresh as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await oidc.tokenIntrospection(configB, tokens.access_token)).toEqual({ active: false });

    // Beta's code cannot be exchanged at alpha either.
    const requestB = await authorizationRequest(configB);
    const atB = await signIn(new Browser(), requestB.url, { username: 'alice', password: alice.password });
    const crossed = await exchange(configA, atB.callback, requestB).catch((err: unknown) => err);
    expect(crossed).toBeInstanceOf(Error);

    // And they all still work where they belong.
    expect((await oidc.fetchUserInfo(configA, tokens.access_token, alice.entityId)).sub).toBe(alice.entityId);
  });
});
