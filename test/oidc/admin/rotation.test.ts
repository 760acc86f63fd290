/**
 * Key rotation over simulated time: a token signed before a rotation keeps verifying against the
 * published JWKS until its key's verification window ends, and not after; the periodic job
 * rotates due keys (materialising the unused default key) and drops expired key pairs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { readStoredKey } from '../../../server/oidc/key_store.js';
import { rotateDueKeys, startKeyRotation } from '../../../server/oidc/key_rotation.js';
import { createEntity, grantIdentityTokens, startOidcServer, tokenFor, type OidcTestServer } from './fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let t: OidcTestServer;
// Starts at the real time (storage expiry follows the real clock); the tests only move it forward.
let clock = Date.now();
let user: string;
let clientId: string;

beforeAll(async () => {
  t = await startOidcServer({ now: () => clock });
  const entity = await createEntity(t.call, 'alice');
  user = await tokenFor(t.call, entity, ['default', await grantIdentityTokens(t.call)]);
});
afterAll(async () => t.server.destroy());

const services = () => t.server.runtime.services;
const publishedKids = async (): Promise<string[]> =>
  ((await t.call('GET', 'identity/oidc/.well-known/keys', undefined, null)).body.keys as Array<{ kid: string }>).map((k) => k.kid);
const issue = async (role: string): Promise<string> => {
  const res = await t.call('GET', `identity/oidc/token/${role}`, undefined, user);
  expect(res.status).toBe(200);
  return res.body.data.token as string;
};
/** Verifies the signature against the JWKS as published now; the token's own times are judged at `at`. */
const verifiesNow = async (token: string, at: number): Promise<boolean> => {
  const jwks = createLocalJWKSet((await t.call('GET', 'identity/oidc/.well-known/keys', undefined, null)).body);
  try {
    await jwtVerify(token, jwks, { audience: clientId, currentDate: new Date(at) });
    return true;
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey) return false;
    throw err;
  }
};

describe('rotation keeps old tokens verifiable for verification_ttl', () => {
  let t0: number;
  let firstToken: string;
  let firstKid: string;
  let retiredAt: number;

  it('signs with current and publishes next ahead of use', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kr', { rotation_period: '1h', verification_ttl: '2h', allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/role/rr', { key: 'kr', ttl: '2h', client_id: 'rotation-aud' })).status).toBe(204);
    clientId = 'rotation-aud';
    t0 = clock;
    firstToken = await issue('rr');
    firstKid = decodeProtectedHeader(firstToken).kid as string;
    const stored = await readStoredKey(services(), 'kr');
    expect(stored?.current?.kid).toBe(firstKid);
    expect(await publishedKids()).toEqual(expect.arrayContaining([firstKid, stored?.next?.kid]));
  });

  it('rotates only once next_rotation has passed', async () => {
    clock = t0 + HOUR;
    expect(await rotateDueKeys(services())).toEqual([]);
    clock = t0 + HOUR + 1;
    retiredAt = clock;
    const pendingKid = (await readStoredKey(services(), 'kr'))?.next?.kid;
    expect(await rotateDueKeys(services())).toEqual(['kr']);
    const second = await issue('rr');
    expect(decodeProtectedHeader(second).kid).toBe(pendingKid);
    expect(await publishedKids()).toContain(firstKid);
    expect(await verifiesNow(firstToken, t0)).toBe(true);
  });

  it('still verifies after a further rotation, through the last instant of the window', async () => {
    clock = t0 + 2 * HOUR + 2;
    expect(await rotateDueKeys(services())).toEqual(['kr']);
    expect(await verifiesNow(firstToken, t0)).toBe(true);
    clock = retiredAt + 2 * HOUR;
    expect(await publishedKids()).toContain(firstKid);
    expect(await verifiesNow(firstToken, t0)).toBe(true);
  });

  it('stops verifying once the window has ended, and the job drops the key pair', async () => {
    clock = retiredAt + 2 * HOUR + 1;
    expect(await publishedKids()).not.toContain(firstKid);
    expect(await verifiesNow(firstToken, t0)).toBe(false);
    expect(await rotateDueKeys(services())).toEqual([]);
    const stored = await readStoredKey(services(), 'kr');
    expect(stored?.previous.map((k) => k.kid)).not.toContain(firstKid);
    expect(stored?.previous).toHaveLength(1);
  });
});

describe('manual rotation', () => {
  it('uses the given verification_ttl for the retiring key only; 0 unpublishes it right after', async () => {
    const before = await readStoredKey(services(), 'kr');
    const retiring = before?.current?.kid;
    expect((await t.call('POST', 'identity/oidc/key/kr/rotate', { verification_ttl: 0 })).status).toBe(204);
    expect(await publishedKids()).toContain(retiring);
    clock += 1;
    expect(await publishedKids()).not.toContain(retiring);
    expect((await t.call('GET', 'identity/oidc/key/kr')).body.data.verification_ttl).toBe(7200);
  });

  it('refuses a negative verification_ttl', async () => {
    const res = await t.call('POST', 'identity/oidc/key/kr/rotate', { verification_ttl: '-1' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/^Field validation failed: /);
  });
});

describe('the periodic job', () => {
  it('materialises the unused default key when its first rotation is due', async () => {
    expect((await readStoredKey(services(), 'default'))?.current).toBeNull();
    const due = (await readStoredKey(services(), 'default'))?.next_rotation as number;
    clock = Math.max(clock, due) + 1;
    expect(await rotateDueKeys(services())).toContain('default');
    const stored = await readStoredKey(services(), 'default');
    expect(stored?.current).not.toBeNull();
    expect(stored?.next).not.toBeNull();
  });

  it('runs at start and stops when asked', async () => {
    const due = (await readStoredKey(services(), 'kr'))?.next_rotation as number;
    clock = due + 1;
    const stop = startKeyRotation(services());
    try {
      for (let i = 0; i < 500 && (await readStoredKey(services(), 'kr'))?.next_rotation === due; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await readStoredKey(services(), 'kr'))?.next_rotation).toBe(clock + HOUR);
    } finally {
      stop();
    }
  });
});
