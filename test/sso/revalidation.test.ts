/**
 * SSO re-validation with a real second OIDC server as the upstream IdP: a person signs in to an
 * application through Lanyard via the IdP; Lanyard keeps the IdP's refresh token sealed. A refresh
 * within `sso-revalidate-interval` does not ask the IdP; after it, Lanyard refreshes at the IdP
 * first; once the person is removed at the IdP, the next refresh fails, introspection says inactive
 * and the grant is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { UPSTREAM_SESSION_KIND } from '../../server/sso/upstream_sessions.js';
import { Browser, REDIRECT_URI, authorizationRequest, createClient, createKey, createProvider, exchange, formsOf, relyingParty } from '../support/relying_party.js';
import type { TestServer } from '../support/server.js';
import { UpstreamIdp } from '../support/upstream_idp.js';
import { CALLBACK_PATH, configureSso, organizationId, ssoBody, startSsoServer } from './sso_support.js';

let server: TestServer;
let idp: UpstreamIdp;
let rp: oidc.Configuration;
let offset = 0;

beforeAll(async () => {
  server = await startSsoServer({ settings: { 'sso-revalidate-interval': '10m' }, now: () => Date.now() + offset });
  idp = await UpstreamIdp.start({ redirectUri: `${server.url}${CALLBACK_PATH}`, accounts: [{ sub: 'erin-1', email: 'erin@example.com', email_verified: true }] });
  idp.issueRefreshTokens = true;
  await configureSso(server, ssoBody(idp, await organizationId(server), { configurationType: 'discoveryURL', discoveryURL: idp.issuer, allowedEmailDomains: 'example.com' }));
  await createKey(server, 'k1');
  const client = await createClient(server, 'wiki', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
  rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
});
afterAll(async () => {
  await server?.destroy();
  await idp?.close();
});

/** app → Lanyard sign-in page → "Sign in with …" → IdP (auto sign-in) → Lanyard consent → app. */
async function signInThroughIdp(sub: string) {
  const browser = new Browser();
  const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
  let current = request.url;
  let res = await browser.request(current);
  idp.autoLogin = sub;
  for (let step = 0; step < 30; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (next.origin !== server.url && next.origin !== idp.issuer) return exchange(rp, next, request);
      current = next;
      res = await browser.request(current);
      continue;
    }
    const html = await res.text();
    const sso = formsOf(html).find((form) => form.action.endsWith('/sso'));
    const [first] = formsOf(html);
    if (html.includes('name="password"') && sso !== undefined) res = await browser.request((current = new URL(sso.action, current)), { form: sso.fields });
    else if (html.includes('Allow access?') && first !== undefined) res = await browser.request((current = new URL(first.action, current)), { form: first.fields });
    else throw new Error(`unexpected page ${res.status}: ${html.slice(0, 300)}`);
  }
  throw new Error('too many steps');
}

describe('re-validating upstream sign-ins at refresh', () => {
  it('keeps the IdP’s refresh token sealed, checks it after the interval, and ends the grant once the IdP refuses', async () => {
    const tokens = await signInThroughIdp('erin-1');
    const entityId = tokens.claims()?.sub as string;
    const stored = await server.runtime.services.storage.get<{ refresh_token: string }>(UPSTREAM_SESSION_KIND, entityId);
    expect(stored?.refresh_token).toMatch(/^lyseal:v1:/);

    // Within the interval nothing is asked upstream; after it, the IdP confirms the person.
    const first = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    offset += 11 * 60 * 1000;
    const second = await oidc.refreshTokenGrant(rp, first.refresh_token as string);
    expect(second.access_token).toEqual(expect.any(String));

    // The person leaves the IdP: the next check refuses, and the grant ends.
    idp.removeAccount('erin-1');
    offset += 11 * 60 * 1000;
    const refused = await oidc.refreshTokenGrant(rp, second.refresh_token as string).catch((err: unknown) => err);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect((await oidc.tokenIntrospection(rp, second.access_token)).active).toBe(false);
    expect(await server.runtime.services.storage.get(UPSTREAM_SESSION_KIND, entityId)).toBeUndefined();
  });
});
