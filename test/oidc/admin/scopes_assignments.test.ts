/** §4.3 scopes and §4.4 assignments: templates validated at write, base64 input, references, ID normalisation. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const RESERVED = 'iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash';

describe('scopes', () => {
  it('reserves openid for writes only', async () => {
    expect(await t.call('POST', 'identity/oidc/scope/openid', {})).toMatchObject(vaultError('the "openid" scope name is reserved'));
    expect(await t.call('GET', 'identity/oidc/scope/openid')).toMatchObject({ status: 404, body: { errors: [] } });
    expect((await t.call('DELETE', 'identity/oidc/scope/openid')).status).toBe(204);
  });

  it('stores a template and a description', async () => {
    const template = '{"groups": {{identity.entity.groups.names}} }';
    expect((await t.call('POST', 'identity/oidc/scope/s1', { template, description: 'd' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/scope/s1')).body.data).toEqual({ description: 'd', template });
  });

  it('decodes base64 templates and stores the JSON', async () => {
    const json = '{"x": {{identity.entity.name}} }';
    expect((await t.call('POST', 'identity/oidc/scope/sb', { template: Buffer.from(json).toString('base64') })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/scope/sb')).body.data.template).toBe(json);
  });

  it('refuses bad templates with Vault’s messages and stores nothing', async () => {
    expect(await t.call('POST', 'identity/oidc/scope/s2', { template: '{"sub": "x"}' })).toMatchObject(
      vaultError(`top level key "sub" not allowed. Restricted keys: ${RESERVED}`),
    );
    for (const template of ['{"a": }', '[1,2]', '"text"']) {
      const res = await t.call('POST', 'identity/oidc/scope/s2', { template });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatch(/^error parsing template JSON: /);
    }
    expect(await t.call('POST', 'identity/oidc/scope/s2', { template: '{"a": {{identity.entity.name}' })).toMatchObject(
      vaultError('error parsing template: unbalanced templating characters'),
    );
    expect(await t.call('POST', 'identity/oidc/scope/s2', { template: '{"a": {{identity.entity.foo}} }' })).toMatchObject(
      vaultError('error parsing template: no value could be found for one of the template directives'),
    );
    expect(await t.call('POST', 'identity/oidc/scope/s2', { template: '{"a": {{identity.groups.names.engineering.id}} }' })).toMatchObject(
      vaultError('error parsing template: string contains groups template directives but no groups were provided'),
    );
    expect((await t.call('GET', 'identity/oidc/scope/s2')).status).toBe(404);
  });

  it('keeps the stored template when an update is refused', async () => {
    expect(await t.call('POST', 'identity/oidc/scope/s1', { template: '{"iss": "x"}', description: 'changed' })).toMatchObject({ status: 400 });
    expect((await t.call('GET', 'identity/oidc/scope/s1')).body.data).toEqual({ description: 'd', template: '{"groups": {{identity.entity.groups.names}} }' });
  });

  it('creates with empty defaults and updates partially', async () => {
    expect((await t.call('POST', 'identity/oidc/scope/s3', {})).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/scope/s3')).body.data).toEqual({ description: '', template: '' });
    expect((await t.call('POST', 'identity/oidc/scope/s3', { description: 'new' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/scope/s3')).body.data).toEqual({ description: 'new', template: '' });
  });

  it('refuses to delete a scope a provider offers', async () => {
    expect((await t.call('POST', 'identity/oidc/provider/ps', { scopes_supported: ['s1'] })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/provider/pa', { scopes_supported: 's1,s3' })).status).toBe(204);
    expect(await t.call('DELETE', 'identity/oidc/scope/s1')).toMatchObject(
      vaultError('unable to delete scope "s1" because it is currently referenced by these providers: pa, ps'),
    );
    expect((await t.call('GET', 'identity/oidc/scope/s1')).status).toBe(200);
    await t.call('DELETE', 'identity/oidc/provider/pa');
    await t.call('DELETE', 'identity/oidc/provider/ps');
    expect((await t.call('DELETE', 'identity/oidc/scope/s1')).status).toBe(204);
  });

  it('lists scope names only', async () => {
    expect((await t.call('LIST', 'identity/oidc/scope')).body.data).toEqual({ keys: ['s3', 'sb'] });
  });
});

describe('assignments', () => {
  it('lower-cases, deduplicates and sorts IDs, accepting unknown ones', async () => {
    expect((await t.call('POST', 'identity/oidc/assignment/a1', { entity_ids: 'B-ID,a-id,a-id', group_ids: [] })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/assignment/a1')).body.data).toEqual({ entity_ids: ['a-id', 'b-id'], group_ids: [] });
  });

  it('creates with empty lists and updates only what is given', async () => {
    expect((await t.call('POST', 'identity/oidc/assignment/a2', {})).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/assignment/a2')).body.data).toEqual({ entity_ids: [], group_ids: [] });
    expect((await t.call('POST', 'identity/oidc/assignment/a2', { group_ids: ['G2', ' g1 '] })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/assignment/a2', { entity_ids: ['e1'] })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/assignment/a2')).body.data).toEqual({ entity_ids: ['e1'], group_ids: ['g1', 'g2'] });
  });

  it('refuses wrong types and keeps the record', async () => {
    const res = await t.call('POST', 'identity/oidc/assignment/a2', { entity_ids: { a: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/^Field validation failed: error converting input .* for field "entity_ids"/);
    expect((await t.call('GET', 'identity/oidc/assignment/a2')).body.data).toEqual({ entity_ids: ['e1'], group_ids: ['g1', 'g2'] });
  });

  it('refuses to delete an assignment a client uses', async () => {
    expect((await t.call('POST', 'identity/oidc/client/ca', { assignments: ['a1'] })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/cb', { assignments: ['a1', 'allow_all'] })).status).toBe(204);
    expect(await t.call('DELETE', 'identity/oidc/assignment/a1')).toMatchObject(
      vaultError('unable to delete assignment "a1" because it is currently referenced by these clients: ca, cb'),
    );
    await t.call('DELETE', 'identity/oidc/client/ca');
    await t.call('DELETE', 'identity/oidc/client/cb');
    expect((await t.call('DELETE', 'identity/oidc/assignment/a1')).status).toBe(204);
    expect((await t.call('LIST', 'identity/oidc/assignment')).body.data.keys).toEqual(['a2', 'allow_all']);
  });
});
