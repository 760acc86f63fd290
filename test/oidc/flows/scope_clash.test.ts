/**
 * Scopes that set the same top-level claim: the provider write keeps Vault's answer (200 with a
 * warning), a scope write that makes a provider's scopes clash warns too, and an authorization request asking for both is refused with invalid_scope at the
 * client's redirect URI before any sign-in page is shown, naming the claim and the scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as oidc from 'openid-client';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createScope,
  createUser,
  relyingParty,
  signIn,
  type TestUser,
} from '../../support/relying_party.js';

describe('scope clashes', () => {
  let server: TestServer;
  let config: oidc.Configuration;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    await createScope(server, 'profile', '{"name": {{identity.entity.name}}, "email": {{identity.entity.metadata.email}}}');
    await createScope(server, 'email', '{"email": {{identity.entity.metadata.email}}}');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const write = await api(server, 'POST', '/v1/identity/oidc/provider/p1', { issuer: server.url, allowed_client_ids: '*', scopes_supported: 'profile,email' });
    expect(write.status).toBe(200);
    expect(write.body.warnings).toContainEqual(expect.stringMatching(/conflicting top-level keys: conflict "email" in scopes "profile", "email"/));
    const issuer = (await api(server, 'GET', '/v1/identity/oidc/provider/p1')).body.data.issuer;
    config = await relyingParty(issuer, client);
    alice = await createUser(server, 'alice');
  });
  afterAll(async () => server?.destroy());

  it('refuses the request with invalid_scope before any page, naming claim and scopes', async () => {
    const request = await authorizationRequest(config, { scope: 'openid email profile' });
    const res = await new Browser().request(request.url);
    expect(res.status).toBe(303);
    const callback = new URL(res.headers.get('location') as string);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('invalid_scope');
    expect(callback.searchParams.get('error_description')).toBe('found scopes with conflicting top-level claim: claim "email" in scopes "profile", "email"');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('refuses it for a request carrying a Lanyard token too, without spending the token', async () => {
    const request = await authorizationRequest(config, { scope: 'openid profile email' });
    const limited = await api(server, 'POST', '/v1/auth/token/create', { entity_id: alice.entityId, policies: ['default'], num_uses: 2 });
    const token = limited.body.auth.client_token as string;
    const browser = new Browser();
    browser.headers = { 'X-Vault-Token': token };
    const { callback } = await signIn(browser, request.url);
    expect(callback.searchParams.get('error')).toBe('invalid_scope');
    expect((await api(server, 'POST', '/v1/auth/token/lookup', { token })).body.data.num_uses).toBe(2);
  });

  it('warns on a scope write that makes a provider’s scopes clash, naming the provider', async () => {
    await createScope(server, 'team', '{"team": "a"}');
    await createScope(server, 'dept', '{"dept": "b"}');
    expect((await api(server, 'POST', '/v1/identity/oidc/provider/p2', { scopes_supported: 'team,dept' })).status).toBe(204);
    const clash = await api(server, 'POST', '/v1/identity/oidc/scope/dept', { template: '{"team": "b"}' });
    expect(clash.status).toBe(200);
    expect(clash.body.warnings).toEqual([expect.stringMatching(/^provider "p2": Found scope templates with conflicting top-level keys: conflict "team" in scopes "team", "dept"/)]);
    expect((await api(server, 'GET', '/v1/identity/oidc/scope/dept')).body.data.template).toBe('{"team": "b"}');
    // A write that clashes nowhere stays a 204.
    expect((await api(server, 'POST', '/v1/identity/oidc/scope/dept', { template: '{"dept": "b"}' })).status).toBe(204);
  });

  it('lets either scope alone through to the sign-in page', async () => {
    for (const scope of ['openid profile', 'openid email']) {
      const request = await authorizationRequest(config, { scope });
      const { callback, pages } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
      expect(pages[0]).toBe('login');
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    }
  });
});
