/** Userpass user management over HTTP: shapes, case-insensitive names, validation, existence check, secrecy. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { userpassPaths } from '../../server/userpass/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ features: { vaultPaths: [userpassPaths] } });
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);
const PASSWORD = 'correct horse battery staple';

describe('create, read, list, delete', () => {
  it('creates a user with 204 and reads token settings, never the password', async () => {
    const res = await call('POST', 'auth/userpass/users/alice', { password: PASSWORD, token_policies: 'p2,P1', token_ttl: '1h', token_max_ttl: '2h' });
    expect(res.status).toBe(204);
    const read = await call('GET', 'auth/userpass/users/alice');
    expect(read.status).toBe(200);
    expect(read.body.mount_type).toBe('userpass');
    expect(read.body.data).toEqual({
      max_ttl: 7200,
      policies: ['p1', 'p2'],
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 7200,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['p1', 'p2'],
      token_ttl: 3600,
      token_type: 'default',
      ttl: 3600,
    });
    expect(JSON.stringify(read.body)).not.toMatch(/password|scrypt/);
  });

  it('treats usernames without regard to case', async () => {
    expect((await call('POST', 'auth/userpass/users/Bob', { password: PASSWORD })).status).toBe(204);
    expect((await call('GET', 'auth/userpass/users/bob')).status).toBe(200);
    expect((await call('GET', 'auth/userpass/users/BOB')).status).toBe(200);
    const list = await call('GET', 'auth/userpass/users?list=true');
    expect(list.body.data.keys).toEqual(expect.arrayContaining(['alice', 'bob']));
    expect(list.body.data.keys).not.toContain('Bob');
  });

  it('accepts Vault’s legacy field names, the token_ names winning', async () => {
    const res = await call('POST', 'auth/userpass/users/carol', { password: PASSWORD, policies: ['old'], ttl: 60, max_ttl: 120, bound_cidrs: '10.0.0.0/8', token_num_uses: 3 });
    expect(res.status).toBe(204);
    expect((await call('GET', 'auth/userpass/users/carol')).body.data).toMatchObject({
      token_policies: ['old'],
      policies: ['old'],
      token_ttl: 60,
      token_max_ttl: 120,
      token_bound_cidrs: ['10.0.0.0/8'],
      bound_cidrs: ['10.0.0.0/8'],
      token_num_uses: 3,
    });
    expect((await call('POST', 'auth/userpass/users/carol', { policies: ['old'], token_policies: ['new'] })).status).toBe(204);
    expect((await call('GET', 'auth/userpass/users/carol')).body.data.token_policies).toEqual(['new']);
  });

  it('updates settings without touching the rest, and deletes with 204', async () => {
    expect((await call('POST', 'auth/userpass/users/alice', { token_num_uses: 5 })).status).toBe(204);
    expect((await call('GET', 'auth/userpass/users/alice')).body.data).toMatchObject({ token_num_uses: 5, token_policies: ['p1', 'p2'], token_ttl: 3600 });
    expect((await call('POST', 'auth/userpass/users/dave', { password: PASSWORD })).status).toBe(204);
    expect((await call('DELETE', 'auth/userpass/users/dave')).status).toBe(204);
    expect(await call('GET', 'auth/userpass/users/dave')).toMatchObject({ status: 404, body: { errors: [] } });
    expect((await call('DELETE', 'auth/userpass/users/dave')).status).toBe(204);
  });

  it('changes a password through the password path and refuses unknown users there', async () => {
    expect((await call('POST', 'auth/userpass/users/alice/password', { password: 'a new one' })).status).toBe(204);
    expect(await call('POST', 'auth/userpass/users/nobody/password', { password: 'x' })).toMatchObject({ status: 400, body: { errors: ['username does not exist'] } });
    expect(await call('POST', 'auth/userpass/users/alice/password', {})).toMatchObject({ status: 400, body: { errors: ['missing password'] } });
    expect((await call('GET', 'auth/userpass/users/nobody')).status).toBe(404);
  });
});

describe('bad input creates nothing', () => {
  const rejected: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no password', { token_policies: ['p'] }, /^missing password$/],
    ['an empty password', { password: '' }, /^missing password$/],
    ['a password over 1024 bytes', { password: 'é'.repeat(513) }, /at most 1024 bytes/],
    ['a password of the wrong type', { password: { a: 1 } }, /Field validation failed/],
    ['a TTL above the max TTL', { password: PASSWORD, token_ttl: '2h', token_max_ttl: '1h' }, /cannot be greater than 'token_max_ttl'/],
    ['an unparsable TTL', { password: PASSWORD, token_ttl: 'forever' }, /Field validation failed/],
    ['negative uses', { password: PASSWORD, token_num_uses: -1 }, /cannot be negative/],
    ['a bad CIDR', { password: PASSWORD, token_bound_cidrs: ['10.0.0.0/99'] }, /invalid CIDR/],
    ['the root policy', { password: PASSWORD, token_policies: ['root'] }, /policies cannot contain root/],
  ];
  it.each(rejected)('refuses %s with 400', async (_what, body, message) => {
    const res = await call('POST', 'auth/userpass/users/eve', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.join(' ')).toMatch(message);
    expect((await call('GET', 'auth/userpass/users/eve')).status).toBe(404);
  });

  it('accepts a password of exactly 1024 bytes', async () => {
    expect((await call('POST', 'auth/userpass/users/frank', { password: 'é'.repeat(512) })).status).toBe(204);
  });

  it('refuses a bad update and keeps the stored user', async () => {
    const before = (await call('GET', 'auth/userpass/users/alice')).body.data;
    expect((await call('POST', 'auth/userpass/users/alice', { token_ttl: '3h' })).status).toBe(400);
    expect((await call('POST', 'auth/userpass/users/alice', { password: '' })).status).toBe(400);
    expect((await call('GET', 'auth/userpass/users/alice')).body.data).toEqual(before);
  });

  it('does not route usernames outside Vault’s name pattern', async () => {
    // Percent-encoding is refused before routing (non-canonical path).
    expect((await call('POST', 'auth/userpass/users/a%20b', { password: PASSWORD })).status).toBe(400);
    expect((await call('POST', 'auth/userpass/users/-lead', { password: PASSWORD })).status).toBe(404);
  });
});

describe('policies', () => {
  it('separates create from update through the existence check', async () => {
    await call('PUT', 'sys/policies/acl/users-update', { policy: 'path "auth/userpass/users/*" { capabilities = ["update"] }' });
    const token = (await call('POST', 'auth/token/create', { policies: ['users-update'] })).body.auth.client_token;
    expect((await call('POST', 'auth/userpass/users/alice', { token_num_uses: 7 }, token)).status).toBe(204);
    expect((await call('POST', 'auth/userpass/users/newcomer', { password: PASSWORD }, token)).status).toBe(403);
    expect((await call('GET', 'auth/userpass/users/newcomer')).status).toBe(404);
  });

  it('refuses user management to a default-policy token', async () => {
    const token = (await call('POST', 'auth/token/create', { policies: ['default'] })).body.auth.client_token;
    expect((await call('POST', 'auth/userpass/users/mallory', { password: PASSWORD }, token)).status).toBe(403);
    expect((await call('GET', 'auth/userpass/users?list=true', undefined, token)).status).toBe(403);
    expect((await call('GET', 'auth/userpass/users/alice', undefined, token)).status).toBe(403);
  });
});

describe('secrecy at rest', () => {
  it('keeps only scrypt hashes with their parameters, never a password, in the data dir', async () => {
    const user = await server.runtime.services.storage.get<{ password_hash: string }>('userpass_user', 'bob');
    expect(user?.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    for (const file of await readdir(server.dataDir)) {
      const content = await readFile(join(server.dataDir, file)).catch(() => Buffer.alloc(0));
      expect(content.includes(Buffer.from(PASSWORD))).toBe(false);
    }
  });
});
