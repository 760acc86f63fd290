/** `lanyard oidc-auth` arguments: the TTL fields parse with the project's one duration grammar (Go's, as Vault's API). */
import { describe, expect, it } from '@jest/globals';
import { configBody } from '../../cli/commands/oidc_auth.js';
import { parseDurationSeconds } from '../../server/util/duration.js';

describe('oidc-auth TTL fields', () => {
  it('take seconds, days and Go durations exactly as the server would', () => {
    for (const text of ['90', '7d', '1h30m', '1.5h', '2h45m10s']) {
      expect(configBody({ accessTokenTTL: text })).toEqual({ accessTokenTTL: parseDurationSeconds(text) });
    }
    expect(configBody({ accessTokenMaxTTL: '1.5h' })).toEqual({ accessTokenMaxTTL: 5400 });
  });

  it('refuse what the grammar refuses, with its reason, as a usage error', () => {
    expect(() => configBody({ accessTokenTTL: '2 hours' })).toThrow(
      'accessTokenTTL must be a number of seconds or a duration such as 90s, 30m, 2h, 7d (time: unknown unit " hours" in duration "2 hours")',
    );
    expect(() => configBody({ accessTokenTTL: '-5' })).toThrow(/cannot provide negative value/);
  });
});
