/**
 * The client credentials grant through openid-client: opaque and JWT tokens for the client itself,
 * scopes limited to the provider's own, introspection and revocation, and clients that may not
 * use the grant refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createClient, createKey, createProvider, createScope, relyingParty, type ClientCredentials } from '../../support/relying_party.js';

describe('client credentials grant', () => {
  let server: TestServer;
  let issuer: string;
  let service: ClientCredentials;
  let jwtService: ClientCredentials;
  let webOnly: ClientCredentials;
  let serviceConfig: oidc.Configuration;
  let jwtConfig: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1', { algorithm: 'ES256' });
    await createScope(server, 'reports', '');
    await createScope(server, 'billing', '');
    service = await createClient(server, 'service', { key: 'k1', grant_types: 'client_credentials', access_token_ttl: '5m' });
    jwtService = await createClient(server, 'jwt-service', { key: 'k1', grant_types: 'client_credentials', access_token_format: 'jwt', access_token_ttl: '2m' });
    webOnly = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
    issuer = await createProvider(server, 'cc', { allowed_client_ids: '*', scopes_supported: 'reports,billing' });
    serviceConfig = await relyingParty(issuer, service);
    jwtConfig = await relyingParty(issuer, jwtService);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('advertises the grant in discovery once a client may use it', async () => {
    expect(serviceConfig.serverMetadata().grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
  });

  it('issues an opaque token for the client itself, introspectable and revocable by that client', async () => {
    const tokens = await oidc.clientCredentialsGrant(serviceConfig, { scope: 'reports' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('reports');
    expect(tokens.expires_in).toBe(300);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.access_token.split('.')).toHaveLength(1);

    const active = await oidc.tokenIntrospection(serviceConfig, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: service.client_id, scope: 'reports', aud: service.client_id, token_type: 'Bearer' });
    expect(active.sub).toBeUndefined();

    // Another client learns nothing about it.
    const other = await relyingParty(issuer, webOnly);
    expect((await oidc.tokenIntrospection(other, tokens.access_token)).active).toBe(false);

    await oidc.tokenRevocation(serviceConfig, tokens.access_token);
    expect((await oidc.tokenIntrospection(serviceConfig, tokens.access_token)).active).toBe(false);
  });

  it('issues a JWT signed with the client’s key when the client asks for JWTs, introspectable until revoked', async () => {
    const tokens = await oidc.clientCredentialsGrant(jwtConfig, { scope: 'reports billing' });
    const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, { issuer, audience: jwtService.client_id, typ: 'at+jwt' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ client_id: jwtService.client_id, sub: jwtService.client_id, scope: 'reports billing' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);

    const active = await oidc.tokenIntrospection(jwtConfig, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: jwtService.client_id, jti: payload.jti });

    // The jti alone, or a JWT with the same jti but other contents, is not the token.
    expect((await oidc.tokenIntrospection(jwtConfig, payload.jti as string)).active).toBe(false);
    const [header, , signature] = tokens.access_token.split('.');
    const altered = `${header}.${Buffer.from(JSON.stringify({ ...payload, scope: 'admin' })).toString('base64url')}.${signature}`;
    expect((await oidc.tokenIntrospection(jwtConfig, altered)).active).toBe(false);

    await oidc.tokenRevocation(jwtConfig, tokens.access_token);
    expect((await oidc.tokenIntrospection(jwtConfig, tokens.access_token)).active).toBe(false);
  });

  it('refuses scopes that describe a person or that the provider does not have', async () => {
    for (const scope of ['openid', 'offline_access', 'reports admin']) {
      const refused = await oidc.clientCredentialsGrant(serviceConfig, { scope }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
      expect((refused as oidc.ResponseBodyError).error).toBe('invalid_scope');
    }
  });

  it('refuses an explicit resource indicator', async () => {
    const refused = await oidc.clientCredentialsGrant(serviceConfig, { resource: 'https://api.example.com' }).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_target');
  });

  it('refuses a client whose grant_types do not include client_credentials', async () => {
    const config = await relyingParty(issuer, webOnly);
    const refused = await oidc.clientCredentialsGrant(config, { scope: 'reports' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect((refused as oidc.ResponseBodyError).error).toBe('unauthorized_client');
  });

  it('refuses a service client at the authorization endpoint (it has no redirect URIs)', async () => {
    const url = oidc.buildAuthorizationUrl(serviceConfig, { redirect_uri: 'https://rp.example.com/callback', scope: 'openid' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
