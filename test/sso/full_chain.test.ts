/**
 * The whole chain over HTTP: an application (openid-client as the relying party) sends the person
 * to a Lanyard provider; the sign-in page offers "Sign in with …"; the person signs in at the real
 * upstream IdP; Lanyard's callback brings them back to the pending authorization; after consent
 * the application redeems its code and gets an ID token for the person's Lanyard entity.
 *
 * Also the failure pages on that path (IdP unreachable, wrong client secret, declined at the IdP,
 * refused domain, missing email, replayed or foreign callbacks), each with a way back to the
 * sign-in page, and the sign-in page without the button when SSO is off.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import {
  authorizationRequest,
  Browser,
  createClient,
  createKey,
  createProvider,
  exchange,
  formsOf,
  REDIRECT_URI,
  relyingParty,
  type AuthorizationRequest,
} from '../support/relying_party.js';
import { api, type TestServer } from '../support/server.js';
import { UpstreamIdp, type UpstreamAccount } from '../support/upstream_idp.js';
import { CALLBACK_PATH, configureSso, organizationId, ssoBody, startSsoServer } from './sso_support.js';

const DANA: UpstreamAccount = { sub: 'dana-1', email: 'dana@example.com', email_verified: true, name: 'Dana' };

let server: TestServer;
let idp: UpstreamIdp;
let orgId: string;
let rp: oidc.Configuration;

beforeAll(async () => {
  server = await startSsoServer();
  orgId = await organizationId(server);
  idp = await UpstreamIdp.start({
    redirectUri: `${server.url}${CALLBACK_PATH}`,
    alg: 'EdDSA',
    accounts: [DANA, { sub: 'outsider', email: 'o@elsewhere.test', email_verified: true }, { sub: 'anonymous' }],
  });
  await createKey(server, 'k1');
  const client = await createClient(server, 'team-wiki', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
  rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

beforeEach(async () => {
  await configureSso(server, ssoBody(idp, orgId, { configurationType: 'discoveryURL', discoveryURL: idp.issuer, allowedEmailDomains: 'example.com' }));
});

interface Page {
  readonly url: URL;
  readonly status: number;
  readonly html: string;
}

/** Follows redirects between Lanyard and the IdP; resolves to the page shown or the redirect that leaves both. */
async function follow(browser: Browser, start: URL, init?: Parameters<Browser['request']>[1]): Promise<Page | URL> {
  let current = start;
  let res = await browser.request(current, init);
  for (let step = 0; step < 20; step++) {
    if (res.status < 300 || res.status >= 400) return { url: current, status: res.status, html: await res.text() };
    const next = new URL(res.headers.get('location') as string, current);
    await res.arrayBuffer();
    if (next.origin !== server.url && next.origin !== idp.issuer) return next;
    current = next;
    res = await browser.request(current);
  }
  throw new Error('too many steps');
}

function asPage(result: Page | URL): Page {
  if (result instanceof URL) throw new Error(`expected a page, was sent to ${result.href}`);
  return result;
}

/** The sign-in page of a fresh authorization request. */
async function signInPage(browser: Browser): Promise<{ request: AuthorizationRequest; page: Page }> {
  const request = await authorizationRequest(rp);
  const page = asPage(await follow(browser, request.url));
  expect(page.html).toContain('name="password"');
  return { request, page };
}

/** Presses "Sign in with …" on a sign-in page, signing in upstream as `sub`. */
async function pressSso(browser: Browser, page: Page, sub: string): Promise<Page | URL> {
  const form = formsOf(page.html).find((candidate) => candidate.action.endsWith('/sso'));
  if (form === undefined) throw new Error('the sign-in page has no SSO button');
  idp.autoLogin = sub;
  return follow(browser, new URL(form.action, page.url), { form: form.fields });
}

/** Allows a consent page and resolves to the application's callback. */
async function allow(browser: Browser, page: Page): Promise<URL> {
  expect(page.html).toContain('Allow access?');
  const [consent] = formsOf(page.html);
  const result = await follow(browser, new URL(consent!.action, page.url), { form: consent!.fields });
  if (!(result instanceof URL)) throw new Error(`expected the application's callback, got a page (${result.status})`);
  return result;
}

describe('app → Lanyard → upstream IdP → Lanyard → app', () => {
  it('signs the person in through the IdP and gives the application an ID token for their entity', async () => {
    const browser = new Browser();
    const { request, page } = await signInPage(browser);
    expect(page.html).toContain(`Sign in with ${new URL(idp.issuer).host}`);

    const consent = asPage(await pressSso(browser, page, DANA.sub));
    const callback = await allow(browser, consent);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(request.state);

    const tokens = await exchange(rp, callback, request);
    const claims = tokens.claims()!;
    const person = (await api(server, 'GET', `/v1/identity/entity/id/${claims.sub}`)).body.data;
    expect(person.aliases).toEqual([expect.objectContaining({ mount_type: 'oidc', name: DANA.sub, metadata: { email: DANA.email, name: DANA.name } })]);

    // The Lanyard session now exists: a second authorization needs no sign-in at all.
    const again = await authorizationRequest(rp);
    const second = await follow(browser, again.url);
    expect(second).toBeInstanceOf(URL);
    expect((await exchange(rp, second as URL, again)).claims()!.sub).toBe(claims.sub);
  });

  it('asks the IdP for a fresh sign-in only when the application asked for one', async () => {
    const upstreamRequest = async (extra: Record<string, string>): Promise<URL> => {
      const browser = new Browser();
      const page = asPage(await follow(browser, (await authorizationRequest(rp, extra)).url));
      const form = formsOf(page.html).find((candidate) => candidate.action.endsWith('/sso'))!;
      const res = await browser.request(new URL(form.action, page.url), { form: form.fields });
      expect(res.status).toBe(303);
      return new URL(res.headers.get('location') as string);
    };
    const plain = await upstreamRequest({});
    expect(plain.origin).toBe(idp.issuer);
    expect(plain.searchParams.has('prompt')).toBe(false);
    expect((await upstreamRequest({ prompt: 'login' })).searchParams.get('prompt')).toBe('login');
    expect((await upstreamRequest({ max_age: '60' })).searchParams.get('prompt')).toBe('login');
  });

  it('does not offer the button while SSO is inactive', async () => {
    await configureSso(server, ssoBody(idp, orgId, { isActive: false }));
    const { page } = await signInPage(new Browser());
    expect(page.html).not.toContain('Sign in with');
    expect(formsOf(page.html).some((form) => form.action.endsWith('/sso'))).toBe(false);
  });

  it('refuses the button’s form without its anti-forgery token', async () => {
    const browser = new Browser();
    const { page } = await signInPage(browser);
    const form = formsOf(page.html).find((candidate) => candidate.action.endsWith('/sso'))!;
    const res = await browser.request(new URL(form.action, page.url), { form: { csrf: 'forged' } });
    expect(res.status).toBe(403);
  });
});

/** Presses the SSO button and walks by hand up to Lanyard's callback, to hold on to its URL. */
async function untilCallback(browser: Browser, page: Page, form: { action: string; fields: Record<string, string> }): Promise<URL> {
  let res = await browser.request(new URL(form.action, page.url), { form: form.fields });
  let current = new URL(res.headers.get('location') as string, page.url);
  while (current.pathname !== CALLBACK_PATH) {
    await res.arrayBuffer();
    res = await browser.request(current);
    current = new URL(res.headers.get('location') as string, current);
  }
  await res.arrayBuffer();
  return current;
}

describe('failure pages on the way', () => {
  /** The failure page's reason code and its way back, which must lead to the same sign-in page. */
  async function expectFailurePage(browser: Browser, result: Page | URL, status: number, reason: string, text: string, signIn: Page): Promise<void> {
    const page = asPage(result);
    expect(page.status).toBe(status);
    expect(page.html).toContain(text);
    expect(page.html).toContain(`<code>${reason}</code>`);
    const back = formsOf(page.html).find((form) => form.action === signIn.url.pathname);
    expect(back).toBeDefined();
    const retry = asPage(await follow(browser, new URL(back!.action, page.url)));
    expect(retry.status).toBe(200);
    expect(retry.html).toContain('name="password"');
  }

  it('the IdP declined', async () => {
    const browser = new Browser();
    const { page } = await signInPage(browser);
    await expectFailurePage(browser, await pressSso(browser, page, 'deny'), 403, 'access_denied', 'Sign-in was cancelled', page);
  });

  it('a domain that is not allowed', async () => {
    const browser = new Browser();
    const { page } = await signInPage(browser);
    await expectFailurePage(browser, await pressSso(browser, page, 'outsider'), 403, 'domain_not_allowed', 'Email address not allowed', page);
  });

  it('no email', async () => {
    const browser = new Browser();
    const { page } = await signInPage(browser);
    await expectFailurePage(browser, await pressSso(browser, page, 'anonymous'), 400, 'missing_email', 'No email address', page);
  });

  it('a wrong client secret', async () => {
    await configureSso(server, ssoBody(idp, orgId, { configurationType: 'discoveryURL', discoveryURL: idp.issuer, clientSecret: 'wrong-secret-0123456789abcdef' }));
    const browser = new Browser();
    const { page } = await signInPage(browser);
    await expectFailurePage(browser, await pressSso(browser, page, DANA.sub), 502, 'client_rejected', 'Single sign-on is misconfigured', page);
  });

  it('an IdP that cannot be reached', async () => {
    const gone = await UpstreamIdp.start({ redirectUri: `${server.url}${CALLBACK_PATH}` });
    await configureSso(server, ssoBody(gone, orgId, { configurationType: 'discoveryURL', discoveryURL: gone.issuer }));
    await gone.close();
    const browser = new Browser();
    const { page } = await signInPage(browser);
    await expectFailurePage(browser, await pressSso(browser, page, DANA.sub), 502, 'upstream_unreachable', 'The sign-in service cannot be reached', page);
  });

  it('a callback replayed after the sign-in, or opened in another browser', async () => {
    const browser = new Browser();
    const { page } = await signInPage(browser);
    const form = formsOf(page.html).find((candidate) => candidate.action.endsWith('/sso'))!;
    idp.autoLogin = DANA.sub;

    const callback = await untilCallback(browser, page, form);

    // Another browser (no interaction cookie) gets a page and consumes nothing.
    const stranger = asPage(await follow(new Browser(), callback));
    expect(stranger.status).toBe(400);
    expect(stranger.html).toContain('<code>interaction_mismatch</code>');

    const consent = asPage(await follow(browser, callback));
    expect(consent.html).toContain('Allow access?');

    const replay = asPage(await follow(browser, callback));
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('<code>unknown_state</code>');
  });

  it('a state taken to another interaction of the same browser', async () => {
    const browser = new Browser();
    const first = await signInPage(browser);
    const second = await signInPage(browser);
    idp.autoLogin = DANA.sub;
    const form = formsOf(first.page.html).find((candidate) => candidate.action.endsWith('/sso'))!;
    const callback = await untilCallback(browser, first.page, form);

    const elsewhere = new URL(`${second.page.url.pathname}/sso/callback${callback.search}`, server.url);
    const refused = asPage(await follow(browser, elsewhere));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('<code>interaction_mismatch</code>');

    // The sign-in it belongs to can still finish.
    expect(asPage(await follow(browser, callback)).html).toContain('Allow access?');
  });
});
