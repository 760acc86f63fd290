import { describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { generateKeyMaterial } from '../../keys/key_material.js';
import { createKeyState, jwksOf, type NamedKeyState } from '../../keys/named_key.js';
import { signJwt } from '../../keys/sign_jwt.js';

const T0 = Date.UTC(2024, 0, 1);

describe('signJwt', () => {
  it('signs the payload as given, with only alg and kid in the header', async () => {
    const state = await createKeyState({ algorithm: 'ES384' }, T0);
    const payload = { iss: 'http://127.0.0.1:8200/v1/identity/oidc', sub: 'e1', aud: 'c1', iat: 1, exp: 4102444800, namespace: 'root', groups: ['a', 'ü'] };
    const token = signJwt(state, payload);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES384', kid: state.current?.kid });
    const verified = await jwtVerify(token, createLocalJWKSet(jwksOf([state], T0)), { algorithms: ['ES384'] });
    expect(verified.payload).toEqual(payload);
  });

  it('produces a token that fails verification once tampered with', async () => {
    const state = await createKeyState({ algorithm: 'EdDSA' }, T0);
    const [header, , signature] = signJwt(state, { sub: 'e1' }).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'root' })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, createLocalJWKSet(jwksOf([state], T0)))).rejects.toThrow('signature verification failed');
  });

  it('never signs with a stale cached key when a kid comes back with other key material', async () => {
    const state = await createKeyState({ algorithm: 'ES256' }, T0);
    signJwt(state, { warm: true });
    const other = await generateKeyMaterial('ES256');
    const reused = { kid: state.current!.kid, privateJwk: { ...other.privateJwk, kid: state.current!.kid }, publicJwk: { ...other.publicJwk, kid: state.current!.kid } };
    const swapped: NamedKeyState = { ...state, current: reused, next: null, previous: [] };
    const token = signJwt(swapped, { sub: 'e1' });
    await expect(jwtVerify(token, createLocalJWKSet({ keys: [reused.publicJwk] }))).resolves.toBeDefined();
  });

  it('refuses key material that does not fit the configured algorithm', async () => {
    const state = await createKeyState({ algorithm: 'ES256' }, T0);
    const p384 = await generateKeyMaterial('ES384');
    expect(() => signJwt({ ...state, current: p384 }, {})).toThrow(/does not match algorithm ES256/);
    const ed = await generateKeyMaterial('EdDSA');
    expect(() => signJwt({ ...state, algorithm: 'RS256', current: ed }, {})).toThrow(/does not match algorithm RS256/);
    expect(() => signJwt({ ...state, algorithm: 'HS256' as 'RS256' }, {})).toThrow(/unsupported signing algorithm "HS256"/);
  });

  it('refuses a public-only key', async () => {
    const state = await createKeyState({ algorithm: 'EdDSA' }, T0);
    const material = await generateKeyMaterial('EdDSA');
    const publicOnly = { ...material, privateJwk: material.publicJwk };
    expect(() => signJwt({ ...state, current: publicOnly }, {})).toThrow(/has no private part/);
  });
});
