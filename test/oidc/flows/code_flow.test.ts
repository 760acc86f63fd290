/**
 * The authorization code flow of a confidential client, end to end with openid-client as the
 * relying party: the real sign-in and consent pages, the token endpoint with both secret methods,
 * the ID token (verified with jose against the provider's JWKS), scope template claims in the ID
 * token and userinfo, and the ways a request is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { createLogger } from '../../../server/log.js';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createScope,
  createUser,
  exchange,
  formsOf,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

describe('authorization code flow (confidential client)', () => {
  let server: TestServer;
  let client: ClientCredentials;
  let issuer: string;
  let alice: TestUser;
  let config: oidc.Configuration;
  /** Every log line the server wrote, parsed. */
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const log = createLogger({ level: 'info', format: 'json', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
    server = await startTestServer({ log });
    await createKey(server, 'k1');
    const auth = await api(server, 'GET', '/v1/sys/auth');
    const accessor = auth.body['userpass/'].accessor as string;
    await createScope(server, 'user', `{"username": {{identity.entity.aliases.${accessor}.name}}, "contact": {"email": {{identity.entity.metadata.email}}}}`, 'Your username and email address');
    await createScope(server, 'groups', '{"groups": {{identity.entity.groups.names}}}');
    client = await createClient(server, 'web', {
      key: 'k1',
      redirect_uris: REDIRECT_URI,
      assignments: 'allow_all',
      id_token_ttl: '1h',
      access_token_ttl: '30m',
    });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: client.client_id, scopes_supported: 'user,groups' });
    alice = await createUser(server, 'alice');
    await api(server, 'POST', `/v1/identity/entity/id/${alice.entityId}`, { metadata: { email: 'alice@example.com' } });
    const engineering = await api(server, 'POST', '/v1/identity/group', { name: 'engineering', member_entity_ids: [alice.entityId] });
    await api(server, 'POST', '/v1/identity/group', { name: 'staff', member_group_ids: [engineering.body.data.id] });
    config = await relyingParty(issuer, client);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('signs in through the pages, issues tokens and a verifiable ID token', async () => {
    const request = await authorizationRequest(config);
    const { callback, pages } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    expect(pages).toEqual(['login', 'consent']);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);

    const tokens = await exchange(config, callback, request);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(30 * 60);
    expect(tokens.refresh_token).toBeUndefined();

    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, { issuer, audience: client.client_id, algorithms: ['RS256'] });
    const published = (await (await fetch(`${issuer}/.well-known/keys`)).json()) as { keys: Array<{ kid: string; alg: string }> };
    expect(published.keys.find((k) => k.kid === protectedHeader.kid)?.alg).toBe('RS256');
    expect(payload.sub).toBe(alice.entityId);
    expect(payload.aud).toBe(client.client_id);
    expect(payload.nonce).toBe(request.nonce);
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    expect(payload.auth_time).toBeUndefined();
    expect(payload.username).toBeUndefined();
  });

  it('accepts client_secret_post as well as client_secret_basic', async () => {
    const post = await relyingParty(issuer, client, 'post');
    const request = await authorizationRequest(post);
    const browser = new Browser();
    const { callback } = await signIn(browser, request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(post, callback, request);
    expect(tokens.claims()?.sub).toBe(alice.entityId);
  });

  it('renders scope templates into the ID token and userinfo, and lists their claims', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.scopes_supported).toEqual(['groups', 'user', 'openid', 'offline_access']);
    expect(discovery.claims_supported).toEqual(['contact', 'groups', 'sub', 'username']);

    const request = await authorizationRequest(config, { scope: 'openid user groups' });
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    const claims = tokens.claims();
    expect(claims?.username).toBe('alice');
    expect(claims?.contact).toEqual({ email: 'alice@example.com' });
    expect([...(claims?.groups as string[])].sort()).toEqual(['engineering', 'staff']);

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, alice.entityId);
    expect(userinfo).toEqual({ sub: alice.entityId, username: 'alice', contact: { email: 'alice@example.com' }, groups: expect.any(Array) });
  });

  it('remembers consent per grant: the second authorization in a session shows no page', async () => {
    const browser = new Browser();
    const first = await authorizationRequest(config, { scope: 'openid user' });
    expect((await signIn(browser, first.url, { username: 'alice', password: alice.password })).pages).toEqual(['login', 'consent']);
    const again = await authorizationRequest(config, { scope: 'openid user' });
    const second = await signIn(browser, again.url);
    expect(second.pages).toEqual([]);
    expect((await exchange(config, second.callback, again)).claims()?.sub).toBe(alice.entityId);

    // A scope not granted yet asks for consent again, without a new sign-in.
    const wider = await authorizationRequest(config, { scope: 'openid user groups' });
    expect((await signIn(browser, wider.url)).pages).toEqual(['consent']);
  });

  it('denying consent sends access_denied to the client', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password, consent: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.client_id}:hvo_secret_wrong`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code') as string, redirect_uri: REDIRECT_URI, code_verifier: request.verifier }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });

    // The failure is logged for operators with the request id, the client and the library's
    // detail, and without the secret that was tried.
    const failed = logLines.find((line) => line.msg === 'oidc grant failed' && line.request_id === res.headers.get('x-request-id'));
    expect(failed).toEqual(expect.objectContaining({ provider: 'p1', client_id: client.client_id, error: 'invalid_client', error_detail: 'invalid secret provided' }));
    expect(JSON.stringify(logLines)).not.toContain('hvo_secret_wrong');
  });

  it('logs each successful grant without tokens or secrets', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    const succeeded = logLines.filter((line) => line.msg === 'oidc grant succeeded');
    expect(succeeded.at(-1)).toEqual(expect.objectContaining({ provider: 'p1', client_id: client.client_id, grant_type: 'authorization_code', request_id: expect.any(String) }));
    const everything = JSON.stringify(logLines);
    for (const secret of [tokens.access_token, tokens.id_token, callback.searchParams.get('code'), client.client_secret, alice.password]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('answers with response_mode=form_post, as discovery says', async () => {
    const request = await authorizationRequest(config, { response_mode: 'form_post' });
    const browser = new Browser();
    const start = await browser.request(request.url);
    const page = new URL(start.headers.get('location') as string, request.url);
    const login = formsOf(await (await browser.request(page)).text())[0];
    const afterLogin = await browser.request(new URL(login?.action as string, page), { form: { ...login?.fields, username: 'alice', password: alice.password } });
    const resume = await browser.request(new URL(afterLogin.headers.get('location') as string, page));
    const consentPage = new URL(resume.headers.get('location') as string, page);
    const consent = formsOf(await (await browser.request(consentPage)).text())[0];
    const afterConsent = await browser.request(new URL(consent?.action as string, consentPage), { form: consent?.fields ?? {} });
    const posted = await browser.request(new URL(afterConsent.headers.get('location') as string, page));
    expect(posted.status).toBe(200);
    const [form] = formsOf(await posted.text());
    expect(form?.action).toBe(REDIRECT_URI);
    expect(form?.fields.state).toBe(request.state);
    expect(form?.fields.code).toEqual(expect.any(String));
  });

  it('shows an unregistered redirect URI to the user instead of redirecting to it', async () => {
    const request = await authorizationRequest(config, { redirect_uri: 'https://evil.example.com/callback' });
    const res = await new Browser().request(request.url);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('Unregistered return address');
    expect(page).not.toContain('evil.example.com');
  });

  it('matches loopback redirect URIs on any port and everything else exactly (RFC 8252)', async () => {
    const native = await createClient(server, 'native', {
      key: 'k1',
      redirect_uris: 'http://127.0.0.1:8251/callback',
      assignments: 'allow_all',
    });
    await api(server, 'POST', '/v1/identity/oidc/provider/p1', { allowed_client_ids: [client.client_id, native.client_id] });
    const rp = await relyingParty(issuer, native);
    const anyPort = await authorizationRequest(rp, { redirect_uri: 'http://127.0.0.1:51005/callback' });
    const { callback } = await signIn(new Browser(), anyPort.url, { username: 'alice', password: alice.password });
    expect(callback.origin).toBe('http://127.0.0.1:51005');
    expect(callback.searchParams.get('code')).toBeTruthy();

    const otherHost = await authorizationRequest(rp, { redirect_uri: 'http://localhost:51005/callback' });
    expect((await new Browser().request(otherHost.url)).status).toBe(400);
    const otherPort = await authorizationRequest(config, { redirect_uri: 'https://rp.example.com:8443/callback' });
    expect((await new Browser().request(otherPort.url)).status).toBe(400);
  });

  it('refuses a code used twice and revokes what the first use issued', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    expect((await oidc.fetchUserInfo(config, tokens.access_token, alice.entityId)).sub).toBe(alice.entityId);

    const replay = await exchange(config, callback, request).catch((err: unknown) => err);
    expect((replay as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const revoked = await oidc.fetchUserInfo(config, tokens.access_token, alice.entityId).catch((err: unknown) => err);
    expect(revoked).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
  });

  it('refuses a code whose PKCE verifier does not match', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const failure = await exchange(config, callback, { ...request, verifier: oidc.randomPKCECodeVerifier() }).catch((err: unknown) => err);
    expect((failure as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });
});
