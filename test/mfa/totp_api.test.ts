/**
 * Vault's login MFA over HTTP with real TOTP codes: TOTP methods, self and admin enrolment,
 * login enforcements, a userpass login answering `auth.mfa_requirement`, and `sys/mfa/validate`
 * with right, wrong and replayed codes, attempt limits, and secrets sealed at rest.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Secret, TOTP, URI } from 'otpauth';
import { identityPaths } from '../../server/identity/routes/index.js';
import { mfaPaths } from '../../server/mfa/routes/index.js';
import { userpassPaths } from '../../server/userpass/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';
const features = { vaultPaths: [identityPaths, userpassPaths, mfaPaths] };

let server: TestServer;
// Starts at the real time (storage judges expiry by the real clock); moved forward by the tests.
let clock = Date.now();
const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);
const login = (username: string, password = PASSWORD) => call('POST', `auth/userpass/login/${username}`, { password }, null);
const validate = (requestId: string, payload: unknown) => call('PUT', 'sys/mfa/validate', { mfa_request_id: requestId, mfa_payload: payload }, null);

/** The code an authenticator app shows at `at` for an otpauth:// URL. */
const codeAt = (url: string, at: number): string => (URI.parse(url) as TOTP).generate({ timestamp: at });
/** Move to the start of the next time step so codes of consecutive steps differ. */
const nextStep = (period = 30) => {
  clock = (Math.floor(clock / (period * 1000)) + 1) * period * 1000 + 1000;
};

let methodId: string;
let aliceUrl: string;

beforeAll(async () => {
  server = await startTestServer({ now: () => clock, features });
  await call('PUT', 'sys/policies/acl/mfa-self', { policy: 'path "identity/mfa/method/totp/generate" { capabilities = ["update"] }' });
  for (const name of ['alice', 'bob', 'carol']) {
    expect((await call('POST', `auth/userpass/users/${name}`, { password: PASSWORD, token_policies: ['mfa-self'] })).status).toBe(204);
  }
}, 120_000);
afterAll(async () => server.destroy());

describe('TOTP methods', () => {
  it('refuses invalid settings with Vault’s messages and creates nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'issuer must be set'],
      [{ issuer: 'Lanyard', period: 0 }, 'period must be greater than zero'],
      [{ issuer: 'Lanyard', key_size: 0 }, 'key_size must be greater than zero'],
      [{ issuer: 'Lanyard', algorithm: 'MD5' }, 'unrecognized algorithm'],
      [{ issuer: 'Lanyard', digits: 7 }, 'digits can only be 6 or 8'],
      [{ issuer: 'Lanyard', skew: 2 }, 'skew must be 0 or 1'],
      [{ issuer: 'Lanyard', max_validation_attempts: -1 }, 'max_validation_attempts must be greater than zero'],
      [{ issuer: 'Lanyard', qr_size: 100_000 }, 'qr_size must be at most 2048'],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', 'identity/mfa/method/totp', body);
      expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors: [message] });
    }
    expect((await call('GET', 'identity/mfa/method/totp?list=true')).status).toBe(404);
  });

  it('creates a method with Vault’s defaults, reads, lists and updates it', async () => {
    const created = await call('POST', 'identity/mfa/method/totp', { issuer: 'Lanyard', method_name: 'phone' });
    expect(created.status).toBe(200);
    methodId = created.body.data.method_id;
    expect(methodId).toMatch(/^[0-9a-f-]{36}$/);

    const read = await call('GET', `identity/mfa/method/totp/${methodId}`);
    expect(read.body.data).toEqual({
      id: methodId,
      type: 'totp',
      name: 'phone',
      method_name: 'phone',
      namespace_id: 'root',
      mount_accessor: '',
      issuer: 'Lanyard',
      period: 30,
      key_size: 20,
      qr_size: 200,
      algorithm: 'SHA1',
      digits: 6,
      skew: 1,
      max_validation_attempts: 5,
    });
    expect((await call('GET', `identity/mfa/method/${methodId}`)).body.data).toEqual(read.body.data);

    const listed = await call('LIST', 'identity/mfa/method/totp');
    expect(listed.body.data).toEqual({ keys: [methodId], key_info: { [methodId]: read.body.data } });

    expect((await call('POST', `identity/mfa/method/totp/${methodId}`, { qr_size: 180 })).status).toBe(204);
    expect((await call('GET', `identity/mfa/method/totp/${methodId}`)).body.data).toMatchObject({ issuer: 'Lanyard', qr_size: 180, method_name: 'phone' });
    expect((await call('POST', `identity/mfa/method/totp/${methodId}`, { digits: 9 })).status).toBe(400);
    expect((await call('POST', 'identity/mfa/method/totp/00000000-0000-0000-0000-000000000000', { issuer: 'x' })).status).toBe(404);
    expect((await call('GET', 'identity/mfa/method/totp/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    // Names are unique.
    expect((await call('POST', 'identity/mfa/method/totp', { issuer: 'Other', method_name: 'phone' })).status).toBe(400);
  });
});

describe('self-enrolment', () => {
  it('gives the caller’s entity a secret once: a PNG barcode and an otpauth URL', async () => {
    const token = (await login('alice')).body.auth.client_token;
    const res = await call('POST', 'identity/mfa/method/totp/generate', { method_id: methodId }, token);
    expect(res.status).toBe(200);
    aliceUrl = res.body.data.url;
    expect(aliceUrl).toMatch(/^otpauth:\/\/totp\/Lanyard:entity_[0-9a-f]{8}\?/);
    const png = Buffer.from(res.body.data.barcode, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(180); // width of the IHDR chunk: the method's qr_size

    const again = await call('POST', 'identity/mfa/method/totp/generate', { method_id: methodId }, token);
    expect(again.status).toBe(200);
    expect(again.body.data).toBeNull();
    expect(again.body.warnings).toEqual([`Entity already has a secret for MFA method "${methodId}"`]);
  });

  it('refuses an unknown method and a token without an entity', async () => {
    const token = (await login('bob')).body.auth.client_token;
    expect((await call('POST', 'identity/mfa/method/totp/generate', { method_id: 'nope' }, token)).status).toBe(400);
    expect((await call('POST', 'identity/mfa/method/totp/generate', { method_id: methodId })).body.errors).toEqual([
      'the token is not bound to an entity; MFA secrets belong to entities',
    ]);
  });

  it('keeps the secret sealed at rest', async () => {
    const base32 = (URI.parse(aliceUrl) as TOTP).secret.base32;
    const records = await server.runtime.services.storage.list<{ sealed_key: string }>('mfa_totp_secret');
    expect(records).toHaveLength(1);
    expect(records[0]?.value.sealed_key).toMatch(/^lyseal:v1:/);
    for (const file of ['state.db', 'state.db-wal', 'config.json']) {
      const bytes = await readFile(join(server.dataDir, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(base32)).toBe(false);
    }
  });
});

describe('login enforcements', () => {
  it('refuses enforcements without methods, targets or with unknown references', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ auth_method_types: ['userpass'] }, 'missing method ids'],
      [{ mfa_method_ids: [methodId] }, 'One of auth_method_accessors, auth_method_types, identity_group_ids, identity_entity_ids must be specified'],
      [{ mfa_method_ids: ['nope'], auth_method_types: ['userpass'] }, 'MFA method "nope" does not exist'],
      [{ mfa_method_ids: [methodId], auth_method_types: ['ldap'] }, 'auth method type "ldap" not found'],
      [{ mfa_method_ids: [methodId], auth_method_accessors: ['auth_nope'] }, 'mount accessor "auth_nope" not found'],
      [{ mfa_method_ids: [methodId], identity_group_ids: ['nope'] }, 'group "nope" not found'],
      [{ mfa_method_ids: [methodId], identity_entity_ids: ['nope'] }, 'entity "nope" not found'],
    ];
    for (const [body, message] of cases) {
      const res = await call('PUT', 'identity/mfa/login-enforcement/people', body);
      expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors: [message] });
    }
    expect((await call('GET', 'identity/mfa/login-enforcement/people')).status).toBe(404);
  });

  it('creates, reads and lists an enforcement for userpass logins', async () => {
    expect((await call('PUT', 'identity/mfa/login-enforcement/people', { mfa_method_ids: [methodId], auth_method_types: ['userpass'] })).status).toBe(204);
    const read = await call('GET', 'identity/mfa/login-enforcement/people');
    expect(read.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'people',
      namespace_id: 'root',
      mfa_method_ids: [methodId],
      auth_method_accessors: [],
      auth_method_types: ['userpass'],
      identity_group_ids: [],
      identity_entity_ids: [],
    });
    expect((await call('LIST', 'identity/mfa/login-enforcement')).body.data).toEqual({ keys: ['people'], key_info: { people: read.body.data } });
  });

  it('keeps a method an enforcement names from being deleted', async () => {
    const res = await call('DELETE', `identity/mfa/method/totp/${methodId}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toContain('people');
  });
});

describe('login with MFA', () => {
  const requirement = async (username: string) => {
    const res = await login(username);
    expect(res.status).toBe(200);
    return res.body.auth.mfa_requirement.mfa_request_id as string;
  };

  it('answers Vault’s mfa_requirement and no token', async () => {
    const res = await login('alice');
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([expect.stringContaining('subject to MFA validation')]);
    expect(res.body.auth).toEqual({
      client_token: '',
      accessor: '',
      policies: null,
      token_policies: null,
      metadata: null,
      lease_duration: 0,
      renewable: false,
      entity_id: '',
      token_type: '',
      orphan: false,
      mfa_requirement: {
        mfa_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        mfa_constraints: { people: { any: [{ type: 'totp', id: methodId, name: 'phone', uses_passcode: true }] } },
      },
      num_uses: 0,
    });
  });

  it('finishes the login with a right code, and refuses the same code again', async () => {
    nextStep();
    const code = codeAt(aliceUrl, clock);
    const firstId = await requirement('alice');
    const first = await validate(firstId, { [methodId]: [code] });
    expect(first.status).toBe(200);
    expect(first.body.auth).toMatchObject({ client_token: expect.stringMatching(/^lys\./), policies: ['default', 'mfa-self'], mfa_requirement: null });
    const self = await call('GET', 'auth/token/lookup-self', undefined, first.body.auth.client_token);
    expect(self.body.data.entity_id).toBe(first.body.auth.entity_id);

    // The request is spent.
    const spent = await validate(firstId, { [methodId]: [code] });
    expect(spent.status).toBe(403);

    // The same code in a new login is a replay.
    const replay = await validate(await requirement('alice'), { [methodId]: [code] });
    expect(replay.status).toBe(403);
    expect(replay.body.errors[0]).toMatch(/^failed to satisfy enforcement people\. error: code already used; a new code is available in \d+ seconds$/);

    // So is the previous step's code (still inside the skew window).
    const older = await validate(await requirement('alice'), { [methodId]: [codeAt(aliceUrl, clock - 30_000)] });
    expect(older.status).toBe(403);

    nextStep();
    const later = await validate(await requirement('alice'), { phone: [codeAt(aliceUrl, clock)] });
    expect(later.status).toBe(200);
    expect(later.body.auth.client_token).toMatch(/^lys\./);
  });

  it('accepts a code from the previous step (skew 1) but not from two steps back', async () => {
    nextStep();
    nextStep();
    const stale = await validate(await requirement('alice'), { [methodId]: [codeAt(aliceUrl, clock - 60_000)] });
    expect(stale.status).toBe(403);
    expect(stale.body.errors).toEqual(['failed to satisfy enforcement people. error: failed to validate TOTP passcode']);
    const previous = await validate(await requirement('alice'), { [methodId]: [codeAt(aliceUrl, clock - 30_000)] });
    expect(previous.status).toBe(200);
    nextStep();
  });

  it('refuses malformed validations with 400 and unknown requests with 403', async () => {
    const id = await requirement('alice');
    expect((await validate(id, {})).status).toBe(400);
    expect((await validate(id, { [methodId]: ['1', '2'] })).status).toBe(400);
    expect((await validate(id, { [methodId]: [42] })).status).toBe(400);
    expect((await validate(id, { 'some-other-method': ['123456'] })).body.errors[0]).toContain('are missing');
    expect((await call('PUT', 'sys/mfa/validate', { mfa_payload: { [methodId]: ['123456'] } }, null)).status).toBe(400);
    expect((await validate('00000000-0000-0000-0000-000000000000', { [methodId]: ['123456'] })).status).toBe(403);
    // None of that counted: the request still finishes with a right code.
    expect((await validate(id, { [methodId]: [codeAt(aliceUrl, clock)] })).status).toBe(200);
    nextStep();
  });

  it('ends the request after max_validation_attempts wrong codes and locks the secret for a while', async () => {
    const id = await requirement('alice');
    const wrong = codeAt(aliceUrl, clock + 10 * 60_000) === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const res = await validate(id, { [methodId]: [wrong] });
      expect(res.status).toBe(403);
      expect(res.body.errors[0]).not.toContain('log in again');
    }
    const fifth = await validate(id, { [methodId]: [wrong] });
    expect(fifth.body.errors[0]).toContain('this MFA request has ended: log in again');
    // The request is gone even for the right code.
    expect((await validate(id, { [methodId]: [codeAt(aliceUrl, clock)] })).status).toBe(403);

    // A new login cannot use even a right code while the secret is locked.
    const locked = await validate(await requirement('alice'), { [methodId]: [codeAt(aliceUrl, clock)] });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.body.errors[0]).toContain('maximum TOTP validation attempts 5 exceeded');

    clock += 5 * 60_000 + 1000;
    nextStep();
    expect((await validate(await requirement('alice'), { [methodId]: [codeAt(aliceUrl, clock)] })).status).toBe(200);
    nextStep();
  });

  it('refuses an entity without a secret, and admin-generate / admin-destroy manage one', async () => {
    const id = await requirement('bob');
    expect((await validate(id, { [methodId]: ['123456'] })).body.errors).toEqual(['failed to satisfy enforcement people. error: failed to validate TOTP passcode']);

    const bobEntity = (await call('GET', 'identity/entity/name?list=true')).body.data.keys as string[];
    const entityId = (await call('GET', `identity/entity-alias/id?list=true`)).body.data.key_info;
    const bob = Object.values(entityId as Record<string, { name: string; canonical_id: string }>).find((a) => a.name === 'bob')?.canonical_id;
    expect(bobEntity.length).toBeGreaterThan(0);

    expect((await call('POST', 'identity/mfa/method/totp/admin-generate', { method_id: methodId, entity_id: 'nope' })).status).toBe(400);
    const generated = await call('POST', 'identity/mfa/method/totp/admin-generate', { method_id: methodId, entity_id: bob });
    expect(generated.status).toBe(200);
    const bobUrl = generated.body.data.url as string;
    expect((await validate(await requirement('bob'), { [methodId]: [codeAt(bobUrl, clock)] })).status).toBe(200);

    expect((await call('POST', 'identity/mfa/method/totp/admin-destroy', { method_id: methodId, entity_id: bob })).status).toBe(204);
    nextStep();
    expect((await validate(await requirement('bob'), { [methodId]: [codeAt(bobUrl, clock)] })).status).toBe(403);
  });

  it('covers only the entities an enforcement targets', async () => {
    await call('DELETE', 'identity/mfa/login-enforcement/people');
    expect((await login('carol')).body.auth.client_token).toMatch(/^lys\./);
    const aliceEntity = (await call('GET', 'identity/entity-alias/id?list=true')).body.data.key_info;
    const alice = Object.values(aliceEntity as Record<string, { name: string; canonical_id: string }>).find((a) => a.name === 'alice')?.canonical_id;
    expect((await call('PUT', 'identity/mfa/login-enforcement/alice-only', { mfa_method_ids: [methodId], identity_entity_ids: [alice] })).status).toBe(204);
    expect((await login('carol')).body.auth.client_token).toMatch(/^lys\./);
    expect((await login('alice')).body.auth.mfa_requirement.mfa_request_id).toBeDefined();
  });
});

describe('codes computed independently', () => {
  it('match RFC 6238 for the SHA1 test key (sanity check of the test helper)', () => {
    const totp = new TOTP({ secret: Secret.fromLatin1('12345678901234567890'), digits: 8, period: 30 });
    expect(totp.generate({ timestamp: 59_000 })).toBe('94287082');
  });
});
