/**
 * ID tokens are signed with the client's own named key, whatever its algorithm, and verify with
 * jose against the provider's JWKS; rotation keeps older tokens verifiable.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import {
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  relyingParty,
  rotateKey,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

describe('signing keys', () => {
  let server: TestServer;
  let issuer: string;
  let alice: TestUser;

  /** An ID token for alice, obtained with her Lanyard token (no pages needed). */
  const idTokenFor = async (client: ClientCredentials): Promise<string> => {
    const rp = await relyingParty(issuer, client);
    const request = await authorizationRequest(rp);
    const res = await fetch(request.url, { headers: { 'x-vault-token': alice.token }, redirect: 'manual' });
    const tokens = await exchange(rp, new URL(res.headers.get('location') as string), request);
    return tokens.id_token as string;
  };

  const jwks = async (): Promise<JSONWebKeySet> => (await fetch(`${issuer}/.well-known/keys`)).json() as Promise<JSONWebKeySet>;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await createUser(server, 'alice');
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it.each(['RS256', 'ES256', 'EdDSA'])('signs with the client’s %s key, verifiable against the JWKS', async (algorithm) => {
    const keyName = `key-${algorithm.toLowerCase()}`;
    await createKey(server, keyName, { algorithm });
    const client = await createClient(server, `client-${algorithm.toLowerCase()}`, { key: keyName, redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const idToken = await idTokenFor(client);

    const header = decodeProtectedHeader(idToken);
    expect(header.alg).toBe(algorithm);
    const published = (await jwks()).keys.find((key) => key.kid === header.kid);
    expect(published).toEqual(expect.objectContaining({ alg: algorithm, use: 'sig' }));
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`)), {
      issuer,
      audience: client.client_id,
      algorithms: [algorithm],
    });
    expect(payload.sub).toBe(alice.entityId);
  });

  it('uses each client’s own key even when two keys share an algorithm', async () => {
    await createKey(server, 'first');
    await createKey(server, 'second');
    const one = await createClient(server, 'one', { key: 'first', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const two = await createClient(server, 'two', { key: 'second', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const kidOne = decodeProtectedHeader(await idTokenFor(one)).kid;
    const kidTwo = decodeProtectedHeader(await idTokenFor(two)).kid;
    const currentKid = async (name: string) =>
      (await server.runtime.services.storage.get<{ current: { kid: string } }>('oidc_key', name))?.current.kid;
    expect(kidOne).toBe(await currentKid('first'));
    expect(kidTwo).toBe(await currentKid('second'));
  });

  it('keeps tokens signed before a rotation verifiable, and signs new ones with the new key', async () => {
    await createKey(server, 'rotating', { algorithm: 'ES256' });
    const client = await createClient(server, 'rotating', { key: 'rotating', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const before = await idTokenFor(client);
    const jwksBefore = await jwks();

    await rotateKey(server, 'rotating');
    const after = await idTokenFor(client);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    // The key that signed before had been published ahead of time (Vault's next key)…
    expect(jwksBefore.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(after).kid);

    // …and the retired one stays published for verification_ttl.
    const current = createLocalJWKSet(await jwks());
    const options = { issuer, audience: client.client_id, algorithms: ['ES256'] };
    expect((await jwtVerify(before, current, options)).payload.sub).toBe(alice.entityId);
    expect((await jwtVerify(after, current, options)).payload.sub).toBe(alice.entityId);
  });

  it('follows a change of the key’s algorithm at once', async () => {
    await createKey(server, 'changing');
    const client = await createClient(server, 'changing', { key: 'changing', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    expect(decodeProtectedHeader(await idTokenFor(client)).alg).toBe('RS256');
    await createKey(server, 'changing', { algorithm: 'ES384' });
    const idToken = await idTokenFor(client);
    expect(decodeProtectedHeader(idToken).alg).toBe('ES384');
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(await jwks()), { issuer, audience: client.client_id, algorithms: ['ES384'] });
    expect(payload.sub).toBe(alice.entityId);
  });

  it('accepts an id_token_hint signed before a rotation at logout', async () => {
    await createKey(server, 'hinted');
    const client = await createClient(server, 'hinted', {
      key: 'hinted',
      redirect_uris: REDIRECT_URI,
      post_logout_redirect_uris: 'https://rp.example.com/bye',
      assignments: 'allow_all',
    });
    const idToken = await idTokenFor(client);
    await rotateKey(server, 'hinted');
    const rp = await relyingParty(issuer, client);
    const logout = (hint: string) =>
      fetch(oidc.buildEndSessionUrl(rp, { id_token_hint: hint, post_logout_redirect_uri: 'https://rp.example.com/bye' }), { headers: { accept: 'text/html' } });
    const accepted = await logout(idToken);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain('/logout/confirm');
    // A hint whose signature does not verify is refused: the check above was a real verification.
    const [header, payload] = idToken.split('.');
    const forged = await logout(`${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`);
    expect(forged.status).toBe(400);
  });

  it('publishes nothing for a provider without clients', async () => {
    await createProvider(server, 'empty', { allowed_client_ids: [] });
    const res = await fetch(`${server.url}/v1/identity/oidc/provider/empty/.well-known/keys`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [] });
  });
});
