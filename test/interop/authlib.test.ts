/**
 * authlib (Debian's python3-authlib) as an unchanged relying party: code flow with PKCE and
 * client_secret_post, ID token verification, userinfo, refresh rotation and reuse detection,
 * revocation. Claims must have the shapes relying parties expect (groups is a list, even empty).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { REDIRECT_URI, createClient, createKey, createProvider, createScope, createUser, type TestUser } from '../support/relying_party.js';
import { runPython } from './run_python.js';

describe('authlib', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1', { algorithm: 'RS256' });
    const accessor = (await api(server, 'GET', '/v1/sys/auth')).body.data['userpass/'].accessor as string;
    await createScope(server, 'profile', `{"name": {{identity.entity.aliases.${accessor}.name}}, "groups": {{identity.entity.groups.names}}}`);
    const client = await createClient(server, 'authlib', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const issuer = await createProvider(server, 'p1', { allowed_client_ids: '*', scopes_supported: 'profile' });
    alice = await createUser(server, 'alice');
    env = { ISSUER: issuer, CLIENT_ID: client.client_id, CLIENT_SECRET: client.client_secret as string, REDIRECT_URI, USER_TOKEN: alice.token };
  });
  afterAll(async () => server?.destroy());

  it('runs the code flow, refresh rotation, reuse detection and revocation', async () => {
    const out = await runPython('authlib_flow.py', env);
    expect(out).toEqual({
      authorize_status: 303,
      token_type: 'Bearer',
      has_refresh_token: true,
      id_token: { sub: alice.entityId, name: 'alice', groups: [] },
      id_token_alg: 'RS256',
      userinfo: { sub: alice.entityId, name: 'alice', groups: [] },
      refresh_rotated: true,
      refreshed_id_token_sub: alice.entityId,
      reuse: 'invalid_grant',
      after_reuse: 'invalid_grant',
      revoke_status: 200,
      userinfo_after_revoke: 401,
    });
  });
});
