/**
 * A passkey as the second factor after the password, over HTTP with openid-client as the relying
 * party and the software authenticator: the code page offers "Use a passkey instead" to a person
 * who has one; their own passkey finishes the sign-in (`amr` pwd+hwk+user+mfa, two-factor `acr`)
 * and spends the pending login; another person's passkey is refused and changes nothing; a
 * person with only a passkey can answer `acr_values` asking for two factors.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type * as oidc from 'openid-client';
import { relyingPartyOf } from '../../server/mfa/passkeys.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import {
  Browser,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  formsOf,
  relyingParty,
  type AuthorizationRequest,
  type ClientCredentials,
  type TestUser,
} from '../support/relying_party.js';
import { SoftAuthenticator } from '../support/soft_authenticator.js';

let server: TestServer;
let client: ClientCredentials;
let issuer: string;
let config: oidc.Configuration;
const users: Record<string, TestUser> = {};
const devices: Record<string, SoftAuthenticator> = {};

type Step = { kind: 'page'; status: number; html: string; url: URL } | { kind: 'callback'; url: URL };

async function follow(browser: Browser, res: Response, from: URL): Promise<Step> {
  let current = from;
  for (let i = 0; i < 20; i++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (next.origin !== from.origin) return { kind: 'callback', url: next };
      current = next;
      res = await browser.request(next);
      continue;
    }
    return { kind: 'page', status: res.status, html: await res.text(), url: current };
  }
  throw new Error('too many redirects');
}

async function afterPassword(name: string, extra: Record<string, string> = {}) {
  const browser = new Browser();
  const request = await authorizationRequest(config, extra);
  const loginPage = await follow(browser, await browser.request(request.url), request.url);
  if (loginPage.kind !== 'page') throw new Error('expected the sign-in page');
  const form = formsOf(loginPage.html)[0];
  if (!form) throw new Error('no form');
  const user = users[name] as TestUser;
  const target = new URL(form.action, loginPage.url);
  const step = await follow(browser, await browser.request(target, { form: { ...form.fields, username: user.username, password: user.password } }), target);
  return { browser, request, step };
}

/** What the page's script does with `device`: options, assertion, the form post. */
async function answerWithPasskey(browser: Browser, step: Step, device: SoftAuthenticator): Promise<{ step: Step; post: () => Promise<Step> }> {
  if (step.kind !== 'page') throw new Error('expected the code page');
  const form = formsOf(step.html).find((f) => f.action.endsWith('/mfa/passkey'));
  if (!form) throw new Error('no passkey form on the code page');
  const optionsUrl = new URL(/data-options="([^"]+)"/.exec(step.html)?.[1] as string, step.url);
  const begun = (await (await browser.request(optionsUrl)).json()) as { challenge_id: string; options: { challenge: string; rpId: string } };
  const target = new URL(form.action, step.url);
  const fields = { ...form.fields, challenge_id: begun.challenge_id, credential: JSON.stringify(device.get(begun.options)) };
  const post = async () => follow(browser, await browser.request(target, { form: fields }), target);
  return { step: await post(), post };
}

async function claimsAt(browser: Browser, step: Step, request: AuthorizationRequest): Promise<Record<string, unknown>> {
  let current = step;
  if (current.kind === 'page' && current.html.includes('Allow access?')) {
    const consent = formsOf(current.html)[0] as { action: string; fields: Record<string, string> };
    const target = new URL(consent.action, current.url);
    current = await follow(browser, await browser.request(target, { form: consent.fields }), target);
  }
  if (current.kind !== 'callback') throw new Error(`expected the callback, got ${current.status}: ${current.html.slice(0, 400)}`);
  const tokens = await exchange(config, current.url, request);
  const { payload } = await jwtVerify(tokens.id_token as string, createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`)), { issuer, audience: client.client_id });
  return payload;
}

beforeAll(async () => {
  server = await startTestServer();
  await createKey(server, 'k1');
  client = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
  issuer = await createProvider(server, 'p1', { allowed_client_ids: client.client_id });
  config = await relyingParty(issuer, client);
  const methodId = (await api(server, 'POST', '/v1/identity/mfa/method/totp', { issuer: 'Lanyard' })).body.data.method_id;
  await api(server, 'PUT', '/v1/sys/policies/acl/passkeys', { policy: 'path "identity/mfa/passkey/register/*" { capabilities = ["update"] }' });
  const origin = relyingPartyOf(server.runtime.services.config.apiAddr).origin;
  for (const name of ['alice', 'bob', 'erin']) {
    const user = await createUser(server, name);
    users[name] = user;
    await api(server, 'POST', `/v1/auth/userpass/users/${name}`, { token_policies: ['passkeys'] });
    const token = (await api(server, 'POST', `/v1/auth/userpass/login/${name}`, { password: user.password }, null)).body.auth.client_token;
    const device = new SoftAuthenticator();
    device.origin = origin;
    devices[name] = device;
    const begun = await api(server, 'POST', '/v1/identity/mfa/passkey/register/begin', {}, token);
    const finished = await api(server, 'POST', '/v1/identity/mfa/passkey/register/finish', { challenge_id: begun.body.data.challenge_id, credential: device.create(begun.body.data.options, origin), name: 'Key' }, token);
    expect(finished.status).toBe(200);
    // TOTP after the passkey: with a factor enrolled, a password token could not add a passkey.
    if (name === 'alice') await api(server, 'POST', '/v1/identity/mfa/method/totp/admin-generate', { method_id: methodId, entity_id: user.entityId });
  }
  // Only after the tokens above: the enforcement covers alice's userpass sign-ins.
  expect((await api(server, 'PUT', '/v1/identity/mfa/login-enforcement/staff', { mfa_method_ids: [methodId], identity_entity_ids: [users.alice?.entityId] })).status).toBe(204);
}, 120_000);
afterAll(async () => server?.destroy());

describe('a passkey as the second factor', () => {
  it('finishes a covered sign-in after the password, once', async () => {
    const { browser, request, step } = await afterPassword('alice');
    if (step.kind !== 'page') throw new Error('expected the code page');
    expect(step.html).toContain('Two-step verification');
    expect(step.html).toContain('Use a passkey instead');
    const answered = await answerWithPasskey(browser, step, devices.alice as SoftAuthenticator);
    const claims = await claimsAt(browser, answered.step, request);
    expect(claims.sub).toBe(users.alice?.entityId);
    expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(claims.acr).toBe('urn:lanyard:loa:2fa');
    // The pending login is spent: the same answer again is turned away.
    const again = await answered.post();
    expect(again.kind === 'page' ? again.status : 'callback').toBe(400);
  });

  it("refuses another person's passkey and keeps the step open", async () => {
    const { browser, request, step } = await afterPassword('alice');
    const refused = await answerWithPasskey(browser, step, devices.bob as SoftAuthenticator);
    if (refused.step.kind !== 'page') throw new Error('expected the code page again');
    expect(refused.step.status).toBe(401);
    expect(refused.step.html).toContain('That passkey could not verify this account.');
    // Alice's own passkey still works in the same interaction.
    const answered = await answerWithPasskey(browser, step, devices.alice as SoftAuthenticator);
    expect((await claimsAt(browser, answered.step, request)).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  });

  it('refuses a post without the page token, and one without an assertion', async () => {
    const { browser, step } = await afterPassword('alice');
    if (step.kind !== 'page') throw new Error('expected the code page');
    const form = formsOf(step.html).find((f) => f.action.endsWith('/mfa/passkey')) as { action: string; fields: Record<string, string> };
    const forged = await browser.request(new URL(form.action, step.url), { form: { ...form.fields, csrf: 'AAAA' } });
    expect(forged.status).toBe(403);
    const bare = await browser.request(new URL(form.action, step.url), { form: form.fields });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('needs JavaScript');
  });

  it('answers acr_values asking for two factors with only a passkey', async () => {
    const { browser, request, step } = await afterPassword('erin', { acr_values: 'urn:lanyard:loa:2fa' });
    if (step.kind !== 'page') throw new Error('expected the code page');
    expect(step.html).toContain('Use a passkey instead');
    const answered = await answerWithPasskey(browser, step, devices.erin as SoftAuthenticator);
    const claims = await claimsAt(browser, answered.step, request);
    expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(claims.acr).toBe('urn:lanyard:loa:2fa');
  });

  it('does not offer the passkey to a person without one', async () => {
    await server.runtime.services.storage.delete('passkey', (await server.runtime.services.storage.findBy<{ id: string }>('passkey', 'entity', users.bob?.entityId as string))[0]?.value.id as string);
    const { step } = await afterPassword('bob', { acr_values: 'urn:lanyard:loa:2fa' });
    if (step.kind !== 'page') throw new Error('expected a page');
    expect(step.status).toBe(403);
    expect(step.html).toContain('mfa_not_enrolled');
  });
});
