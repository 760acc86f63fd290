/**
 * The device authorization grant (RFC 8628) through openid-client and the real pages: polling
 * (authorization_pending, slow_down), approval and denial in the browser, expiry, readable user
 * codes, limits on wrong codes, clients without the grant refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import { Browser, createClient, createKey, createProvider, createUser, formsOf, relyingParty, type ClientCredentials, type TestUser } from '../../support/relying_party.js';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** The text of a page's alert (error) message. */
const alertOf = (text: string): string => /role="alert">([^<]*)</.exec(text)?.[1] ?? '';

interface Approval {
  readonly username?: string;
  readonly password?: string;
  /** Where to stop: Cancel on the confirmation page, Deny on consent, or approve everything. */
  readonly answer?: 'approve' | 'cancel' | 'deny';
  /** Type the code in another spelling (lower case, no dash). */
  readonly typed?: string;
}

/** A person opening the verification URI, entering the code and going through every page; returns the last page. */
async function enterCode(browser: Browser, verificationUri: string, userCode: string, approval: Approval): Promise<{ status: number; text: string; pages: string[] }> {
  const pages: string[] = [];
  let res = await browser.request(verificationUri);
  let current = new URL(verificationUri);
  let text = await res.text();
  expect(res.status).toBe(200);
  expect(text).toContain('Connect a device');
  pages.push('input');
  const [input] = formsOf(text);
  current = new URL(input!.action, current);
  res = await browser.request(current, { form: { ...input!.fields, user_code: approval.typed ?? userCode } });
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      res = await browser.request(current);
      continue;
    }
    text = await res.text();
    if (res.status === 200 && text.includes('Is this your device?')) {
      pages.push('confirm');
      const [confirm] = formsOf(text);
      current = new URL(confirm!.action, current);
      const button: Record<string, string> = approval.answer === 'cancel' ? { abort: 'yes' } : { confirm: 'yes' };
      res = await browser.request(current, { form: { ...confirm!.fields, ...button } });
      continue;
    }
    if (res.status === 200 && text.includes('name="password"')) {
      pages.push('login');
      const [login] = formsOf(text);
      current = new URL(login!.action, current);
      res = await browser.request(current, { form: { ...login!.fields, username: approval.username ?? '', password: approval.password ?? '' } });
      continue;
    }
    if (res.status === 200 && text.includes('Allow access?')) {
      pages.push('consent');
      const [consent] = formsOf(text);
      const deny = /formaction="([^"]*)"/.exec(text)?.[1];
      current = new URL(approval.answer === 'deny' && deny !== undefined ? deny : consent!.action, current);
      res = await browser.request(current, { form: consent!.fields });
      continue;
    }
    return { status: res.status, text, pages };
  }
  throw new Error('too many steps');
}

describe('device authorization grant', () => {
  let server: TestServer;
  let offset = 0;
  let issuer: string;
  let cli: ClientCredentials;
  let web: ClientCredentials;
  let alice: TestUser;
  let config: oidc.Configuration;

  const poll = (deviceCode: string) =>
    fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE, device_code: deviceCode, client_id: cli.client_id }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    server = await startTestServer({ now: () => Date.now() + offset });
    await createKey(server, 'k1', { algorithm: 'ES256' });
    cli = await createClient(server, 'cli', { key: 'k1', client_type: 'public', grant_types: `${DEVICE},refresh_token`, assignments: 'allow_all' });
    web = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
    issuer = await createProvider(server, 'dev', { allowed_client_ids: '*' });
    alice = await createUser(server, 'alice');
    config = await relyingParty(issuer, cli);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('advertises the device authorization endpoint and grant', () => {
    const metadata = config.serverMetadata();
    expect(metadata.device_authorization_endpoint).toBe(`${issuer}/device/auth`);
    expect(metadata.grant_types_supported).toContain(DEVICE);
  });

  it('signs a public client in: pending, slow_down, approval on the pages, then tokens with a refresh token', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid offline_access' });
    expect(started.user_code).toMatch(USER_CODE);
    expect(started.verification_uri).toBe(`${issuer}/device`);
    expect(started.verification_uri_complete).toContain('user_code=');
    expect(started.interval).toBe(5);
    expect(started.expires_in).toBe(600);

    expect(await poll(started.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await poll(started.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    // The interval grew to 10 s: a poll 6 s later is still too fast, one 11 s after that is not.
    offset += 6000;
    expect(await poll(started.device_code)).toMatchObject({ body: { error: 'slow_down' } });
    offset += 16_000;
    expect(await poll(started.device_code)).toMatchObject({ body: { error: 'authorization_pending' } });

    const browser = new Browser();
    const typed = started.user_code.toLowerCase().replace('-', ' ');
    const last = await enterCode(browser, started.verification_uri, started.user_code, { username: 'alice', password: alice.password, typed });
    expect(last.pages).toEqual(['input', 'confirm', 'login', 'consent']);
    expect(last.status).toBe(200);
    expect(last.text).toContain('Device connected');

    offset += 16_000;
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 });
    expect(tokens.claims()?.sub).toBe(alice.entityId);
    expect(tokens.claims()?.aud).toBe(cli.client_id);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    // The device code is spent.
    expect((await poll(started.device_code)).body.error).toBe('invalid_grant');
  });

  it('tells the device access_denied when the person cancels on the confirmation page or denies consent', async () => {
    for (const answer of ['cancel', 'deny'] as const) {
      const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      const last = await enterCode(new Browser(), started.verification_uri, started.user_code, { username: 'alice', password: alice.password, answer });
      expect(alertOf(last.text)).toContain('Sign-in was cancelled');
      offset += 16_000;
      const refused = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 }).catch((err: unknown) => err);
      expect((refused as oidc.ResponseBodyError).error).toBe('access_denied');
    }
  });

  it('serves providers whose names hold endpoint paths (device-…, token-…, interaction-…)', async () => {
    // The library once cut its mount path at the first place the endpoint's path appeared in the
    // URL: inside such a name, so its pages posted to another provider's address.
    for (const name of ['device-gateway', 'token-service', 'interaction-hub']) {
      const named = await createProvider(server, name, { allowed_client_ids: '*' });
      const namedConfig = await relyingParty(named, cli);
      const started = await oidc.initiateDeviceAuthorization(namedConfig, { scope: 'openid' });
      expect(started.verification_uri).toBe(`${named}/device`);
      const last = await enterCode(new Browser(), started.verification_uri, started.user_code, { username: 'alice', password: alice.password });
      expect(last.pages).toEqual(['input', 'confirm', 'login', 'consent']);
      expect(last.text).toContain('Device connected');
      offset += 16_000;
      const tokens = await oidc.pollDeviceAuthorizationGrant(namedConfig, { ...started, interval: 0 });
      expect(tokens.claims()?.iss).toBe(named);
    }
  });

  it('answers expired_token once the code’s ten minutes are over, and the page no longer takes the code', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    offset += 601_000;
    expect(await poll(started.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    const refused = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 }).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('expired_token');
    const last = await enterCode(new Browser(), started.verification_uri, started.user_code, {});
    expect(last.status).toBe(400);
    expect(last.text).toContain('role="alert"');
  });

  it('applies the client’s assignments: an unassigned person cannot approve a device', async () => {
    const mallory = await createUser(server, 'mallory');
    await api(server, 'POST', '/v1/identity/oidc/assignment/alice-only', { entity_ids: alice.entityId });
    const restricted = await createClient(server, 'restricted-cli', { key: 'k1', client_type: 'public', grant_types: DEVICE, assignments: 'alice-only' });
    const restrictedConfig = await relyingParty(issuer, restricted);
    const started = await oidc.initiateDeviceAuthorization(restrictedConfig, { scope: 'openid' });
    const last = await enterCode(new Browser(), started.verification_uri, started.user_code, { username: 'mallory', password: mallory.password });
    expect(last.pages).toEqual(['input', 'confirm', 'login']);
    expect(alertOf(last.text)).toBe('Your account may not sign in to this application, so the device was not signed in.');
    const refused = await oidc.pollDeviceAuthorizationGrant(restrictedConfig, { ...started, interval: 0 }).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('access_denied');
  });

  it('refuses a client whose grant_types lack the device grant', async () => {
    const webConfig = await relyingParty(issuer, web);
    const refused = await oidc.initiateDeviceAuthorization(webConfig, { scope: 'openid' }).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('unauthorized_client');
  });

  it('locks an address out after ten wrong codes, with a 429 page and Retry-After', async () => {
    // A provider of its own: wrong codes are counted per provider and address.
    const other = await createProvider(server, 'dev2', { allowed_client_ids: '*' });
    const browser = new Browser();
    let [input] = formsOf(await (await browser.request(`${other}/device`)).text());
    const action = new URL(input!.action, other);
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await browser.request(action, { form: { ...input!.fields, user_code: 'BBBB-BBBB' } });
      expect(wrong.status).toBe(400);
      const text = await wrong.text();
      expect(alertOf(text)).toContain('That code is not valid');
      // Each page carries the form's next anti-forgery value.
      [input] = formsOf(text);
    }
    const locked = await browser.request(action, { form: { ...input!.fields, user_code: 'BBBB-BBBB' } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await locked.text()).toContain('Too many attempts');
  });
});
