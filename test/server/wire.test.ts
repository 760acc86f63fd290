/** Vault's wire conventions on the admin API, over a real listening server. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ settings: { 'max-request-size': '65536' } });
});
afterAll(async () => server.destroy());

/** A raw request (for the LIST verb, which fetch cannot send, and odd bodies). */
function raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { method, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { 'X-Vault-Token': server.rootToken, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('success envelope and status codes', () => {
  it('wraps reads in Vault envelope with request id and mount type', async () => {
    const res = await api(server, 'GET', '/v1/sys/policies/acl/default');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type']);
    expect(res.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.data.name).toBe('default');
  });

  it('answers writes with nothing to say with 204 and no body', async () => {
    const res = await api(server, 'PUT', '/v1/sys/policies/acl/wire-a', { policy: 'path "x" { capabilities = ["read"] }' });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
  });

  it('answers a missing resource with 404 and an empty error list', async () => {
    const res = await api(server, 'GET', '/v1/sys/policies/acl/does-not-exist');
    expect(res).toMatchObject({ status: 404, body: { errors: [] } });
  });

  it('answers an unknown path with 404 and unknown methods with 405', async () => {
    expect((await api(server, 'GET', '/v1/no/such/path')).status).toBe(404);
    const res = await raw('PATCH', '/v1/sys/policies/acl/default', '{}', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.body)).toEqual({ errors: ['unsupported operation'] });
  });

  it('refuses names outside Vault name syntax, and percent-encoded names before routing', async () => {
    const body = { policy: 'path "x" { capabilities = ["read"] }' };
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/-bad', body)).status).toBe(404);
    const encoded = await api(server, 'PUT', '/v1/sys/policies/acl/bad%20name', body);
    expect(encoded.status).toBe(400);
    expect(encoded.body.errors[0]).toMatch(/non-canonical request path/);
  });
});

describe('lists', () => {
  it('supports GET ?list=true and the raw LIST verb with the same answer', async () => {
    const viaQuery = await api(server, 'GET', '/v1/sys/policies/acl?list=true');
    const viaVerb = await raw('LIST', '/v1/sys/policies/acl');
    expect(viaQuery.status).toBe(200);
    expect(viaVerb.status).toBe(200);
    expect(JSON.parse(viaVerb.body).data.keys).toEqual(viaQuery.body.data.keys);
    expect(viaQuery.body.data.keys).toEqual(expect.arrayContaining(['default', 'root']));
  });

  it('accepts a trailing slash', async () => {
    const res = await raw('LIST', '/v1/sys/policies/acl/');
    expect(res.status).toBe(200);
  });

  it('rejects an unparsable list flag', async () => {
    const res = await api(server, 'GET', '/v1/sys/policies/acl?list=maybe');
    expect(res.status).toBe(400);
  });
});

describe('request bodies', () => {
  it('rejects malformed JSON with Vault message and changes nothing', async () => {
    const res = await raw('PUT', '/v1/sys/policies/acl/wire-b', '{"policy": ', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ errors: ['error parsing JSON'] });
    expect((await api(server, 'GET', '/v1/sys/policies/acl/wire-b')).status).toBe(404);
  });

  it('rejects a JSON array body', async () => {
    const res = await raw('PUT', '/v1/sys/policies/acl/wire-b', '[1]', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
  });

  it('accepts form bodies', async () => {
    const body = new URLSearchParams({ policy: 'path "y" { capabilities = ["list"] }' }).toString();
    const res = await raw('POST', '/v1/sys/policies/acl/wire-form', body, { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(204);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/wire-form')).body.data.policy).toContain('"y"');
  });

  it('refuses bodies over the limit with 413 and changes nothing', async () => {
    const huge = JSON.stringify({ policy: `path "z" { capabilities = ["read"] }\n${'#'.repeat(70_000)}` });
    const res = await raw('PUT', '/v1/sys/policies/acl/wire-huge', huge, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).errors[0]).toMatch(/exceeds the limit/);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/wire-huge')).status).toBe(404);
  });

  it('rejects wrong field types with Vault field-validation message', async () => {
    const res = await api(server, 'PUT', '/v1/sys/policies/acl/wire-c', { policy: { not: 'a string' } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/^Field validation failed: error converting input .* for field "policy"/);
  });

  it('warns about unknown fields when there is a response body', async () => {
    const res = await api(server, 'POST', '/v1/auth/token/create', { policies: ['default'], colour: 'blue' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [colour]']);
  });
});

describe('authentication', () => {
  it('denies requests without a token, with a forged token, and with a malformed header', async () => {
    for (const token of [null, 'lys.forged', 'x'.repeat(5000)]) {
      const res = await api(server, 'GET', '/v1/sys/policies/acl/default', undefined, token);
      expect(res).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    }
  });

  it('accepts the token as a Bearer header', async () => {
    const res = await fetch(`${server.url}/v1/auth/token/lookup-self`, { headers: { Authorization: `Bearer ${server.rootToken}` } });
    expect(res.status).toBe(200);
  });
});
