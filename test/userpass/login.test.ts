/**
 * Userpass login over HTTP: Vault's auth block, the entity created on first login and reused after,
 * entity state applied to tokens, indistinguishable failures, brute-force limits on simulated time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { createLogger } from '../../server/log.js';
import { userpassPaths } from '../../server/userpass/routes/index.js';
import { hashPassword } from '../../server/userpass/password_hash.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

const MINUTE = 60_000;
const PASSWORD = 'correct horse battery staple';
const features = { vaultPaths: [identityPaths, userpassPaths] };

let server: TestServer;
// Starts at the real time: storage judges record expiry by the real clock.
let clock = Date.now();
const logLines: string[] = [];
let userpassAccessor: string;

beforeAll(async () => {
  server = await startTestServer({
    now: () => clock,
    features,
    log: createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  });
  userpassAccessor = (await call('GET', 'sys/auth')).body.data['userpass/'].accessor;
  for (const name of ['alice', 'bob', 'target', 'carol', 'dave']) {
    expect((await call('POST', `auth/userpass/users/${name}`, { password: PASSWORD, token_policies: ['p1'], token_ttl: '1h' })).status).toBe(204);
  }
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null, on: TestServer = server) => api(on, method, `/v1/${path}`, body, token);
/** `password: null` sends no password at all. */
const login = (username: string, password: unknown = PASSWORD, on: TestServer = server) =>
  call('POST', `auth/userpass/login/${username}`, password === null ? {} : { password }, null, on);

/** Let every failure counter lapse (the per-network one included) before the next test. */
const forgetFailures = () => {
  clock += 70 * MINUTE;
};

describe('successful login', () => {
  it('answers Vault’s auth block with a token bound to a new entity', async () => {
    const res = await login('alice');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: null, mount_type: 'userpass', lease_id: '', renewable: false });
    expect(res.body.auth).toEqual({
      client_token: expect.stringMatching(/^lys\.[0-9A-Za-z]{32}$/),
      accessor: expect.any(String),
      policies: ['default', 'p1'],
      token_policies: ['default', 'p1'],
      identity_policies: [],
      metadata: { username: 'alice' },
      lease_duration: 3600,
      renewable: true,
      entity_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });

    const entity = (await call('GET', `identity/entity/id/${res.body.auth.entity_id}`)).body.data;
    expect(entity.name).toMatch(/^entity_[0-9a-f]{8}$/);
    expect(entity.aliases).toEqual([
      expect.objectContaining({ name: 'alice', mount_accessor: userpassAccessor, mount_type: 'userpass', mount_path: 'auth/userpass/', canonical_id: entity.id }),
    ]);
  });

  it('gives a token that works for lookup-self and carries the entity', async () => {
    const auth = (await login('alice')).body.auth;
    const self = await call('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({
      entity_id: auth.entity_id,
      path: 'auth/userpass/login/alice',
      display_name: 'userpass-alice',
      meta: { username: 'alice' },
      policies: ['default', 'p1'],
      ttl: 3600,
    });
  });

  it('creates the entity once and reuses it, whatever the case of the username', async () => {
    const first = (await login('bob')).body.auth.entity_id;
    const entitiesBefore = (await call('GET', 'identity/entity/id?list=true')).body.data.keys;
    expect((await login('bob')).body.auth.entity_id).toBe(first);
    expect((await login('BOB')).body.auth.entity_id).toBe(first);
    expect((await call('GET', 'identity/entity/id?list=true')).body.data.keys).toEqual(entitiesBefore);
  });

  it('logs into the entity an administrator linked with an alias', async () => {
    const entity = (await call('POST', 'identity/entity', { name: 'carol-person', policies: ['from-entity'] })).body.data.id;
    expect((await call('POST', 'identity/entity-alias', { name: 'carol', mount_accessor: userpassAccessor, canonical_id: entity })).status).toBe(200);
    const auth = (await login('carol')).body.auth;
    expect(auth.entity_id).toBe(entity);
    expect(auth.identity_policies).toEqual(['from-entity']);
    expect(auth.policies).toEqual(['default', 'from-entity', 'p1']);
  });

  it('applies the user’s token settings', async () => {
    expect((await call('POST', 'auth/userpass/users/dave', { token_num_uses: 2, token_no_default_policy: true, token_explicit_max_ttl: '10m' })).status).toBe(204);
    const auth = (await login('dave')).body.auth;
    expect(auth).toMatchObject({ num_uses: 2, policies: ['p1'], lease_duration: 600 });
  });

  it('gives a token that only the default policy cannot use for identity writes', async () => {
    const auth = (await login('alice')).body.auth;
    expect((await call('POST', 'identity/entity', { name: 'mallory' }, auth.client_token)).status).toBe(403);
    expect((await call('POST', `identity/entity/id/${auth.entity_id}`, { policies: ['admin'] }, auth.client_token)).status).toBe(403);
    expect((await call('GET', `identity/entity/id/${auth.entity_id}`, undefined, auth.client_token)).status).toBe(200);
    expect((await call('GET', 'identity/entity/name/mallory')).status).toBe(404);
  });
});

describe('entity state', () => {
  it('refuses tokens and logins of a disabled entity, and accepts them again once enabled', async () => {
    const auth = (await login('alice')).body.auth;
    expect((await call('POST', `identity/entity/id/${auth.entity_id}`, { disabled: true })).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', undefined, auth.client_token)).status).toBe(403);
    expect(await login('alice')).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    expect((await call('POST', `identity/entity/id/${auth.entity_id}`, { disabled: false })).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', undefined, auth.client_token)).status).toBe(200);
  });

  it('revokes the token when its entity is deleted; the next login makes a new entity', async () => {
    const auth = (await login('bob')).body.auth;
    expect((await call('DELETE', `identity/entity/id/${auth.entity_id}`)).status).toBe(204);
    expect((await call('POST', 'auth/token/lookup-accessor', { accessor: auth.accessor })).status).toBe(400);
    expect((await call('GET', 'auth/token/lookup-self', undefined, auth.client_token)).status).toBe(403);
    const again = (await login('bob')).body.auth;
    expect(again.entity_id).not.toBe(auth.entity_id);
  });
});

describe('failed login', () => {
  it('answers an unknown user exactly like a wrong password', async () => {
    const wrong = await login('alice', 'not it');
    const unknown = await login('nobody-here', 'not it');
    expect(wrong).toMatchObject({ status: 400, body: { errors: ['invalid username or password'] } });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.body).toEqual(wrong.body);
    for (const header of ['content-type', 'content-length', 'cache-control', 'retry-after']) {
      expect(unknown.headers.get(header)).toBe(wrong.headers.get(header));
    }
    forgetFailures();
  });

  it('refuses a missing or over-long password before looking at the user', async () => {
    expect(await login('alice', null)).toMatchObject({ status: 400, body: { errors: ['missing password'] } });
    expect(await login('alice', 'x'.repeat(1025))).toMatchObject({ status: 400, body: { errors: ['password must be at most 1024 bytes'] } });
    expect(await login('alice', 42)).toMatchObject({ status: 400, body: { errors: ['invalid username or password'] } });
    forgetFailures();
  });

  it('stops accepting the old password after a change, and deleted users', async () => {
    expect((await call('POST', 'auth/userpass/users/dave/password', { password: 'second password' })).status).toBe(204);
    expect((await login('dave')).status).toBe(400);
    expect((await login('dave', 'second password')).status).toBe(200);
    expect((await call('DELETE', 'auth/userpass/users/dave')).status).toBe(204);
    expect((await login('dave', 'second password')).status).toBe(400);
    forgetFailures();
  });

  it('refuses logins from outside the user’s bound CIDRs and binds the token otherwise', async () => {
    expect((await call('POST', 'auth/userpass/users/erin', { password: PASSWORD, token_bound_cidrs: ['10.0.0.0/8'] })).status).toBe(204);
    expect(await login('erin')).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    expect((await call('POST', 'auth/userpass/users/erin', { token_bound_cidrs: ['127.0.0.0/8'] })).status).toBe(204);
    const auth = (await login('erin')).body.auth;
    const self = await call('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    expect(self.body.data.bound_cidrs).toEqual(['127.0.0.0/8']);
  });
});

describe('brute-force limits per username', () => {
  it('locks a username after five failures, with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await login('target', `guess-${i}`)).status).toBe(400);
    const locked = await login('target');
    expect(locked).toMatchObject({ status: 429, body: { errors: ['too many failed login attempts; try again later'] } });
    expect(locked.headers.get('retry-after')).toBe('60');
    clock += 30_000;
    expect((await login('target')).headers.get('retry-after')).toBe('30');
    expect((await login('alice')).status).toBe(200); // other users are not affected
  });

  it('doubles the lock on a failure after it, and a success clears the count', async () => {
    clock += 31_000;
    expect((await login('target', 'guess-6')).status).toBe(400);
    expect((await login('target')).headers.get('retry-after')).toBe('120');
    clock += 2 * MINUTE + 1000;
    expect((await login('target')).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login('target', `again-${i}`)).status).toBe(400);
    expect((await login('target')).status).toBe(200);
    forgetFailures();
  });

  it('locks unknown usernames the same way', async () => {
    for (let i = 0; i < 5; i++) expect((await login('ghost', `guess-${i}`)).status).toBe(400);
    const known = await login('ghost');
    expect(known.status).toBe(429);
    expect(known.headers.get('retry-after')).toBe('60');
    forgetFailures();
    expect((await login('ghost', 'guess-again')).status).toBe(400);
    forgetFailures();
  });
});

describe('password hashes', () => {
  it('upgrades a hash made with weaker parameters at the next successful login', async () => {
    const storage = server.runtime.services.storage;
    const weak = await hashPassword(PASSWORD, { ln: 10, r: 8, p: 1 });
    const stored = await storage.get<Record<string, unknown>>('userpass_user', 'carol');
    await storage.put('userpass_user', 'carol', { ...stored, password_hash: weak });
    expect((await login('carol')).status).toBe(200);
    const upgraded = await storage.get<{ password_hash: string }>('userpass_user', 'carol');
    expect(upgraded?.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect((await login('carol')).status).toBe(200);
  });

  it('never writes a password or a hash to the log', async () => {
    expect(logLines.length).toBeGreaterThan(0);
    const text = logLines.join('\n');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('guess-');
    expect(text).not.toContain('$scrypt$');
  });
});

describe('brute-force limits per client network', () => {
  let other: TestServer;
  let otherClock = Date.now();
  beforeAll(async () => {
    other = await startTestServer({ now: () => otherClock, features: { vaultPaths: [userpassPaths] } });
    expect((await call('POST', 'auth/userpass/users/alice', { password: PASSWORD }, undefined, other)).status).toBe(204);
  });
  afterAll(async () => other.destroy());

  it('locks the client after twenty failures across usernames', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`user${i % 4}`, 'wrong', other)).status).toBe(400);
    const locked = await login('alice', PASSWORD, other);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('300');
    otherClock += 5 * MINUTE;
    expect((await login('alice', PASSWORD, other)).status).toBe(200);
  });
});
