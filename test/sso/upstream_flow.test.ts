/**
 * Upstream sign-in end to end over HTTP, against a real second OpenID Provider (node-oidc-provider,
 * test/support/upstream_idp.ts): the browser part is driven with fetch and a cookie jar, the
 * redeeming part through the CLI login API (`/api/v1/sso/oidc/cli/*`), whose loopback redirect the
 * walk stops at.
 *
 * Covered: RS256, RS512, EdDSA and HS256 ID tokens; `custom` and `discoveryURL` configurations;
 * claims from userinfo; the entity found by `sub` only; allowed and refused domains; missing and
 * unverified email; inactive and changed configurations; tampered ID tokens, a wrong algorithm and
 * a wrong nonce; replayed and unknown state; a wrong client secret; an unreachable IdP; group sync
 * adding and removing; and the operator's log line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../server/log.js';
import { Browser } from '../support/relying_party.js';
import { api, type TestServer } from '../support/server.js';
import { UpstreamIdp, type UpstreamAccount, type UpstreamAlg, type UpstreamIdpOptions } from '../support/upstream_idp.js';
import {
  CALLBACK_PATH,
  CLI_REDIRECT,
  clientNonce,
  cliLogin,
  cliStart,
  configureSso,
  organizationId,
  ssoBody,
  startSsoServer,
  walk,
  type WalkEnd,
} from './sso_support.js';

const ALICE = { sub: 'alice-00u1AbC', email: 'alice@example.com', email_verified: true, name: 'Alice Example' } satisfies UpstreamAccount;

let server: TestServer;
let orgId: string;
const idps: UpstreamIdp[] = [];
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const log = createLogger({ level: 'debug', format: 'json', write: (line) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  server = await startSsoServer({ log });
  orgId = await organizationId(server);
});
afterAll(async () => {
  await server.destroy();
  await Promise.all(idps.map((idp) => idp.close()));
});

async function upstream(options: Partial<UpstreamIdpOptions> = {}): Promise<UpstreamIdp> {
  const idp = await UpstreamIdp.start({ redirectUri: `${server.url}${CALLBACK_PATH}`, accounts: [ALICE], ...options });
  idps.push(idp);
  return idp;
}

interface SignInAttempt {
  readonly nonce: string;
  readonly end: WalkEnd;
  /** The loopback redirect the walk ended at. */
  readonly redirect: URL;
}

/** Start a CLI sign-in and walk the browser through the IdP (signed in as `sub`) to the loopback redirect. */
async function attempt(idp: UpstreamIdp, sub: string, edit: (authUrl: URL) => void = () => undefined): Promise<SignInAttempt> {
  const nonce = clientNonce();
  const authUrl = await cliStart(server, nonce);
  edit(authUrl);
  idp.autoLogin = sub;
  const end = await walk(new Browser(), authUrl, [server.url, idp.issuer]);
  if (end.kind !== 'redirect') throw new Error(`the sign-in stopped at a page (${end.status}): ${end.html.slice(0, 300)}`);
  expect(end.url.origin + end.url.pathname).toBe(CLI_REDIRECT);
  return { nonce, end, redirect: end.url };
}

/** A full sign-in; resolves to the login answer (status and body). */
async function signIn(idp: UpstreamIdp, sub = ALICE.sub) {
  const { nonce, redirect } = await attempt(idp, sub);
  return cliLogin(server, redirect, nonce);
}

async function entity(id: string) {
  return (await api(server, 'GET', `/v1/identity/entity/id/${id}`)).body.data;
}

async function entityCount(): Promise<number> {
  const res = await api(server, 'GET', '/v1/identity/entity/id?list=true');
  return res.status === 404 ? 0 : (res.body.data.keys as string[]).length;
}

function expectRefused(res: { status: number; body: any }, status: number, message: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, message });
}

function lastFailureLog(): Record<string, unknown> | undefined {
  return logLines.filter((line) => line.msg === 'sso sign-in failed').at(-1);
}

describe('signing in', () => {
  it.each<UpstreamAlg>(['RS256', 'RS512', 'EdDSA', 'HS256'])('accepts %s ID tokens (custom configuration) and binds the entity to the IdP subject', async (alg) => {
    const idp = await upstream({ alg });
    await configureSso(server, ssoBody(idp, orgId));
    const res = await signIn(idp);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mount_type: 'oidc', auth: { client_token: expect.stringMatching(/^lys\./), policies: ['default'], metadata: { email: ALICE.email } } });

    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, res.body.auth.client_token);
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({ entity_id: res.body.auth.entity_id, path: 'auth/oidc/login', display_name: `oidc-${ALICE.email}` });
    const person = await entity(res.body.auth.entity_id);
    expect(person.aliases).toEqual([expect.objectContaining({ mount_type: 'oidc', name: ALICE.sub, metadata: { email: ALICE.email, name: ALICE.name } })]);
  });

  it.each([
    ['the issuer URL', (idp: UpstreamIdp) => idp.issuer],
    ['the full discovery document URL', (idp: UpstreamIdp) => idp.discoveryUrl],
  ])('works with a discoveryURL configuration given %s', async (_what, discoveryURL) => {
    const idp = await upstream({ alg: 'EdDSA' });
    await configureSso(server, ssoBody(idp, orgId, { configurationType: 'discoveryURL', discoveryURL: discoveryURL(idp) }));
    expect((await signIn(idp)).status).toBe(200);
  });

  it('takes the email and groups from userinfo when the ID token does not carry them', async () => {
    const idp = await upstream({ claimsInIdToken: false, accounts: [{ ...ALICE, sub: 'userinfo-only', email: 'uma@example.com' }] });
    await configureSso(server, ssoBody(idp, orgId, { manageGroupMemberships: true }));
    const res = await signIn(idp, 'userinfo-only');
    expect(res.status).toBe(200);
    expect(res.body.auth.metadata).toEqual({ email: 'uma@example.com' });
  });

  it('finds the same entity on every sign-in, and never merges by email', async () => {
    const idp = await upstream({ accounts: [ALICE, { sub: 'someone-else', email: ALICE.email, email_verified: true }] });
    await configureSso(server, ssoBody(idp, orgId));
    const first = await signIn(idp);
    const again = await signIn(idp);
    expect(again.body.auth.entity_id).toBe(first.body.auth.entity_id);
    expect(again.body.auth.client_token).not.toBe(first.body.auth.client_token);

    const sameEmail = await signIn(idp, 'someone-else');
    expect(sameEmail.status).toBe(200);
    expect(sameEmail.body.auth.entity_id).not.toBe(first.body.auth.entity_id);
  });

  it('refuses a subject that differs from a known one only in case', async () => {
    const idp = await upstream({ accounts: [ALICE, { ...ALICE, sub: ALICE.sub.toUpperCase() }] });
    await configureSso(server, ssoBody(idp, orgId));
    expect((await signIn(idp)).status).toBe(200);
    const before = await entityCount();
    expectRefused(await signIn(idp, ALICE.sub.toUpperCase()), 409, 'Your sign-in matches a Lanyard account that belongs to someone else. Contact your administrator.');
    expect(await entityCount()).toBe(before);
  });

  it('works through the IdP’s own sign-in form', async () => {
    const idp = await upstream();
    await configureSso(server, ssoBody(idp, orgId));
    const nonce = clientNonce();
    idp.autoLogin = undefined;
    const end = await walk(new Browser(), await cliStart(server, nonce), [server.url, idp.issuer], ALICE.sub);
    expect(end.kind).toBe('redirect');
    expect((await cliLogin(server, end.url, nonce)).status).toBe(200);
  });
});

describe('who may sign in', () => {
  let idp: UpstreamIdp;
  beforeAll(async () => {
    idp = await upstream({
      accounts: [
        { sub: 'exact', email: 'e@example.com', email_verified: true },
        { sub: 'sub-domain', email: 's@EU.Corp.Example.org' },
        { sub: 'look-alike', email: 'mallory@evilexample.com', email_verified: true },
        { sub: 'suffix', email: 'mallory@example.com.evil' },
        { sub: 'no-email' },
        { sub: 'unverified', email: 'u@example.com', email_verified: false },
        { sub: 'unverified-text', email: 'u2@example.com', email_verified: 'false' },
      ],
    });
  });
  beforeEach(async () => {
    await configureSso(server, ssoBody(idp, orgId, { allowedEmailDomains: 'example.com, *.corp.example.org' }));
  });

  it('accepts listed domains and subdomains of wildcard entries', async () => {
    expect((await signIn(idp, 'exact')).status).toBe(200);
    expect((await signIn(idp, 'sub-domain')).status).toBe(200);
  });

  it.each(['look-alike', 'suffix'])('refuses %s domains and creates nothing', async (sub) => {
    const before = await entityCount();
    expectRefused(await signIn(idp, sub), 403, 'Accounts with your email address are not allowed to sign in here.');
    expect(await entityCount()).toBe(before);
    expect(lastFailureLog()).toMatchObject({ level: 'warn', reason: 'domain_not_allowed', purpose: 'cli' });
  });

  it('requires an email, and refuses one the IdP says is unverified', async () => {
    expectRefused(await signIn(idp, 'no-email'), 400, 'The sign-in service did not say which email address you have. Lanyard needs one to sign you in.');
    expect((await signIn(idp, 'unverified')).status).toBe(403);
    expect((await signIn(idp, 'unverified-text')).body.message).toBe('The sign-in service says your email address is not verified. Verify it there and try again.');
  });
});

describe('configuration state', () => {
  it('refuses to start while the configuration is inactive', async () => {
    const idp = await upstream();
    await configureSso(server, ssoBody(idp, orgId, { isActive: false }));
    const res = await api(server, 'POST', '/api/v1/sso/oidc/cli/start', { redirectUri: CLI_REDIRECT, clientNonce: clientNonce() }, null);
    expectRefused(res, 403, 'Single sign-on is currently turned off. Sign in another way or ask your administrator.');
  });

  it('refuses to finish a sign-in once the configuration is turned off or changed', async () => {
    const idp = await upstream();
    await configureSso(server, ssoBody(idp, orgId));
    const started = await attempt(idp, ALICE.sub);
    await configureSso(server, ssoBody(idp, orgId, { isActive: false }));
    expect((await cliLogin(server, started.redirect, started.nonce)).status).toBe(403);

    await configureSso(server, ssoBody(idp, orgId));
    const second = await attempt(idp, ALICE.sub);
    await configureSso(server, ssoBody(idp, orgId, { allowedEmailDomains: 'example.com' }));
    expectRefused(await cliLogin(server, second.redirect, second.nonce), 409, 'The single sign-on settings changed while you were signing in. Start again.');
  });
});

describe('tampering and replay', () => {
  let idp: UpstreamIdp;
  beforeAll(async () => {
    idp = await upstream({ alg: 'RS512' });
  });
  beforeEach(async () => {
    idp.tamperIdTokens = false;
    await configureSso(server, ssoBody(idp, orgId));
  });

  it('refuses an ID token whose payload was changed after signing', async () => {
    idp.tamperIdTokens = true;
    expectRefused(await signIn(idp), 401, 'The identity the sign-in service sent could not be verified, so Lanyard did not accept it. Tell your administrator.');
    expect(lastFailureLog()).toMatchObject({ reason: 'invalid_id_token', detail: expect.stringContaining('signature') });
  });

  it('refuses an ID token signed with another algorithm than configured', async () => {
    await configureSso(server, ssoBody(idp, orgId, { jwtSignatureAlgorithm: 'RS256' }));
    expect((await signIn(idp)).status).toBe(401);
    expect(lastFailureLog()).toMatchObject({ reason: 'invalid_id_token', detail: expect.stringContaining('alg') });
  });

  it('refuses an ID token with another nonce', async () => {
    const started = await attempt(idp, ALICE.sub, (authUrl) => authUrl.searchParams.set('nonce', 'a-nonce-lanyard-never-issued'));
    expect((await cliLogin(server, started.redirect, started.nonce)).status).toBe(401);
    expect(lastFailureLog()).toMatchObject({ reason: 'invalid_id_token', detail: expect.stringContaining('nonce') });
  });

  it('redeems a callback once: a replay gets the expired-link answer and page', async () => {
    const started = await attempt(idp, ALICE.sub);
    expect((await cliLogin(server, started.redirect, started.nonce)).status).toBe(200);
    expectRefused(await cliLogin(server, started.redirect, started.nonce), 400, 'It has expired, was already used, or was not started here. Start signing in again.');

    const page = await fetch(`${server.url}${CALLBACK_PATH}${started.redirect.search}`, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('This sign-in link is no longer valid');
    expect(html).toContain('unknown_state');
  });

  it('answers an unknown or missing state with the same page', async () => {
    for (const query of ['?state=forged-state&code=x', '']) {
      const page = await fetch(`${server.url}${CALLBACK_PATH}${query}`, { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('This sign-in link is no longer valid');
    }
  });

  it('refuses a redeem without the CLI’s nonce, leaving the sign-in to the CLI', async () => {
    const started = await attempt(idp, ALICE.sub);
    expect((await cliLogin(server, started.redirect, clientNonce())).status).toBe(400);
    expect((await cliLogin(server, started.redirect, started.nonce)).status).toBe(200);
  });

  it('forwards the IdP’s refusal to the CLI without a code', async () => {
    const nonce = clientNonce();
    idp.autoLogin = 'deny';
    const end = await walk(new Browser(), await cliStart(server, nonce), [server.url, idp.issuer]);
    expect(end.kind).toBe('redirect');
    const redirect = end.url;
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('accepts only loopback redirect URIs for CLI sign-ins', async () => {
    for (const redirectUri of ['https://evil.example/cb', 'http://evil.example:8250/cb', 'http://127.0.0.1/cb', 'http://127.0.0.1:8250/cb?x=1', 'http://user@127.0.0.1:8250/cb']) {
      const res = await api(server, 'POST', '/api/v1/sso/oidc/cli/start', { redirectUri, clientNonce: clientNonce() }, null);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('redirectUri must be a loopback address');
    }
  });
});

describe('an IdP that fails', () => {
  it('says so when the client secret is wrong, and logs why without any secret', async () => {
    const idp = await upstream();
    const wrong = 'not-the-client-secret-at-all-0123456789';
    await configureSso(server, ssoBody(idp, orgId, { clientSecret: wrong }));
    const started = await attempt(idp, ALICE.sub);
    const res = await cliLogin(server, started.redirect, started.nonce);
    expectRefused(res, 502, 'Your organisation’s sign-in service refused Lanyard’s credentials. Your administrator needs to check the client ID and secret.');
    expect(lastFailureLog()).toMatchObject({ level: 'warn', reason: 'client_rejected', detail: expect.stringContaining('invalid_client') });
    const logged = JSON.stringify(logLines);
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(idp.clientSecret);
    expect(logged).not.toContain(started.redirect.searchParams.get('code'));
    expect(logged).not.toContain(started.nonce);
  });

  it('says so when the IdP cannot be reached for discovery', async () => {
    const idp = await upstream();
    await configureSso(server, ssoBody(idp, orgId, { configurationType: 'discoveryURL', discoveryURL: idp.issuer }));
    await idp.close();
    const res = await api(server, 'POST', '/api/v1/sso/oidc/cli/start', { redirectUri: CLI_REDIRECT, clientNonce: clientNonce() }, null);
    expectRefused(res, 502, expect.stringContaining('could not reach your organisation’s sign-in service') as unknown as string);
    expect(lastFailureLog()).toMatchObject({ reason: 'upstream_unreachable', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('says so when the IdP goes away before the code is redeemed', async () => {
    const idp = await upstream();
    await configureSso(server, ssoBody(idp, orgId));
    const started = await attempt(idp, ALICE.sub);
    await idp.close();
    expect((await cliLogin(server, started.redirect, started.nonce)).status).toBe(502);
    expect(lastFailureLog()).toMatchObject({ reason: 'upstream_unreachable' });
  });
});

describe('group sync', () => {
  let idp: UpstreamIdp;
  const groupId: Record<string, string> = {};

  const members = async (name: string): Promise<string[]> => (await api(server, 'GET', `/v1/identity/group/name/${name}`)).body.data.member_entity_ids;
  const setGroups = (groups: NonNullable<UpstreamAccount['groups']>) => idp.addAccount({ ...ALICE, sub: 'grace', email: 'grace@example.com', groups });

  beforeAll(async () => {
    idp = await upstream();
    for (const [name, managed, policies] of [
      ['eng', true, ['eng-policy']],
      ['ops', true, []],
      ['admins', false, ['admin-policy']],
      ['wiki', false, []],
    ] as const) {
      const res = await api(server, 'POST', '/v1/identity/group', { name, policies, ...(managed ? { metadata: { sso_managed: 'true' } } : {}) });
      groupId[name] = res.body.data.id;
    }
  });

  it('adds the person to the managed groups the claim lists, and to no other group', async () => {
    await configureSso(server, ssoBody(idp, orgId, { manageGroupMemberships: true }));
    setGroups(['ENG', 'admins', 'no-such-group']);
    const res = await signIn(idp, 'grace');
    expect(res.status).toBe(200);
    const grace = res.body.auth.entity_id as string;
    expect(await members('eng')).toEqual([grace]);
    expect(await members('admins')).toEqual([]);
    expect(await members('ops')).toEqual([]);
    expect(res.body.auth.identity_policies).toEqual(['eng-policy']);
  });

  it('removes the person from managed groups no longer listed and leaves unmanaged memberships alone', async () => {
    const grace = (await signIn(idp, 'grace')).body.auth.entity_id as string;
    expect((await api(server, 'POST', `/v1/identity/group/id/${groupId.wiki}`, { member_entity_ids: [grace] })).status).toBeLessThan(300);
    setGroups('ops');
    const res = await signIn(idp, 'grace');
    expect(res.status).toBe(200);
    expect(await members('eng')).toEqual([]);
    expect(await members('ops')).toEqual([grace]);
    expect(await members('wiki')).toEqual([grace]);
    expect(res.body.auth.identity_policies).toEqual([]);
    expect(logLines.filter((line) => line.msg === 'sso group sync changed memberships').at(-1)).toMatchObject({ added: ['ops'], removed: ['eng'] });
  });

  it('changes nothing while manageGroupMemberships is off', async () => {
    await configureSso(server, ssoBody(idp, orgId, { manageGroupMemberships: false }));
    setGroups([]);
    const grace = (await signIn(idp, 'grace')).body.auth.entity_id as string;
    expect(await members('ops')).toEqual([grace]);
  });
});
