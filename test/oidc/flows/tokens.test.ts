/**
 * Public clients (PKCE) and what happens to tokens after they are issued: refresh with rotation
 * and replay detection, revocation, and introspection for the owning client only.
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

describe('public clients and token life cycle', () => {
  let server: TestServer;
  let issuer: string;
  let spa: ClientCredentials;
  let web: ClientCredentials;
  let alice: TestUser;
  let spaConfig: oidc.Configuration;
  let webConfig: oidc.Configuration;

  /** Tokens for alice through the pages, with a refresh token (offline_access needs prompt=consent). */
  const tokensFor = async (config: oidc.Configuration, extra: Record<string, string> = {}) => {
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent', ...extra });
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    return exchange(config, callback, request);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1', { algorithm: 'ES256' });
    spa = await createClient(server, 'spa', { key: 'k1', client_type: 'public', redirect_uris: REDIRECT_URI, assignments: 'allow_all', access_token_ttl: '10m' });
    web = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
    alice = await createUser(server, 'alice');
    spaConfig = await relyingParty(issuer, spa);
    webConfig = await relyingParty(issuer, web);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('runs the code flow with PKCE for a public client, without any secret', async () => {
    const tokens = await tokensFor(spaConfig);
    expect(tokens.claims()?.aud).toBe(spa.client_id);
    expect(tokens.expires_in).toBe(600);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('answers a single-page app’s token request across origins only from its own origin', async () => {
    const request = await authorizationRequest(spaConfig);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const exchangeFrom = (origin: string) =>
      fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code') as string,
          redirect_uri: REDIRECT_URI,
          code_verifier: request.verifier,
          client_id: spa.client_id,
        }),
      });
    const foreign = await exchangeFrom('https://elsewhere.example.com');
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const own = await exchangeFrom('https://rp.example.com');
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe('https://rp.example.com');
  });

  it('requires PKCE from public clients', async () => {
    const url = oidc.buildAuthorizationUrl(spaConfig, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1' });
    const { callback } = await signIn(new Browser(), url, { username: 'alice', password: alice.password });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('rotates refresh tokens and answers userinfo with the new access token', async () => {
    const first = await tokensFor(spaConfig);
    const second = await oidc.refreshTokenGrant(spaConfig, first.refresh_token as string);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.claims()?.sub).toBe(alice.entityId);
    expect((await oidc.fetchUserInfo(spaConfig, second.access_token, alice.entityId)).sub).toBe(alice.entityId);
    const third = await oidc.refreshTokenGrant(spaConfig, second.refresh_token as string);
    expect(third.access_token).not.toBe(second.access_token);
  });

  it('treats a replayed refresh token as theft: the whole grant is revoked', async () => {
    const first = await tokensFor(webConfig);
    const second = await oidc.refreshTokenGrant(webConfig, first.refresh_token as string);
    const replay = await oidc.refreshTokenGrant(webConfig, first.refresh_token as string).catch((err: unknown) => err);
    expect((replay as oidc.ResponseBodyError).error).toBe('invalid_grant');
    // The rotated token and the access tokens of the grant are gone too.
    const rotated = await oidc.refreshTokenGrant(webConfig, second.refresh_token as string).catch((err: unknown) => err);
    expect((rotated as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await oidc.tokenIntrospection(webConfig, second.access_token)).toEqual({ active: false });
  });

  it('lets only one of two concurrent uses of a refresh token through, and then revokes the grant', async () => {
    const tokens = await tokensFor(webConfig);
    const outcomes = await Promise.allSettled([
      oidc.refreshTokenGrant(webConfig, tokens.refresh_token as string),
      oidc.refreshTokenGrant(webConfig, tokens.refresh_token as string),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect((lost[0]?.reason as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof oidc.refreshTokenGrant>>>).value;
    expect(await oidc.tokenIntrospection(webConfig, winner.refresh_token as string)).toEqual({ active: false });
  });

  it('refuses a refresh token presented by another client', async () => {
    const tokens = await tokensFor(spaConfig);
    const stolen = await oidc.refreshTokenGrant(webConfig, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((stolen as oidc.ResponseBodyError).error).toBe('invalid_grant');
    // The owner still can.
    expect((await oidc.refreshTokenGrant(spaConfig, tokens.refresh_token as string)).access_token).toEqual(expect.any(String));
  });

  it('revokes access and refresh tokens at the owner’s request', async () => {
    const tokens = await tokensFor(webConfig);
    await oidc.tokenRevocation(webConfig, tokens.access_token);
    const userinfo = await oidc.fetchUserInfo(webConfig, tokens.access_token, alice.entityId).catch((err: unknown) => err);
    expect(userinfo).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);

    await oidc.tokenRevocation(webConfig, tokens.refresh_token as string);
    const refresh = await oidc.refreshTokenGrant(webConfig, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((refresh as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('refuses to let another client revoke a token', async () => {
    const tokens = await tokensFor(spaConfig);
    const refused = await oidc.tokenRevocation(webConfig, tokens.access_token).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_request');
    expect((await oidc.tokenIntrospection(spaConfig, tokens.access_token)).active).toBe(true);
  });

  it('introspects tokens for the client they belong to, and tells others nothing', async () => {
    const tokens = await tokensFor(webConfig);
    const own = await oidc.tokenIntrospection(webConfig, tokens.access_token);
    expect(own).toEqual(expect.objectContaining({ active: true, client_id: web.client_id, sub: alice.entityId, token_type: 'Bearer', iss: issuer }));
    const refresh = await oidc.tokenIntrospection(webConfig, tokens.refresh_token as string);
    expect(refresh).toEqual(expect.objectContaining({ active: true, client_id: web.client_id, scope: 'openid offline_access' }));
    expect(await oidc.tokenIntrospection(spaConfig, tokens.access_token)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(webConfig, 'not-a-token')).toEqual({ active: false });
  });
});
