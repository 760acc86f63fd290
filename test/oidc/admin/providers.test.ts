/** §4.6: providers — effective issuer, issuer validation and warning, scopes, conflicts, list filter, published keys. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providerJwks } from '../../../server/oidc/admin/provider_jwks.js';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const INVALID_ISSUER = 'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)';
const ISSUER_WARNING =
  'If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. ' +
  'Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.';

describe('issuer', () => {
  it('creates with defaults and shows the effective issuer', async () => {
    expect((await t.call('POST', 'identity/oidc/provider/p0', {})).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data).toEqual({
      issuer: `${t.apiAddr}/v1/identity/oidc/provider/p0`,
      allowed_client_ids: [],
      scopes_supported: [],
    });
  });

  it('refuses issuers that are more than scheme://host[:port]', async () => {
    for (const issuer of ['test-issuer', 'https://example.com/', 'https://example.com/vault', 'ftp://example.com', 'https://example.com?x=1', 'https://example.com?', 'https://user@example.com', 'https://', 'https://example.com#x']) {
      expect(await t.call('POST', 'identity/oidc/provider/p0', { issuer })).toMatchObject(vaultError(INVALID_ISSUER));
    }
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data.issuer).toBe(`${t.apiAddr}/v1/identity/oidc/provider/p0`);
  });

  it('accepts scheme://host[:port] with a warning, and "" to go back to the api address', async () => {
    const res = await t.call('POST', 'identity/oidc/provider/p0', { issuer: 'https://example.com:8200' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: null, warnings: [ISSUER_WARNING], mount_type: 'identity' });
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data.issuer).toBe('https://example.com:8200/v1/identity/oidc/provider/p0');
    for (const issuer of ['http://127.0.0.1', 'https://[::1]:8200', 'HTTPS://Example.com']) {
      expect((await t.call('POST', 'identity/oidc/provider/pv', { issuer })).status).toBe(200);
    }
    expect((await t.call('POST', 'identity/oidc/provider/p0', { issuer: '' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data.issuer).toBe(`${t.apiAddr}/v1/identity/oidc/provider/p0`);
  });
});

describe('scopes_supported and allowed_client_ids', () => {
  it('needs existing scopes, so never openid', async () => {
    expect(await t.call('POST', 'identity/oidc/provider/p0', { scopes_supported: ['nope'] })).toMatchObject(vaultError('scope "nope" does not exist'));
    expect(await t.call('POST', 'identity/oidc/provider/p0', { scopes_supported: ['openid'] })).toMatchObject(vaultError('scope "openid" does not exist'));
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data.scopes_supported).toEqual([]);
  });

  it('checks the issuer before the scopes', async () => {
    expect(await t.call('POST', 'identity/oidc/provider/p0', { issuer: 'bad', scopes_supported: ['nope'] })).toMatchObject(vaultError(INVALID_ISSUER));
  });

  it('stores both lists deduplicated and sorted', async () => {
    await t.call('POST', 'identity/oidc/scope/zeta', {});
    await t.call('POST', 'identity/oidc/scope/alpha', {});
    expect((await t.call('POST', 'identity/oidc/provider/p0', { scopes_supported: 'zeta,alpha,zeta', allowed_client_ids: ['b', 'a', 'b'] })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data).toMatchObject({ scopes_supported: ['alpha', 'zeta'], allowed_client_ids: ['a', 'b'] });
    // A partial update keeps the other list.
    expect((await t.call('POST', 'identity/oidc/provider/p0', { allowed_client_ids: [] })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/provider/p0')).body.data).toMatchObject({ scopes_supported: ['alpha', 'zeta'], allowed_client_ids: [] });
  });

  it('warns about scopes that set the same top-level claim, and stores the provider', async () => {
    const template = '{"groups": {{identity.entity.groups.names}} }';
    await t.call('POST', 'identity/oidc/scope/t1', { template });
    await t.call('POST', 'identity/oidc/scope/t2', { template });
    const res = await t.call('POST', 'identity/oidc/provider/pc', { scopes_supported: ['t1', 't2'] });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([
      'Found scope templates with conflicting top-level keys: conflict "groups" in scopes "t2", "t1". This may result in an error if the scopes are requested in an OIDC Authentication Request.',
    ]);
    expect((await t.call('GET', 'identity/oidc/provider/pc')).body.data.scopes_supported).toEqual(['t1', 't2']);
  });

  it('refuses wrong types and changes nothing', async () => {
    for (const body of [{ issuer: { a: 1 } }, { allowed_client_ids: { a: 1 } }, { scopes_supported: [['x']] }]) {
      const res = await t.call('POST', 'identity/oidc/provider/pc', body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatch(/^Field validation failed: /);
    }
    expect((await t.call('GET', 'identity/oidc/provider/pc')).body.data.scopes_supported).toEqual(['t1', 't2']);
  });
});

describe('list and delete', () => {
  it('filters the list by allowed_client_id', async () => {
    await t.call('POST', 'identity/oidc/provider/q1', { allowed_client_ids: ['*'] });
    await t.call('POST', 'identity/oidc/provider/q2', { allowed_client_ids: ['abc'] });
    await t.call('POST', 'identity/oidc/provider/q3', { allowed_client_ids: ['def'] });
    const filtered = await t.call('LIST', 'identity/oidc/provider?allowed_client_id=abc');
    expect(filtered.status).toBe(200);
    expect(new Set(filtered.body.data.keys)).toEqual(new Set(['default', 'q1', 'q2']));
    expect(Object.keys(filtered.body.data.key_info).sort()).toEqual(['default', 'q1', 'q2']);
    expect(filtered.body.data.key_info.q2).toEqual({ issuer: `${t.apiAddr}/v1/identity/oidc/provider/q2`, allowed_client_ids: ['abc'], scopes_supported: [] });
    const all = await t.call('GET', 'identity/oidc/provider?list=true&allowed_client_id=');
    expect(new Set(all.body.data.keys)).toEqual(new Set(['default', 'p0', 'pc', 'pv', 'q1', 'q2', 'q3']));
  });

  it('deletes providers other than default', async () => {
    expect((await t.call('DELETE', 'identity/oidc/provider/q3')).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/provider/q3')).status).toBe(404);
  });
});

describe('published keys', () => {
  it('publishes the keys of the clients a provider allows', async () => {
    await t.call('POST', 'identity/oidc/key/ka', {});
    await t.call('POST', 'identity/oidc/key/kb', {});
    await t.call('POST', 'identity/oidc/client/ca', { key: 'ka' });
    await t.call('POST', 'identity/oidc/client/cb', { key: 'kb' });
    await t.call('POST', 'identity/oidc/provider/px', { allowed_client_ids: ['*'] });
    expect((await providerJwks(t.server.runtime.services, 'px'))?.keys).toHaveLength(4);
    const ca = (await t.call('GET', 'identity/oidc/client/ca')).body.data.client_id as string;
    await t.call('POST', 'identity/oidc/provider/px', { allowed_client_ids: [ca] });
    const kaKids = (await providerJwks(t.server.runtime.services, 'px'))?.keys.map((k) => k.kid);
    expect(kaKids).toHaveLength(2);
    await t.call('POST', 'identity/oidc/provider/px', { allowed_client_ids: [] });
    expect(await providerJwks(t.server.runtime.services, 'px')).toEqual({ keys: [] });
  });
});
