/**
 * The outbound policy at login: a configuration saved under dev mode's permissive settings is
 * refused at login once the server runs without them (the verifier applies the policy per fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestIssuer } from '../support/jwt_issuer.js';
import { baseConfig, configuredIdentity, expectInfisicalError, login, startMachineServer } from './machine_support.js';

let dataDir: string;
let idp: TestIssuer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lanyard-machine-outbound-'));
  idp = await TestIssuer.start();
});
afterAll(async () => {
  await idp.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('outbound policy at login', () => {
  it('refuses a loopback or plain-http provider once the server no longer allows it', async () => {
    const permissive = await startMachineServer({ dataDir });
    const id = await configuredIdentity(permissive, baseConfig(idp));
    expect((await login(permissive, id, await idp.token())).status).toBe(200);
    await permissive.stop();

    const noPrivate = await startMachineServer({ dataDir, settings: { 'allow-private-network': false } });
    try {
      expectInfisicalError(await login(noPrivate, id, await idp.token()), 400, 'BadRequest', 'Local IPs not allowed as URL');
    } finally {
      await noPrivate.stop();
    }
    const noHttp = await startMachineServer({ dataDir, settings: { 'allow-http-outbound': false } });
    try {
      expectInfisicalError(await login(noHttp, id, await idp.token()), 400, 'BadRequest', 'Local IPs not allowed as URL');
    } finally {
      await noHttp.stop();
    }
    expect(idp.requestCount('/.well-known/openid-configuration')).toBe(1);
  });
});
