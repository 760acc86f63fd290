/** Lanyard tokens over HTTP: creation, lookup, TTLs over simulated time, use limits, revocation. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let clock = Date.UTC(2026, 0, 1);
beforeAll(async () => {
  server = await startTestServer({ now: () => clock, settings: { 'max-token-ttl': '24h', 'default-token-ttl': '1h' } });
});
afterAll(async () => server.destroy());

const create = async (body: Record<string, unknown>, token = server.rootToken) => {
  const res = await api(server, 'POST', '/v1/auth/token/create', body, token);
  expect(res.status).toBe(200);
  return res.body.auth as { client_token: string; accessor: string; lease_duration: number; policies: string[]; num_uses: number };
};
const lookupSelf = (token: string) => api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token);

describe('token create and lookup', () => {
  it('issues a prefixed token with Vault auth block', async () => {
    const auth = await create({ policies: ['p1'], ttl: '30m', meta: { team: 'ci' }, display_name: 'build' });
    expect(auth.client_token).toMatch(/^lys\.[0-9A-Za-z]{32}$/);
    expect(auth.lease_duration).toBe(1800);
    expect(auth.policies).toEqual(['default', 'p1']);
    const res = await lookupSelf(auth.client_token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: auth.client_token,
      accessor: auth.accessor,
      policies: ['default', 'p1'],
      meta: { team: 'ci' },
      display_name: 'token-build',
      ttl: 1800,
      creation_ttl: 1800,
      num_uses: 0,
      renewable: true,
      type: 'service',
      orphan: false,
      path: 'auth/token/create',
    });
  });

  it('stores only a hash: the token text appears nowhere in the data dir', async () => {
    const auth = await create({ policies: ['p1'] });
    const files = await readdir(server.dataDir);
    for (const file of files) {
      const content = await readFile(join(server.dataDir, file)).catch(() => Buffer.alloc(0));
      expect(content.includes(Buffer.from(auth.client_token))).toBe(false);
      expect(content.includes(Buffer.from(server.rootToken))).toBe(false);
    }
  });

  it('applies the default TTL and caps at the server maximum', async () => {
    expect((await create({})).lease_duration).toBe(3600);
    expect((await create({ ttl: '100h' })).lease_duration).toBe(24 * 3600);
    expect((await create({ ttl: '10h', explicit_max_ttl: '2h' })).lease_duration).toBe(7200);
  });

  it('lets a non-root token pass on only its own policies', async () => {
    const parent = await create({ policies: ['p1'] });
    await api(server, 'PUT', '/v1/sys/policies/acl/p1', { policy: 'path "auth/token/create" { capabilities = ["update"] }' });
    const denied = await api(server, 'POST', '/v1/auth/token/create', { policies: ['admin'] }, parent.client_token);
    expect(denied).toMatchObject({ status: 400, body: { errors: ['child policies must be subset of parent'] } });
    const ok = await api(server, 'POST', '/v1/auth/token/create', { policies: ['p1'] }, parent.client_token);
    expect(ok.status).toBe(200);
  });

  it('rejects bad input and creates nothing', async () => {
    for (const body of [{ ttl: 'forever' }, { num_uses: -1 }, { num_uses: 'many' }, { bound_cidrs: ['10.0.0.0/99'] }, { entity_id: 'nope' }]) {
      const res = await api(server, 'POST', '/v1/auth/token/create', body);
      expect(res.status).toBe(400);
    }
  });
});

describe('expiry and renewal over simulated time', () => {
  it('expires a token after its TTL', async () => {
    const auth = await create({ ttl: '10m' });
    clock += 9 * 60_000;
    expect((await lookupSelf(auth.client_token)).status).toBe(200);
    clock += 2 * 60_000;
    expect((await lookupSelf(auth.client_token)).status).toBe(403);
  });

  it('renews up to the explicit max TTL and not after expiry', async () => {
    const auth = await create({ ttl: '1h', explicit_max_ttl: '90m' });
    clock += 50 * 60_000;
    const renewed = await api(server, 'POST', '/v1/auth/token/renew-self', { increment: '1h' }, auth.client_token);
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth.lease_duration).toBe(40 * 60); // capped: 90m after creation
    clock += 41 * 60_000;
    expect((await lookupSelf(auth.client_token)).status).toBe(403);
    const late = await api(server, 'POST', '/v1/auth/token/renew-self', {}, auth.client_token);
    expect(late.status).toBe(403);
  });

  it('never expires the root token', async () => {
    clock += 365 * 24 * 3600_000;
    const res = await lookupSelf(server.rootToken);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ ttl: 0, expire_time: null, policies: ['root'] });
  });
});

describe('use limits', () => {
  it('never allows more uses than num_uses under concurrency', async () => {
    const auth = await create({ num_uses: 5 });
    const results = await Promise.all(Array.from({ length: 40 }, () => lookupSelf(auth.client_token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 403)).toHaveLength(35);
    expect((await lookupSelf(auth.client_token)).status).toBe(403);
  });
});

describe('revocation', () => {
  it('revokes a token and the tokens it created', async () => {
    await api(server, 'PUT', '/v1/sys/policies/acl/creator', { policy: 'path "auth/token/create" { capabilities = ["update"] }' });
    const parent = await create({ policies: ['creator'] });
    const child = (await api(server, 'POST', '/v1/auth/token/create', {}, parent.client_token)).body.auth.client_token as string;
    expect((await lookupSelf(child)).status).toBe(200);
    expect((await api(server, 'POST', '/v1/auth/token/revoke-self', undefined, parent.client_token)).status).toBe(204);
    expect((await lookupSelf(parent.client_token)).status).toBe(403);
    expect((await lookupSelf(child)).status).toBe(403);
  });

  it('revokes by token and by accessor', async () => {
    const a = await create({});
    const b = await create({});
    expect((await api(server, 'POST', '/v1/auth/token/revoke', { token: a.client_token })).status).toBe(204);
    expect((await api(server, 'POST', '/v1/auth/token/revoke-accessor', { accessor: b.accessor })).status).toBe(204);
    expect((await lookupSelf(a.client_token)).status).toBe(403);
    expect((await lookupSelf(b.client_token)).status).toBe(403);
  });

  it('looks a token up by accessor without revealing it', async () => {
    const a = await create({ policies: ['p9'] });
    const res = await api(server, 'POST', '/v1/auth/token/lookup-accessor', { accessor: a.accessor });
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe('');
    expect(res.body.data.policies).toEqual(['default', 'p9']);
  });
});

describe('bound CIDRs', () => {
  it('accepts the token only from the bound addresses', async () => {
    const local = await create({ bound_cidrs: ['127.0.0.0/8'] });
    const elsewhere = await create({ bound_cidrs: ['192.0.2.0/24', '2001:db8::/32'] });
    expect((await lookupSelf(local.client_token)).status).toBe(200);
    expect((await lookupSelf(elsewhere.client_token)).status).toBe(403);
  });
});
