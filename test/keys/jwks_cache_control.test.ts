import { describe, expect, it } from '@jest/globals';
import { jwksCacheControl } from '../../keys/jwks_cache_control.js';

const day = { rotation_period: 86400, verification_ttl: 86400 };

describe('jwksCacheControl', () => {
  it('leaves the header alone when there are no keys', () => {
    expect(jwksCacheControl([], () => 0.5)).toBeUndefined();
  });

  it('picks a max-age in [0, smallest rotation_period or verification_ttl)', () => {
    const keys = [day, { rotation_period: 3600, verification_ttl: 7200 }, { rotation_period: 86400, verification_ttl: 600 }];
    expect(jwksCacheControl(keys, () => 0)).toBe('max-age=0');
    expect(jwksCacheControl(keys, () => 0.5)).toBe('max-age=300');
    expect(jwksCacheControl(keys, () => 0.9999999999)).toBe('max-age=599');
  });

  it('stays inside the window even with a random source returning 1', () => {
    expect(jwksCacheControl([day], () => 1)).toBe('max-age=86399');
    expect(jwksCacheControl([day], () => -1)).toBe('max-age=0');
  });

  it('uses Math.random by default and always answers a whole number of seconds', () => {
    for (let i = 0; i < 50; i += 1) {
      const header = jwksCacheControl([{ rotation_period: 60, verification_ttl: 60 }]);
      const age = Number(/^max-age=(\d+)$/.exec(header ?? '')?.[1]);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    }
  });

  it('answers max-age=0 for a key that retires keys immediately', () => {
    expect(jwksCacheControl([{ rotation_period: 60, verification_ttl: 0 }], () => 0.7)).toBe('max-age=0');
  });
});
