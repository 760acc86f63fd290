/**
 * OIDC Back-Channel Logout 1.0: a test relying party with a back-channel URI receives a logout
 * token signed with its client's key when the person logs out at another client's request, and
 * when the person's entity is disabled.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The relying party's back-channel endpoint: hands each posted logout token to the next waiter. */
class BackchannelReceiver {
  readonly #server: Server;
  readonly #tokens: string[] = [];
  readonly #waiters: Array<(token: string) => void> = [];

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter(token);
        else this.#tokens.push(token);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/backchannel`;
  }

  next(): Promise<string> {
    const queued = this.#tokens.shift();
    return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('back-channel logout', () => {
  let server: TestServer;
  let receiver: BackchannelReceiver;
  let issuer: string;
  let app: ClientCredentials;
  let appConfig: oidc.Configuration;
  let alice: TestUser;

  const signedIn = async (user: TestUser) => {
    const browser = new Browser();
    const request = await authorizationRequest(appConfig);
    const { callback } = await signIn(browser, request.url, { username: user.username, password: user.password });
    const tokens = await exchange(appConfig, callback, request);
    return { browser, tokens };
  };

  const verified = async (token: string) => {
    const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`));
    return jose.jwtVerify(token, jwks, { issuer, audience: app.client_id, typ: 'logout+jwt' });
  };

  beforeAll(async () => {
    receiver = new BackchannelReceiver();
    const uri = await receiver.start();
    server = await startTestServer();
    await createKey(server, 'k1', { algorithm: 'ES256' });
    app = await createClient(server, 'app', {
      key: 'k1',
      redirect_uris: REDIRECT_URI,
      post_logout_redirect_uris: 'https://rp.example.com/logged-out',
      assignments: 'allow_all',
      backchannel_logout_uri: uri,
      backchannel_logout_session_required: true,
    });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
    appConfig = await relyingParty(issuer, app);
    alice = await createUser(server, 'alice');
  });

  afterAll(async () => {
    await server?.destroy();
    await receiver?.close();
  });

  it('is advertised in discovery', () => {
    expect(appConfig.serverMetadata()).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('tells the client of a logout at Lanyard, with the session id, signed with the client’s key', async () => {
    const { browser, tokens } = await signedIn(alice);
    const sid = tokens.claims()?.sid;
    expect(sid).toEqual(expect.any(String));
    const logoutUrl = oidc.buildEndSessionUrl(appConfig, { id_token_hint: tokens.id_token as string });
    const page = await (await browser.request(logoutUrl)).text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(page) as RegExpExecArray;
    const done = await browser.request(new URL(form[1] as string, logoutUrl), { form: { xsrf: form[2] as string, logout: 'yes' } });
    expect(done.status).toBe(303);

    const { payload, protectedHeader } = await verified(await receiver.next());
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: alice.entityId, sid, events: { [LOGOUT_EVENT]: {} } });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.nonce).toBeUndefined();
  });

  it('tells the client when the entity is disabled, naming the session of the revoked grant', async () => {
    const { tokens } = await signedIn(alice);
    const res = await api(server, 'POST', `/v1/identity/entity/id/${alice.entityId}`, { disabled: true });
    expect(res.status).toBeLessThan(300);
    const { payload } = await verified(await receiver.next());
    expect(payload).toMatchObject({ sub: alice.entityId, sid: tokens.claims()?.sid, events: { [LOGOUT_EVENT]: {} } });
    expect((await oidc.tokenIntrospection(appConfig, tokens.access_token)).active).toBe(false);
  });
});
