import { describe, expect, it } from '@jest/globals';
import {
  algorithmError,
  clientIdTokenTtlError,
  DEFAULT_KEY_DELETE_MESSAGE,
  DEFAULT_KEY_NAME,
  DEFAULT_KEY_PARAMS,
  isSigningAlgorithm,
  KEY_DEFAULTS,
  keyDeleteBlockedMessage,
  keyNotFoundForRotateMessage,
  keyParamsError,
  keyUpdateBlockedMessage,
  roleTtlError,
  rotationPeriodError,
  SIGNING_ALGORITHMS,
  verificationTtlError,
} from '../../keys/named_key_params.js';

describe('named key parameters', () => {
  it("lists Vault's seven algorithms and nothing else", () => {
    expect(SIGNING_ALGORITHMS).toEqual(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);
    for (const alg of ['HS256', 'none', 'rs256', 'PS256', 'Ed25519', '', undefined, 256]) {
      expect(isSigningAlgorithm(alg)).toBe(false);
    }
  });

  it("has Vault's defaults and built-in default key", () => {
    expect(KEY_DEFAULTS).toEqual({ algorithm: 'RS256', rotation_period: 86400, verification_ttl: 86400, allowed_client_ids: [] });
    expect(DEFAULT_KEY_NAME).toBe('default');
    expect(DEFAULT_KEY_PARAMS).toEqual({ algorithm: 'RS256', rotation_period: 86400, verification_ttl: 86400, allowed_client_ids: ['*'] });
    expect(Object.isFrozen(DEFAULT_KEY_PARAMS.allowed_client_ids)).toBe(true);
  });

  it.each<[number, string | undefined]>([
    [59, 'rotation_period must be at least one minute'],
    [0, 'rotation_period must be at least one minute'],
    [Number.NaN, 'rotation_period must be at least one minute'],
    [60, undefined],
    [86400, undefined],
  ])('rotation_period %d', (value, message) => {
    expect(rotationPeriodError(value)).toBe(message);
  });

  it.each<[number, number, string | undefined]>([
    [600, 60, undefined],
    [601, 60, 'verification_ttl cannot be longer than 10x rotation_period'],
    [0, 60, undefined],
    [-5, 60, "cannot provide negative value '-5'"],
  ])('verification_ttl %d with rotation_period %d', (ttl, period, message) => {
    expect(verificationTtlError(ttl, period)).toBe(message);
  });

  it('names an unknown algorithm', () => {
    expect(algorithmError('HS256')).toBe('unknown signing algorithm "HS256"');
    expect(algorithmError('EdDSA')).toBeUndefined();
  });

  it("checks in Vault's order: rotation_period, verification_ttl, algorithm", () => {
    expect(keyParamsError({ rotation_period: 1, verification_ttl: 1e9, algorithm: 'x' })).toBe('rotation_period must be at least one minute');
    expect(keyParamsError({ rotation_period: 60, verification_ttl: 1e9, algorithm: 'x' })).toBe(
      'verification_ttl cannot be longer than 10x rotation_period',
    );
    expect(keyParamsError({ rotation_period: 60, verification_ttl: 60, algorithm: 'x' })).toBe('unknown signing algorithm "x"');
    expect(keyParamsError({ rotation_period: 60, verification_ttl: 60, algorithm: 'ES512' })).toBeUndefined();
  });

  it('checks token ttls against the key, equal being fine', () => {
    expect(roleTtlError(86400, 86400)).toBeUndefined();
    expect(roleTtlError(90000, 86400)).toBe("a role's token ttl cannot be longer than the verification_ttl of the key it references");
    expect(clientIdTokenTtlError(60, 60)).toBeUndefined();
    expect(clientIdTokenTtlError(86400, 60)).toBe(
      "a client's id_token_ttl cannot be greater than the verification_ttl of the key it references",
    );
  });

  it('words the reference-integrity messages as Vault', () => {
    expect(keyUpdateBlockedMessage('k3', 'clients', 1800)).toBe(
      'unable to update key "k3" because it is currently referenced by one or more clients with an id_token_ttl greater than 1800 seconds',
    );
    expect(keyUpdateBlockedMessage('k3', 'roles', 1800)).toBe(
      'unable to update key "k3" because it is currently referenced by one or more roles with a token ttl greater than 1800 seconds',
    );
    expect(keyDeleteBlockedMessage('k1', 'roles', ['r2', 'r1'])).toBe(
      'unable to delete key "k1" because it is currently referenced by these roles: r1, r2',
    );
    expect(keyDeleteBlockedMessage('k1', 'clients', ['c1'])).toBe(
      'unable to delete key "k1" because it is currently referenced by these clients: c1',
    );
    expect(DEFAULT_KEY_DELETE_MESSAGE).toBe('deletion of key "default" not allowed');
    expect(keyNotFoundForRotateMessage('nope')).toBe('no named key found at "nope"');
  });
});
