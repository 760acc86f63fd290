/**
 * Cookies of a provider whose public address (`--api-addr`) is https carry `Secure` even when no
 * trusted proxy vouches for the connection: Lanyard never terminates TLS itself, so the connection
 * it sees is plain http either way. A server with an http address sets them without it.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { Browser, REDIRECT_URI, createClient, createKey, createProvider, createUser, signIn } from '../../support/relying_party.js';

/** A browser that keeps every Set-Cookie line it was sent. */
class RecordingBrowser extends Browser {
  readonly setCookies: string[] = [];

  override async request(...args: Parameters<Browser['request']>): Promise<Response> {
    const res = await super.request(...args);
    this.setCookies.push(...res.headers.getSetCookie());
    return res;
  }
}

describe('provider cookies and the public address', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.destroy();
    server = undefined;
  });

  /** Signs alice in through the pages of provider p1 and returns every cookie line set on the way. */
  const cookiesOfSignIn = async (settings: Record<string, string>): Promise<string[]> => {
    server = await startTestServer({ settings });
    await createKey(server, 'k1');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    await createProvider(server, 'p1', { allowed_client_ids: '*' });
    const alice = await createUser(server, 'alice');
    // The issuer names the public address, which this test cannot reach: talk to the listener.
    const authorize = new URL(`${server.url}/v1/identity/oidc/provider/p1/authorize`);
    authorize.search = new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1', nonce: 'n1' }).toString();
    const browser = new RecordingBrowser();
    const { callback } = await signIn(browser, authorize, { username: 'alice', password: alice.password });
    expect(callback.searchParams.get('code')).toBeTruthy();
    const names = browser.setCookies.map((line) => line.slice(0, line.indexOf('=')));
    expect(names).toEqual(expect.arrayContaining(['lanyard_interaction.p1', 'lanyard_resume.p1', 'lanyard_session.p1']));
    return browser.setCookies;
  };

  it('marks every cookie Secure when the api address is https, with no trusted proxy', async () => {
    const lines = await cookiesOfSignIn({ 'api-addr': 'https://id.example.test' });
    expect(lines.filter((line) => !/;\s*secure/i.test(line))).toEqual([]);
  });

  it('does not when the api address is plain http', async () => {
    const lines = await cookiesOfSignIn({});
    expect(lines.filter((line) => /;\s*secure/i.test(line))).toEqual([]);
  });
});
