/**
 * The Security page (`<issuer>/security`) over real HTTP: the provider's browser session (from a
 * real password sign-in) says who is there; a passkey is registered with the software
 * authenticator answering the page's options, renamed and removed with the page's forms; every
 * POST needs the page's anti-forgery token; another person's passkey cannot be touched; once a
 * person has a factor, adding or removing one needs a two-factor (passkey) sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { relyingPartyOf } from '../../server/mfa/passkeys.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  Browser,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  formsOf,
  relyingParty,
  signIn,
  type TestUser,
} from '../support/relying_party.js';
import { SoftAuthenticator } from '../support/soft_authenticator.js';
import type * as oidc from 'openid-client';

let server: TestServer;
let issuer: string;
let config: oidc.Configuration;
let alice: TestUser;
let bob: TestUser;

interface Page {
  readonly status: number;
  readonly html: string;
  readonly headers: Headers;
}

async function open(browser: Browser, url = `${issuer}/security`): Promise<Page> {
  const res = await browser.request(url);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function signedInBrowser(user: TestUser): Promise<Browser> {
  const browser = new Browser();
  const request = await authorizationRequest(config);
  await signIn(browser, request.url, { username: user.username, password: user.password });
  return browser;
}

function registerForm(html: string) {
  const form = formsOf(html).find((f) => f.action.endsWith('/security/passkeys'));
  if (!form) throw new Error('no registration form');
  return form;
}

/** What the page's script does: options with the token, the authenticator, the form post. */
async function addPasskey(browser: Browser, device: SoftAuthenticator, name: string): Promise<Response> {
  const page = await open(browser);
  const form = registerForm(page.html);
  const optionsRes = await browser.request(`${issuer}/security/passkeys/options`, { form: { csrf: form.fields.csrf ?? '' } });
  expect(optionsRes.status).toBe(200);
  const begun = (await optionsRes.json()) as { challenge_id: string; options: { challenge: string; rp: { id: string }; user: { id: string } } };
  const credential = device.create(begun.options, device.origin);
  return browser.request(new URL(form.action, issuer), { form: { ...form.fields, challenge_id: begun.challenge_id, credential: JSON.stringify(credential), name } });
}

function passkeyIds(html: string): string[] {
  return [...html.matchAll(/\/security\/passkeys\/([0-9a-f-]{36})\/remove/g)].map((m) => m[1] as string);
}

beforeAll(async () => {
  server = await startTestServer();
  await createKey(server, 'k1');
  const client = await createClient(server, 'web', { key: 'k1', redirect_uris: 'https://rp.example.com/callback', assignments: 'allow_all' });
  issuer = await createProvider(server, 'p1', { allowed_client_ids: client.client_id });
  config = await relyingParty(issuer, client);
  alice = await createUser(server, 'alice');
  bob = await createUser(server, 'bob');
}, 120_000);
afterAll(async () => server?.destroy());

describe('the Security page', () => {
  it('asks for a sign-in when the browser has no session with the provider', async () => {
    const page = await open(new Browser());
    expect(page.status).toBe(401);
    expect(page.html).toContain('Sign in first');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('registers, renames and removes a passkey with the forms and the anti-forgery token', async () => {
    const browser = await signedInBrowser(alice);
    const device = new SoftAuthenticator();
    device.origin = relyingPartyOf(server.runtime.services.config.apiAddr).origin;

    const empty = await open(browser);
    expect(empty.status).toBe(200);
    expect(empty.html).toContain('Signed in as <strong>alice</strong>');
    expect(empty.html).toContain('You have no passkeys yet.');
    expect(empty.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(empty.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(empty.headers.get('cache-control')).toBe('no-store');
    const script = await browser.request(`${issuer}/security/security.js`);
    expect(await script.text()).toContain('navigator.credentials.create');

    // Posted without the script's answer: explained, nothing stored.
    const form = registerForm(empty.html);
    const bare = await browser.request(new URL(form.action, issuer), { form: form.fields });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('needs JavaScript');

    const added = await addPasskey(browser, device, 'Work laptop');
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toMatch(/\/security\?done=added$/);
    const listed = await open(browser, new URL(added.headers.get('location') as string, issuer).href);
    expect(listed.html).toContain('value="Work laptop"');
    expect(listed.html).toContain('Passkey added.');
    const [id] = passkeyIds(listed.html);
    expect(id).toBeDefined();

    const csrf = registerForm(listed.html).fields.csrf ?? '';
    const renamed = await browser.request(`${issuer}/security/passkeys/${id}/name`, { form: { csrf, name: 'Phone' } });
    expect(renamed.status).toBe(303);
    expect((await open(browser)).html).toContain('value="Phone"');

    const tooLong = await browser.request(`${issuer}/security/passkeys/${id}/name`, { form: { csrf, name: 'x'.repeat(129) } });
    expect(tooLong.status).toBe(400);
    expect((await open(browser)).html).toContain('value="Phone"');

    // Removing it needs a two-factor sign-in now that she has a factor (last test); this session
    // came from the password alone.
    const removed = await browser.request(`${issuer}/security/passkeys/${id}/remove`, { form: { csrf } });
    expect(removed.status).toBe(403);
    expect(await server.runtime.services.storage.findBy('passkey', 'entity', alice.entityId)).toHaveLength(1);
  });

  it('refuses posts without the token or from another session, and another person’s passkey', async () => {
    const aliceBrowser = await signedInBrowser(alice);
    const bobBrowser = await signedInBrowser(bob);
    const device = new SoftAuthenticator();
    device.origin = relyingPartyOf(server.runtime.services.config.apiAddr).origin;
    expect((await addPasskey(bobBrowser, device, 'Bob key')).status).toBe(303);
    const [bobKey] = passkeyIds((await open(bobBrowser)).html);
    const aliceCsrf = registerForm((await open(aliceBrowser)).html).fields.csrf ?? '';
    const bobCsrf = registerForm((await open(bobBrowser)).html).fields.csrf ?? '';

    // No token, a token of another session, a forged token: 403 and nothing changes.
    for (const csrf of [undefined, aliceCsrf, 'AAAA']) {
      const res = await bobBrowser.request(`${issuer}/security/passkeys/${bobKey}/remove`, { form: csrf === undefined ? {} : { csrf } });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('invalid_csrf_token');
    }
    const options = await bobBrowser.request(`${issuer}/security/passkeys/options`, { form: { csrf: aliceCsrf } });
    expect(options.status).toBe(403);

    // Alice, with her own valid token, cannot rename or remove Bob's passkey.
    const rename = await aliceBrowser.request(`${issuer}/security/passkeys/${bobKey}/name`, { form: { csrf: aliceCsrf, name: 'mine' } });
    expect(rename.status).toBe(404);
    const remove = await aliceBrowser.request(`${issuer}/security/passkeys/${bobKey}/remove`, { form: { csrf: aliceCsrf } });
    expect(remove.status).toBe(404);
    const unknown = await aliceBrowser.request(`${issuer}/security/passkeys/not-an-id/remove`, { form: { csrf: aliceCsrf } });
    expect(unknown.status).toBe(404);
    // Without a session at all, a post is a sign-in page, not a change.
    const anonymous = await new Browser().request(`${issuer}/security/passkeys/${bobKey}/remove`, { form: { csrf: bobCsrf } });
    expect(anonymous.status).toBe(401);

    const still = await open(bobBrowser);
    expect(still.html).toContain('value="Bob key"');
  });

  it('adds or removes a passkey only with a two-factor sign-in once the person has a factor', async () => {
    const carol = await createUser(server, 'carol');
    const device = new SoftAuthenticator();
    device.origin = relyingPartyOf(server.runtime.services.config.apiAddr).origin;
    const onePassword = await signedInBrowser(carol);
    // The first factor: enrolled with the password sign-in.
    expect((await addPasskey(onePassword, device, 'First')).status).toBe(303);
    const page = await open(onePassword);
    const [first] = passkeyIds(page.html);
    const csrf = registerForm(page.html).fields.csrf ?? '';
    expect(page.html).toContain('id="security-restricted"');

    // Now she has a passkey: the one-factor session can neither add another nor remove it.
    const options = await onePassword.request(`${issuer}/security/passkeys/options`, { form: { csrf } });
    expect(options.status).toBe(403);
    expect(((await options.json()) as { errors: string[] }).errors[0]).toContain('needs a sign-in with two-step verification');
    const refused = await onePassword.request(`${issuer}/security/passkeys/${first}/remove`, { form: { csrf } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('needs a sign-in with two-step verification');
    expect(await server.runtime.services.storage.findBy('passkey', 'entity', carol.entityId)).toHaveLength(1);
    // Renaming is not a change of factors.
    expect((await onePassword.request(`${issuer}/security/passkeys/${first}/name`, { form: { csrf, name: 'Renamed' } })).status).toBe(303);

    // Signed in with the passkey (two factors): she can.
    const twoFactors = new Browser();
    const request = await authorizationRequest(config);
    let res = await twoFactors.request(request.url);
    let current = request.url;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get('location') as string, current);
      res = await twoFactors.request(current);
    }
    const signInHtml = await res.text();
    const passkeyForm = formsOf(signInHtml).find((f) => f.action.endsWith('/passkey'));
    if (!passkeyForm) throw new Error('no passkey form');
    const optionsUrl = new URL(/data-options="([^"]+)"/.exec(signInHtml)?.[1] as string, current);
    const begun = (await (await twoFactors.request(optionsUrl)).json()) as { challenge_id: string; options: { challenge: string; rpId: string } };
    current = new URL(passkeyForm.action, current);
    res = await twoFactors.request(current, { form: { ...passkeyForm.fields, challenge_id: begun.challenge_id, credential: JSON.stringify(device.get(begun.options)) } });
    for (let step = 0; step < 20; step++) {
      if (res.status >= 300 && res.status < 400) {
        current = new URL(res.headers.get('location') as string, current);
        if (current.origin !== new URL(issuer).origin) break;
        res = await twoFactors.request(current);
        continue;
      }
      const consent = formsOf(await res.text())[0];
      if (!consent) throw new Error(`unexpected page ${res.status}`);
      current = new URL(consent.action, current);
      res = await twoFactors.request(current, { form: consent.fields });
    }
    expect(current.origin).toBe('https://rp.example.com');
    const strong = await open(twoFactors);
    const strongCsrf = registerForm(strong.html).fields.csrf ?? '';
    expect(strong.html).not.toContain('id="security-restricted"');
    expect((await twoFactors.request(`${issuer}/security/passkeys/${first}/remove`, { form: { csrf: strongCsrf } })).status).toBe(303);
    expect(await server.runtime.services.storage.findBy('passkey', 'entity', carol.entityId)).toEqual([]);
  });
});
