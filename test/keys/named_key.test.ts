import { describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { InvalidKeyParamsError } from '../../keys/errors.js';
import { toLanyardError } from '../../server/errors.js';
import {
  createDefaultKeyState,
  createKeyState,
  dueForRotation,
  ensureKeyMaterial,
  jwksOf,
  keyAllowsClient,
  keyReadView,
  publicJwks,
  pruneExpired,
  rotateKey,
  updateKeyState,
  type NamedKeyState,
} from '../../keys/named_key.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../keys/named_key_params.js';
import { signJwt } from '../../keys/sign_jwt.js';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const kidsOf = (state: NamedKeyState, now: number): Array<string | undefined> => publicJwks(state, now).map((k) => k.kid);

/** Verify `token` the way a relying party does: against the JWKS it fetched at `now`. */
async function verifiesAt(token: string, states: NamedKeyState[], now: number, algorithm: SigningAlgorithm): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwksOf(states, now)), { algorithms: [algorithm] });
    return true;
  } catch {
    return false;
  }
}

async function rejection(promise: Promise<unknown>): Promise<InvalidKeyParamsError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidKeyParamsError);
    return err as InvalidKeyParamsError;
  }
  throw new Error('expected a rejection');
}

const shapes: Record<SigningAlgorithm, { kty: string; crv?: string }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

describe.each(SIGNING_ALGORITHMS.map((alg) => [alg]))('a %s key', (algorithm) => {
  let state: NamedKeyState;

  it('is created with current and next key pairs of the right kind', async () => {
    state = await createKeyState({ algorithm }, T0);
    expect(state.algorithm).toBe(algorithm);
    expect(state.current?.kid).toMatch(UUID);
    expect(state.next?.kid).toMatch(UUID);
    expect(state.current?.kid).not.toBe(state.next?.kid);
    for (const jwk of publicJwks(state, T0)) {
      expect(jwk).toMatchObject({ ...shapes[algorithm], alg: algorithm, use: 'sig' });
      expect(jwk).not.toHaveProperty('d');
      if (shapes[algorithm].kty === 'RSA') {
        expect(jwk.e).toBe('AQAB');
        expect(Buffer.from(jwk.n ?? '', 'base64url').length * 8).toBe(2048);
      }
    }
  });

  it('signs JWTs that verify against its published JWKS', async () => {
    const token = signJwt(state, { sub: 'entity-1', aud: 'client', iat: Math.floor(T0 / 1000) });
    expect(decodeProtectedHeader(token)).toEqual({ alg: algorithm, kid: state.current?.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwksOf([state], T0)), { algorithms: [algorithm] });
    expect(payload).toMatchObject({ sub: 'entity-1', aud: 'client' });
  });

  it('still signs after a JSON round trip through storage', async () => {
    const stored = JSON.parse(JSON.stringify(state)) as NamedKeyState;
    expect(await verifiesAt(signJwt(stored, { n: 1 }), [stored], T0, algorithm)).toBe(true);
  });
});

describe('rotation over simulated time', () => {
  const rotationPeriod = 3600;
  const verificationTtl = 2 * 3600;

  it('publishes next before it signs, and keeps a retired key exactly verification_ttl', async () => {
    const s0 = await createKeyState({ algorithm: 'ES256', rotation_period: rotationPeriod, verification_ttl: verificationTtl }, T0);
    const firstKid = s0.current?.kid;
    const nextKid = s0.next?.kid;
    expect(s0.next_rotation).toBe(T0 + HOUR);
    // The key that will sign after the rotation is already in the JWKS a relying party caches now.
    expect(kidsOf(s0, T0)).toEqual([firstKid, nextKid]);

    const beforeRotation = signJwt(s0, { sub: 'e1', t: 'before' });
    expect(dueForRotation(s0, T0 + HOUR)).toBe(false);
    expect(dueForRotation(s0, T0 + HOUR + 1)).toBe(true);

    const t1 = T0 + HOUR + 1;
    const s1 = await rotateKey(s0, t1);
    expect(s1.current?.kid).toBe(nextKid);
    expect(s1.next?.kid).not.toBe(nextKid);
    expect(s1.previous).toEqual([{ kid: firstKid, publicJwk: s0.current?.publicJwk, expiresAt: t1 + 2 * HOUR }]);
    expect(s1.next_rotation).toBe(t1 + HOUR);
    expect(kidsOf(s1, t1)).toEqual([nextKid, s1.next?.kid, firstKid]);

    const afterRotation = signJwt(s1, { sub: 'e1', t: 'after' });
    expect(decodeProtectedHeader(afterRotation).kid).toBe(nextKid);
    // A relying party holding the JWKS from before the rotation already verifies the new tokens.
    expect(await verifiesAt(afterRotation, [s0], T0, 'ES256')).toBe(true);

    expect(await verifiesAt(beforeRotation, [s1], t1, 'ES256')).toBe(true);
    expect(await verifiesAt(beforeRotation, [s1], t1 + 2 * HOUR, 'ES256')).toBe(true);
    expect(await verifiesAt(beforeRotation, [s1], t1 + 2 * HOUR + 1, 'ES256')).toBe(false);
    expect(kidsOf(s1, t1 + 2 * HOUR + 1)).not.toContain(firstKid);
    expect(await verifiesAt(afterRotation, [s1], t1 + 2 * HOUR + 1, 'ES256')).toBe(true);

    expect(pruneExpired(s1, t1 + 2 * HOUR)).toBe(s1);
    expect(pruneExpired(s1, t1 + 2 * HOUR + 1).previous).toEqual([]);
    expect(s1.previous).toHaveLength(1); // the input is never modified
  });

  it('grows the JWKS by one key per rotation while retired keys are valid', async () => {
    let state = await createKeyState({ algorithm: 'EdDSA', allowed_client_ids: ['*'] }, T0);
    expect(publicJwks(state, T0)).toHaveLength(2);
    state = await rotateKey(state, T0 + 1);
    expect(publicJwks(state, T0 + 1)).toHaveLength(3);
    state = await rotateKey(state, T0 + 2);
    const jwks = publicJwks(state, T0 + 2);
    expect(jwks).toHaveLength(4);
    expect(new Set(jwks.map((k) => k.kid)).size).toBe(4);
    expect(state.previous.map((k) => k.expiresAt)).toEqual([T0 + 2 + 24 * HOUR, T0 + 1 + 24 * HOUR]);
  });

  it('lets the rotate call shorten the retiring key only, down to zero', async () => {
    const s0 = await createKeyState({ algorithm: 'ES256' }, T0);
    const s1 = await rotateKey(s0, T0, { verification_ttl: 0 });
    expect(s1.verification_ttl).toBe(86400);
    expect(s1.previous[0]?.expiresAt).toBe(T0);
    expect(kidsOf(s1, T0)).toContain(s0.current?.kid);
    expect(kidsOf(s1, T0 + 1)).not.toContain(s0.current?.kid);
    expect(s1.next_rotation).toBe(T0 + 24 * HOUR);
  });

  it('drops retired keys that expired by the time of a later rotation', async () => {
    const s0 = await createKeyState({ algorithm: 'ES256', rotation_period: 60, verification_ttl: 60 }, T0);
    const s1 = await rotateKey(s0, T0);
    const s2 = await rotateKey(s1, T0 + 61 * SECOND);
    expect(s2.previous.map((k) => k.kid)).toEqual([s1.current?.kid]);
  });

  it('rejects a negative verification_ttl override', async () => {
    const s0 = await createKeyState({ algorithm: 'ES256' }, T0);
    expect((await rejection(rotateKey(s0, T0, { verification_ttl: -5 }))).message).toBe("cannot provide negative value '-5'");
  });
});

describe('the built-in default key', () => {
  it('starts as configuration only, publishing nothing, as Vault since PR #24332', () => {
    const state = createDefaultKeyState(T0);
    expect(keyReadView(state)).toEqual({
      algorithm: 'RS256',
      allowed_client_ids: ['*'],
      rotation_period: 86400,
      verification_ttl: 86400,
    });
    expect(state.current).toBeNull();
    expect(publicJwks(state, T0)).toEqual([]);
    expect(state.next_rotation).toBe(T0 + 24 * HOUR);
    expect(() => signJwt(state, {})).toThrow('no signing key');
  });

  it('gets its key pairs on first use without moving the rotation schedule', async () => {
    const state = createDefaultKeyState(T0);
    const ready = await ensureKeyMaterial(state);
    expect(ready.current).not.toBeNull();
    expect(ready.next).not.toBeNull();
    expect(ready.next_rotation).toBe(state.next_rotation);
    expect(await ensureKeyMaterial(ready)).toBe(ready);
    expect(await verifiesAt(signJwt(ready, { sub: 'x' }), [ready], T0, 'RS256')).toBe(true);
  });

  it('is materialised by a periodic rotation too, with nothing retired', async () => {
    const rotated = await rotateKey(createDefaultKeyState(T0), T0 + 25 * HOUR);
    expect(rotated.current).not.toBeNull();
    expect(rotated.next).not.toBeNull();
    expect(rotated.previous).toEqual([]);
  });
});

describe('updating a key', () => {
  it('keeps omitted parameters (a partial update)', async () => {
    const state = await createKeyState({ algorithm: 'ES256', rotation_period: 7200, verification_ttl: 3600 }, T0);
    const updated = await updateKeyState(state, { allowed_client_ids: ['a', 'b'] }, T0 + HOUR);
    expect(keyReadView(updated)).toEqual({
      algorithm: 'ES256',
      allowed_client_ids: ['a', 'b'],
      rotation_period: 7200,
      verification_ttl: 3600,
    });
    expect(updated.current).toBe(state.current);
    expect(updated.next).toBe(state.next);
  });

  it('moves the next rotation earlier, never later', async () => {
    const state = await createKeyState({ algorithm: 'ES256', rotation_period: 86400, verification_ttl: 3600 }, T0);
    const shorter = await updateKeyState(state, { rotation_period: 3600 }, T0 + HOUR);
    expect(shorter.next_rotation).toBe(T0 + 2 * HOUR);
    const longer = await updateKeyState(shorter, { rotation_period: 10 * 86400 }, T0 + HOUR);
    expect(longer.next_rotation).toBe(T0 + 2 * HOUR);
  });

  it('replaces current and next when the algorithm changes, keeping the old signer verifiable', async () => {
    const state = await createKeyState({ algorithm: 'RS256', verification_ttl: 3600 }, T0);
    const oldToken = signJwt(state, { sub: 'e1' });
    const now = T0 + HOUR;
    const updated = await updateKeyState(state, { algorithm: 'EdDSA' }, now);

    expect(updated.algorithm).toBe('EdDSA');
    expect(updated.current?.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(updated.next?.publicJwk).toMatchObject({ kty: 'OKP', alg: 'EdDSA' });
    expect(updated.previous).toEqual([{ kid: state.current?.kid, publicJwk: state.current?.publicJwk, expiresAt: now + HOUR }]);
    // The replaced next never signed anything, so it is not published any more.
    expect(kidsOf(updated, now)).not.toContain(state.next?.kid);

    expect(decodeProtectedHeader(signJwt(updated, { sub: 'e1' })).alg).toBe('EdDSA');
    expect(await verifiesAt(oldToken, [updated], now + HOUR, 'RS256')).toBe(true);
    expect(await verifiesAt(oldToken, [updated], now + HOUR + 1, 'RS256')).toBe(false);
  });

  it('refuses invalid parameters with Vault messages and leaves the state unchanged', async () => {
    const state = await createKeyState({ algorithm: 'ES256' }, T0);
    const snapshot = JSON.stringify(state);
    const err = await rejection(updateKeyState(state, { verification_ttl: 11 * 86400 }, T0));
    expect(err.message).toBe('verification_ttl cannot be longer than 10x rotation_period');
    // The server renders it as a 400 (server/errors.ts).
    expect(toLanyardError(err).status).toBe(400);
    expect((await rejection(updateKeyState(state, { algorithm: 'none' }, T0))).message).toBe('unknown signing algorithm "none"');
    expect(JSON.stringify(state)).toBe(snapshot);
  });
});

describe('creating a key', () => {
  it("applies Vault's defaults", async () => {
    const state = await createKeyState({}, T0);
    expect(keyReadView(state)).toEqual({ algorithm: 'RS256', allowed_client_ids: [], rotation_period: 86400, verification_ttl: 86400 });
    expect(state.previous).toEqual([]);
  });

  it.each<[Parameters<typeof createKeyState>[0], string]>([
    [{ rotation_period: 30 }, 'rotation_period must be at least one minute'],
    [{ rotation_period: 60, verification_ttl: 660 }, 'verification_ttl cannot be longer than 10x rotation_period'],
    [{ algorithm: 'HS256' }, 'unknown signing algorithm "HS256"'],
    [{ rotation_period: 30, algorithm: 'HS256' }, 'rotation_period must be at least one minute'],
    [{ allowed_client_ids: 'a,b' as unknown as string[] }, 'allowed_client_ids must be a list of strings'],
  ])('refuses %j', async (input, message) => {
    const err = await rejection(createKeyState(input, T0));
    expect(toLanyardError(err).code).toBe('invalid_request');
    expect(err.message).toBe(message);
  });

  it('accepts verification_ttl of exactly 10x rotation_period', async () => {
    const state = await createKeyState({ algorithm: 'EdDSA', rotation_period: 60, verification_ttl: 600 }, T0);
    expect(state.verification_ttl).toBe(600);
  });
});

describe('jwksOf and keyAllowsClient', () => {
  it('merges the keys of several named keys without duplicates', async () => {
    const a = await createKeyState({ algorithm: 'ES256' }, T0);
    const b = await createKeyState({ algorithm: 'EdDSA' }, T0);
    const { keys } = jwksOf([a, b, a], T0);
    expect(keys.map((k: JWK) => k.kid)).toEqual([a.current?.kid, a.next?.kid, b.current?.kid, b.next?.kid]);
  });

  it("follows Vault's allowed_client_ids rule", () => {
    const state = createDefaultKeyState(T0);
    expect(keyAllowsClient(state, 'anything')).toBe(true);
    const restricted = { ...state, allowed_client_ids: ['web'] };
    expect(keyAllowsClient(restricted, 'web')).toBe(true);
    expect(keyAllowsClient(restricted, 'other')).toBe(false);
    expect(keyAllowsClient({ ...state, allowed_client_ids: [] }, 'web')).toBe(false);
  });
});
