/** ACL policies over HTTP: CRUD, built-ins, and their effect on what a token may do. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.destroy());

const tokenWith = async (policies: string[]): Promise<string> => {
  const res = await api(server, 'POST', '/v1/auth/token/create', { policies });
  return res.body.auth.client_token as string;
};

describe('policy CRUD', () => {
  it('stores HCL and JSON policies and reads them back', async () => {
    const hcl = 'path "secret/*" {\n  capabilities = ["read", "list"]\n}\n';
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/reader', { policy: hcl })).status).toBe(204);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/reader')).body.data).toEqual({ name: 'reader', policy: hcl });
    const json = JSON.stringify({ path: { 'sys/policies/acl/*': { capabilities: ['read'] } } });
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/json-form', { policy: json })).status).toBe(204);
    const listed = await api(server, 'GET', '/v1/sys/policies/acl?list=true');
    expect(listed.body.data.keys).toEqual(expect.arrayContaining(['default', 'json-form', 'reader', 'root']));
  });

  it('lower-cases names as Vault does', async () => {
    await api(server, 'PUT', '/v1/sys/policies/acl/MixedCase', { policy: 'path "a" { capabilities = ["read"] }' });
    expect((await api(server, 'GET', '/v1/sys/policies/acl/mixedcase')).status).toBe(200);
  });

  it('rejects bad policy text with a positioned message and stores nothing', async () => {
    const res = await api(server, 'PUT', '/v1/sys/policies/acl/broken', { policy: 'path "x" {\n  capabilities = ["reed"]\n}' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/^failed to parse policy: .*line 2/);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/broken')).status).toBe(404);
  });

  it('refuses to change root or delete root and default', async () => {
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/root', { policy: 'path "a" { capabilities = ["read"] }' })).status).toBe(400);
    expect((await api(server, 'DELETE', '/v1/sys/policies/acl/root')).status).toBe(400);
    expect((await api(server, 'DELETE', '/v1/sys/policies/acl/default')).status).toBe(400);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/default')).status).toBe(200);
  });

  it('requires a policy text', async () => {
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/empty', {})).body.errors).toEqual(["'policy' parameter not supplied or empty"]);
  });
});

describe('policies decide what a token may do', () => {
  it('denies everything not granted, with Vault 403 body', async () => {
    const token = await tokenWith(['default']);
    const res = await api(server, 'GET', '/v1/sys/policies/acl/default', undefined, token);
    expect(res).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token)).status).toBe(200);
  });

  it('honours * suffix and + segment globs, list, and deny', async () => {
    await api(server, 'PUT', '/v1/sys/policies/acl/globs', {
      policy: `
        path "sys/policies/acl/+" { capabilities = ["read"] }
        path "sys/policies/acl/" { capabilities = ["list"] }
        path "sys/policies/acl/secret*" { capabilities = ["deny"] }
      `,
    });
    await api(server, 'PUT', '/v1/sys/policies/acl/secret-one', { policy: 'path "a" { capabilities = ["read"] }' });
    const token = await tokenWith(['globs']);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/reader', undefined, token)).status).toBe(200);
    expect((await api(server, 'GET', '/v1/sys/policies/acl?list=true', undefined, token)).status).toBe(200);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/secret-one', undefined, token)).status).toBe(403);
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/reader', { policy: 'path "b" { capabilities = ["read"] }' }, token)).status).toBe(403);
  });

  it('takes effect immediately when a policy changes', async () => {
    await api(server, 'PUT', '/v1/sys/policies/acl/later', { policy: 'path "nothing" { capabilities = ["read"] }' });
    const token = await tokenWith(['later']);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/later', undefined, token)).status).toBe(403);
    await api(server, 'PUT', '/v1/sys/policies/acl/later', { policy: 'path "sys/policies/acl/later" { capabilities = ["read"] }' });
    expect((await api(server, 'GET', '/v1/sys/policies/acl/later', undefined, token)).status).toBe(200);
  });
});
