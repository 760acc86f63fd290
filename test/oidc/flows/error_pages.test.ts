/**
 * Protocol errors that cannot go back to the application: a person's browser (Accept: text/html)
 * gets the branded, accessible error page with the pages' protective headers; any other client
 * gets the OAuth JSON error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../../support/server.js';
import { REDIRECT_URI, createClient, createKey, createProvider, type ClientCredentials } from '../../support/relying_party.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('protocol error pages', () => {
  let server: TestServer;
  let issuer: string;
  let client: ClientCredentials;

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, post_logout_redirect_uris: 'https://rp.example.com/bye', assignments: 'allow_all' });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
  });
  afterAll(async () => server?.destroy());

  const logoutUrl = () => `${issuer}/logout?client_id=${client.client_id}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example.com/')}`;
  const authorizeUrl = () =>
    `${issuer}/authorize?client_id=${client.client_id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}`;

  async function expectPage(url: string, heading: string): Promise<void> {
    const res = await fetch(url, { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const page = await res.text();
    expect(page).toMatch(/^<!DOCTYPE html>\s*<html lang="en">/);
    expect(page).toContain(`<title>${heading} · Lanyard</title>`);
    expect(page).toContain(`<h1>${heading}</h1>`);
    expect(page).toContain('role="alert"');
    expect(page).not.toContain('evil.example.com');
  }

  async function expectJson(url: string, error: string): Promise<void> {
    const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toBe(error);
  }

  it('shows a page for a logout to an unregistered post_logout_redirect_uri, JSON otherwise', async () => {
    await expectPage(logoutUrl(), 'Unregistered return address');
    await expectJson(logoutUrl(), 'invalid_request');
  });

  it('shows a page for an authorization request that cannot be redirected, JSON otherwise', async () => {
    await expectPage(authorizeUrl(), 'Unregistered return address');
    await expectJson(authorizeUrl(), 'invalid_redirect_uri');
  });

  it('shows a page for an unknown client', async () => {
    await expectPage(`${issuer}/authorize?client_id=nobody&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, 'Unknown application');
  });
});
