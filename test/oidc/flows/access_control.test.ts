/**
 * Who may get tokens: client assignments (entities, groups, nested groups, SSO between clients),
 * disabled entities, the key's and the provider's allowed client IDs, sign-in with a Lanyard
 * token, and the sign-in page's own defences (anti-forgery token, brute-force limit).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createAssignment,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  formsOf,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

describe('access control', () => {
  let server: TestServer;
  let issuer: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  /** Assigned to alice only (by entity). */
  let aliceOnly: ClientCredentials;
  /** Assigned to the members of `parent`, whose child group holds carol. */
  let nested: ClientCredentials;
  let open: ClientCredentials;

  const config = (client: ClientCredentials) => relyingParty(issuer, client);

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    alice = await createUser(server, 'alice');
    bob = await createUser(server, 'bob');
    carol = await createUser(server, 'carol');
    const child = await api(server, 'POST', '/v1/identity/group', { name: 'child', member_entity_ids: [carol.entityId] });
    const parent = await api(server, 'POST', '/v1/identity/group', { name: 'parent', member_group_ids: [child.body.data.id] });
    await createAssignment(server, 'alice-only', { entity_ids: alice.entityId });
    await createAssignment(server, 'parents', { group_ids: parent.body.data.id });
    aliceOnly = await createClient(server, 'alice-only', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'alice-only' });
    nested = await createClient(server, 'nested', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'parents' });
    open = await createClient(server, 'open', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  describe('assignments', () => {
    it('admits an assigned entity and refuses others with access_denied', async () => {
      const rp = await config(aliceOnly);
      const ok = await authorizationRequest(rp);
      expect((await exchange(rp, (await signIn(new Browser(), ok.url, { username: 'alice', password: alice.password })).callback, ok)).claims()?.sub).toBe(alice.entityId);

      const refused = await authorizationRequest(rp);
      const { callback } = await signIn(new Browser(), refused.url, { username: 'bob', password: bob.password });
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('state')).toBe(refused.state);
    });

    it('admits members of an assigned group through a nested group', async () => {
      const rp = await config(nested);
      const request = await authorizationRequest(rp);
      const { callback } = await signIn(new Browser(), request.url, { username: 'carol', password: carol.password });
      expect((await exchange(rp, callback, request)).claims()?.sub).toBe(carol.entityId);
      const other = await authorizationRequest(rp);
      expect((await signIn(new Browser(), other.url, { username: 'alice', password: alice.password })).callback.searchParams.get('error')).toBe('access_denied');
    });

    it('checks assignments on single sign-on to another client too', async () => {
      const browser = new Browser();
      const openRp = await config(open);
      const first = await authorizationRequest(openRp);
      await signIn(browser, first.url, { username: 'bob', password: bob.password });
      // bob is signed in; the alice-only client must still refuse him without showing a page.
      const sso = await authorizationRequest(await config(aliceOnly));
      const { callback, pages } = await signIn(browser, sso.url);
      expect(pages).toEqual([]);
      expect(callback.searchParams.get('error')).toBe('access_denied');
    });

    it('refuses the code exchange when the assignment is removed after authorization', async () => {
      await createAssignment(server, 'temporary', { entity_ids: bob.entityId });
      const client = await createClient(server, 'temporary', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'temporary' });
      const rp = await config(client);
      const request = await authorizationRequest(rp);
      const { callback } = await signIn(new Browser(), request.url, { username: 'bob', password: bob.password });
      await createAssignment(server, 'temporary', { entity_ids: [] });
      const failure = await exchange(rp, callback, request).catch((err: unknown) => err);
      expect((failure as oidc.ResponseBodyError).error).toBe('invalid_grant');
    });
  });

  describe('disabled entities', () => {
    it('cannot sign in, and lose their session and tokens when disabled later', async () => {
      const dave = await createUser(server, 'dave');
      const rp = await config(open);
      const browser = new Browser();
      const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await exchange(rp, (await signIn(browser, request.url, { username: 'dave', password: dave.password })).callback, request);

      await api(server, 'POST', `/v1/identity/entity/id/${dave.entityId}`, { disabled: true });
      const silent = await authorizationRequest(rp);
      expect((await signIn(browser, silent.url)).callback.searchParams.get('error')).toBe('access_denied');
      expect(await oidc.fetchUserInfo(rp, tokens.access_token, dave.entityId).catch((err: unknown) => err)).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect(((await oidc.refreshTokenGrant(rp, tokens.refresh_token as string).catch((err: unknown) => err)) as oidc.ResponseBodyError).error).toBe('invalid_grant');

      // The page refuses the password of a disabled entity.
      const again = await authorizationRequest(rp);
      const page = await signInPage(new Browser(), again.url);
      const res = await page.browser.request(page.action, { form: { ...page.fields, username: 'dave', password: dave.password } });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This account cannot sign in here.');
    });
  });

  describe('allowed client IDs', () => {
    it('answers invalid_client at the token endpoint when the client’s key does not allow it', async () => {
      await createKey(server, 'closed', { allowed_client_ids: [] });
      const client = await createClient(server, 'closed', { key: 'closed', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
      const rp = await config(client);
      const request = await authorizationRequest(rp);
      const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
      expect(callback.searchParams.get('code')).toBeTruthy();
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code') as string,
          redirect_uri: REDIRECT_URI,
          code_verifier: request.verifier,
          client_id: client.client_id,
          client_secret: client.client_secret as string,
        }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    });

    it('treats a client the provider does not allow as unknown, and stops serving its tokens', async () => {
      const client = await createClient(server, 'listed', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
      const separate = await createProvider(server, 'p2', { allowed_client_ids: client.client_id });
      const rp = await relyingParty(separate, client);
      const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await exchange(rp, (await signIn(new Browser(), request.url, { username: 'alice', password: alice.password })).callback, request);

      await api(server, 'POST', '/v1/identity/oidc/provider/p2', { allowed_client_ids: [] });
      const page = await new Browser().request((await authorizationRequest(rp)).url);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('Unknown application');
      expect(await oidc.fetchUserInfo(rp, tokens.access_token, alice.entityId).catch((err: unknown) => err)).toBeInstanceOf(Error);
      expect(await oidc.refreshTokenGrant(rp, tokens.refresh_token as string).catch((err: unknown) => err)).toBeInstanceOf(Error);
    });
  });

  describe('authorization with a Lanyard token', () => {
    it('skips sign-in and consent and redirects straight back with a code (X-Vault-Token and Bearer)', async () => {
      const rp = await config(open);
      const headers: Array<Record<string, string>> = [{ 'x-vault-token': alice.token }, { authorization: `Bearer ${alice.token}` }];
      for (const header of headers) {
        const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
        const res = await fetch(request.url, { headers: header, redirect: 'manual' });
        expect(res.status).toBe(303);
        const callback = new URL(res.headers.get('location') as string);
        expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
        expect(callback.searchParams.get('state')).toBe(request.state);
        const tokens = await exchange(rp, callback, request);
        expect(tokens.claims()?.sub).toBe(alice.entityId);
        expect(tokens.refresh_token).toEqual(expect.any(String));
      }
    });

    it('issues access tokens that work at userinfo, also without offline access', async () => {
      const rp = await config(open);
      const request = await authorizationRequest(rp);
      const res = await fetch(request.url, { headers: { 'x-vault-token': alice.token }, redirect: 'manual' });
      const tokens = await exchange(rp, new URL(res.headers.get('location') as string), request);
      expect(tokens.refresh_token).toBeUndefined();
      expect(await oidc.fetchUserInfo(rp, tokens.access_token, alice.entityId)).toEqual({ sub: alice.entityId });
    });

    it('answers the client with an error for a token that cannot authorize', async () => {
      const rp = await config(open);
      const cases: Array<[string, string]> = [
        ['lys.not-a-real-token', 'access_denied'],
        [server.rootToken, 'access_denied'], // no entity
      ];
      for (const [token, error] of cases) {
        const request = await authorizationRequest(rp);
        const res = await fetch(request.url, { headers: { 'x-vault-token': token }, redirect: 'manual' });
        const callback = new URL(res.headers.get('location') as string);
        expect(callback.searchParams.get('error')).toBe(error);
      }
      const unassigned = await authorizationRequest(await config(aliceOnly));
      const res = await fetch(unassigned.url, { headers: { 'x-vault-token': bob.token }, redirect: 'manual' });
      expect(new URL(res.headers.get('location') as string).searchParams.get('error')).toBe('access_denied');
      const relogin = await authorizationRequest(rp, { prompt: 'login' });
      const forced = await fetch(relogin.url, { headers: { 'x-vault-token': alice.token }, redirect: 'manual' });
      expect(new URL(forced.headers.get('location') as string).searchParams.get('error')).toBe('login_required');
    });
  });

  describe('the sign-in page', () => {
    it('fills in the username an application hints at and focuses the password', async () => {
      const browser = new Browser();
      const request = await authorizationRequest(await config(open), { login_hint: 'alice' });
      const start = await browser.request(request.url);
      const html = await (await browser.request(new URL(start.headers.get('location') as string, request.url))).text();
      expect(html).toMatch(/id="username"[^>]*value="alice"/);
      expect(html).toMatch(/id="password"[^>]*autofocus/);
    });

    it('refuses a form without the anti-forgery token', async () => {
      const page = await signInPage(new Browser(), (await authorizationRequest(await config(open))).url);
      const res = await page.browser.request(page.action, { form: { username: 'alice', password: alice.password } });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('did not come from this sign-in page');
    });

    it('says what went wrong, next to the fields, and keeps the username', async () => {
      const page = await signInPage(new Browser(), (await authorizationRequest(await config(open))).url);
      const res = await page.browser.request(page.action, { form: { ...page.fields, username: 'alice', password: 'wrong-password' } });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('<p class="error" id="login-error" role="alert">Incorrect username or password.</p>');
      expect(html).toMatch(/id="password"[^>]*aria-invalid="true" aria-describedby="login-error"[^>]*autofocus/);
      expect(html).toContain('value="alice"');
    });

    it('locks a username out after repeated failures', async () => {
      const erin = await createUser(server, 'erin');
      const page = await signInPage(new Browser(), (await authorizationRequest(await config(open))).url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await page.browser.request(page.action, { form: { ...page.fields, username: 'erin', password: `guess-${i}` } });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      const locked = await page.browser.request(page.action, { form: { ...page.fields, username: 'erin', password: erin.password } });
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await locked.text()).toContain('Too many failed attempts');
    });
  });
});

/** Opens the sign-in page of an authorization request: the browser, the form action and fields. */
async function signInPage(browser: Browser, url: URL): Promise<{ browser: Browser; action: URL; fields: Record<string, string> }> {
  const start = await browser.request(url);
  const pageUrl = new URL(start.headers.get('location') as string, url);
  const page = await browser.request(pageUrl);
  const [form] = formsOf(await page.text());
  if (!form) throw new Error('no sign-in form');
  return { browser, action: new URL(form.action, pageUrl), fields: form.fields };
}
