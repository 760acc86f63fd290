/**
 * Upstream SSO sign-ins in the audit log and the metrics: the callback and the CLI login are
 * audited with their codes and the issued token HMAC'd, and the sign-in counts as an `sso` login.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { Browser } from '../support/relying_party.js';
import { api, type TestServer } from '../support/server.js';
import { UpstreamIdp } from '../support/upstream_idp.js';
import { CALLBACK_PATH, CLI_REDIRECT, clientNonce, cliLogin, cliStart, configureSso, organizationId, ssoBody, startSsoServer, walk } from '../sso/sso_support.js';
import { auditHash, enableFile, readAudit } from './support.js';

let server: TestServer;
let idp: UpstreamIdp;
beforeAll(async () => {
  server = await startSsoServer();
  idp = await UpstreamIdp.start({
    redirectUri: `${server.url}${CALLBACK_PATH}`,
    accounts: [{ sub: 'alice-sub', email: 'alice@example.com', email_verified: true, name: 'Alice' }],
    alg: 'RS256',
  });
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

const ssoLogins = async (): Promise<number> => {
  const text = await (await fetch(`${server.url}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': server.rootToken } })).text();
  const line = text.split('\n').find((l) => l.startsWith('lanyard_logins_total{method="sso",outcome="success"'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
};

it('audits the SSO callback and CLI login with secrets HMAC’d, and counts the sign-in', async () => {
  const file = join(server.dataDir, 'audit.log');
  await enableFile(server, 'file', file);
  await configureSso(server, ssoBody(idp, await organizationId(server)));
  const before = await ssoLogins();

  const nonce = clientNonce();
  const authUrl = await cliStart(server, nonce);
  idp.autoLogin = 'alice-sub';
  const end = await walk(new Browser(), authUrl, [server.url, idp.issuer]);
  if (end.kind !== 'redirect') throw new Error(`the sign-in stopped at a page (${end.status})`);
  expect(end.url.origin + end.url.pathname).toBe(CLI_REDIRECT);
  const res = await cliLogin(server, end.url, nonce);
  expect(res.status).toBe(200);
  const token = res.body.auth.client_token as string;

  const { text, lines } = await readAudit(file);
  const callback = lines.find((l) => l.type === 'response' && l.request.path === 'api/v1/sso/oidc/callback');
  expect(callback?.response?.status).toBeGreaterThanOrEqual(300);
  expect(callback?.response?.redirect).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  const login = lines.find((l) => l.type === 'response' && l.request.path === 'api/v1/sso/oidc/cli/login');
  expect(login?.request.data.code).toBe(await auditHash(server, 'file', end.url.searchParams.get('code') as string));
  expect(login?.response?.data.auth.client_token).toBe(await auditHash(server, 'file', token));
  for (const raw of [token, end.url.searchParams.get('code') as string, nonce]) expect(text.includes(raw)).toBe(false);
  expect((await ssoLogins()) - before).toBe(1);
  expect((await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token)).status).toBe(200);
});
