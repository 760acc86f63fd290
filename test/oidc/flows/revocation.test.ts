/**
 * Revocation that reaches every token: disabling or deleting an entity, taking it out of an
 * assignment or changing the client's assignments ends its grants at once. Introspection says
 * inactive right after the admin call, the refresh token no longer works, and nothing of the grant
 * is left in storage.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { ENTITY_GRANT_KIND } from '../../../server/oidc/grant_revocation.js';
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
  relyingParty,
  signIn,
  type TestUser,
} from '../../support/relying_party.js';

describe('revocation when access is taken away', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let alice: TestUser;
  let bob: TestUser;

  const tokensFor = async (user: TestUser) => {
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(new Browser(), request.url, { username: user.username, password: user.password });
    return exchange(config, callback, request);
  };
  const active = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;
  const grantsOf = async (entityId: string) => server.runtime.services.storage.findBy(ENTITY_GRANT_KIND, 'entity', entityId);
  const write = async (path: string, body: unknown) => {
    const res = await api(server, 'POST', path, body);
    expect(res.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    alice = await createUser(server, 'alice');
    bob = await createUser(server, 'bob');
    await createAssignment(server, 'team', { entity_ids: `${alice.entityId},${bob.entityId}` });
    await createAssignment(server, 'others', { entity_ids: bob.entityId });
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'team' });
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('keeps an index of each entity’s grants', async () => {
    const tokens = await tokensFor(alice);
    expect(await active(tokens.access_token)).toBe(true);
    expect((await grantsOf(alice.entityId)).map((entry) => entry.value)).toContainEqual(expect.objectContaining({ provider: 'p1', entity_id: alice.entityId }));
  });

  it('ends the grants of a disabled entity at once', async () => {
    const tokens = await tokensFor(alice);
    const bobs = await tokensFor(bob);
    await write(`/v1/identity/entity/id/${alice.entityId}`, { disabled: true });
    expect(await active(tokens.access_token)).toBe(false);
    expect(await active(tokens.refresh_token as string)).toBe(false);
    const refused = await oidc.refreshTokenGrant(config, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await grantsOf(alice.entityId)).toEqual([]);
    // Someone else's grant is untouched.
    expect(await active(bobs.access_token)).toBe(true);
    await write(`/v1/identity/entity/id/${alice.entityId}`, { disabled: false });
  });

  it('ends the grants of an entity taken out of the client’s assignment', async () => {
    const tokens = await tokensFor(alice);
    await write('/v1/identity/oidc/assignment/team', { entity_ids: bob.entityId });
    expect(await active(tokens.access_token)).toBe(false);
    expect(await active(tokens.refresh_token as string)).toBe(false);
    expect(await grantsOf(alice.entityId)).toEqual([]);
    await write('/v1/identity/oidc/assignment/team', { entity_ids: `${alice.entityId},${bob.entityId}` });
  });

  it('ends the grants of entities the client’s new assignments leave out', async () => {
    const tokens = await tokensFor(alice);
    const bobs = await tokensFor(bob);
    await write('/v1/identity/oidc/client/web', { assignments: 'others' });
    expect(await active(tokens.access_token)).toBe(false);
    expect(await active(bobs.access_token)).toBe(true);
    await write('/v1/identity/oidc/client/web', { assignments: 'team' });
  });

  it('ends the grants of a deleted entity', async () => {
    const tokens = await tokensFor(bob);
    // As an SSO sign-in with re-validation would have left it.
    await server.runtime.services.storage.put('sso_upstream_session', bob.entityId, { refresh_token: 'lyseal:v1:x', validated_at: 0 });
    expect((await api(server, 'DELETE', `/v1/identity/entity/id/${bob.entityId}`)).status).toBe(204);
    expect(await server.runtime.services.storage.get('sso_upstream_session', bob.entityId)).toBeUndefined();
    expect(await active(tokens.access_token)).toBe(false);
    const refused = await oidc.refreshTokenGrant(config, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await grantsOf(bob.entityId)).toEqual([]);
  });
});
