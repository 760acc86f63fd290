/**
 * The CLI's upstream sign-in start (`POST /api/v1/sso/oidc/cli/start`) needs no credentials, so it
 * is limited per client network like the password logins: after sixty quick starts the network gets
 * Infisical's 429 with Retry-After, other networks carry on, and the lock passes with time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLI_START_POLICY } from '../../server/sso/start_limiter.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('the CLI sign-in start endpoint', () => {
  let server: TestServer;
  /** The server clock, moved instead of sleeping. */
  let offset = 0;

  beforeAll(async () => {
    // The test talks through a "proxy" (itself) so it can speak for several client networks.
    server = await startTestServer({ now: () => Date.now() + offset, settings: { 'trusted-proxies': '127.0.0.1/32' } });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const start = (from: string) =>
    fetch(`${server.url}/api/v1/sso/oidc/cli/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ redirectUri: 'http://127.0.0.1:9/oidc/callback', clientNonce: 'n'.repeat(32) }),
    });

  it('answers 429 in Infisical’s shape once a network has started too many sign-ins', async () => {
    for (let i = 0; i < CLI_START_POLICY.limit; i++) {
      const res = await start('198.51.100.7');
      // No upstream IdP is configured: each start is refused, but not for its rate.
      expect(res.status).not.toBe(429);
      expect(res.status).toBeLessThan(500);
      await res.arrayBuffer();
    }
    const limited = await start('198.51.100.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({
      reqId: expect.any(String),
      statusCode: 429,
      message: 'too many sign-ins started from this network; try again later',
      error: 'RateLimitExceeded',
    });

    // Another network is not affected.
    const other = await start('203.0.113.9');
    expect(other.status).not.toBe(429);
    await other.arrayBuffer();

    // The lock passes.
    offset += CLI_START_POLICY.baseLockMs + 1000;
    const later = await start('198.51.100.7');
    expect(later.status).not.toBe(429);
    await later.arrayBuffer();
  });
});
