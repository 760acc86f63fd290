/**
 * The CLI with login MFA: `write identity/mfa/method/totp/generate` draws the QR code in the
 * terminal, and `login -method=userpass` finishes a login that needs a passcode, from `-mfa=` or
 * a hidden prompt on a terminal, with real TOTP codes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { TOTP, URI } from 'otpauth';
import { identityPaths } from '../../server/identity/routes/index.js';
import { mfaPaths } from '../../server/mfa/routes/index.js';
import { userpassPaths } from '../../server/userpass/routes/index.js';
import { lanyard, scratchDir, terminalInput } from '../cli/harness.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery staple';
let clock = Date.now();
let server: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let env: Record<string, string>;
let admin: Record<string, string>;
let methodId: string;
let url: string;

const nextStep = () => {
  clock = (Math.floor(clock / 30_000) + 1) * 30_000 + 1000;
};
const code = () => (URI.parse(url) as TOTP).generate({ timestamp: clock });

beforeAll(async () => {
  server = await startTestServer({ now: () => clock, features: { vaultPaths: [identityPaths, userpassPaths, mfaPaths] } });
  scratch = await scratchDir();
  env = { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: join(scratch.dir, 'token') };
  admin = { ...env, LANYARD_TOKEN: server.rootToken };
  await api(server, 'PUT', '/v1/sys/policies/acl/mfa-self', { policy: 'path "identity/mfa/method/totp/generate" { capabilities = ["update"] }' });
  await api(server, 'POST', '/v1/auth/userpass/users/alice', { password: PASSWORD, token_policies: ['mfa-self'] });
  methodId = (await api(server, 'POST', '/v1/identity/mfa/method/totp', { issuer: 'Lanyard' })).body.data.method_id;
}, 120_000);
afterAll(async () => {
  await server.destroy();
  await scratch.cleanup();
});

describe('enrolment from the CLI', () => {
  it('prints a scannable QR code and the otpauth URL', async () => {
    const login = await lanyard(['login', '-method=userpass', 'username=alice', 'password=-'], { env, stdin: PASSWORD });
    expect(login.code).toBe(0);
    const run = await lanyard(['write', 'identity/mfa/method/totp/generate', `method_id=${methodId}`], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The small terminal QR uses half-block characters.
    expect(run.stdout).toMatch(/[▀▄█]{10}/);
    url = /^url\s+(otpauth:\S+)$/m.exec(run.stdout)?.[1] as string;
    expect(url).toMatch(/^otpauth:\/\/totp\/Lanyard:/);
    // -format=json gives the plain answer, no drawing (after an administrator destroyed the first secret).
    const aliases = (await api(server, 'GET', '/v1/identity/entity-alias/id?list=true')).body.data.key_info as Record<string, { name: string; canonical_id: string }>;
    const entityId = Object.values(aliases).find((a) => a.name === 'alice')?.canonical_id;
    expect((await lanyard(['write', 'identity/mfa/method/totp/admin-destroy', `method_id=${methodId}`, `entity_id=${entityId}`], { env: admin })).code).toBe(0);
    const json = await lanyard(['write', '-format=json', 'identity/mfa/method/totp/generate', `method_id=${methodId}`], { env });
    url = JSON.parse(json.stdout).data.url;
    expect(url).toMatch(/^otpauth:\/\/totp\/Lanyard:/);
  });
});

describe('login with a passcode', () => {
  beforeAll(async () => {
    const res = await api(server, 'PUT', '/v1/identity/mfa/login-enforcement/people', { mfa_method_ids: [methodId], auth_method_types: ['userpass'] });
    expect(res.status).toBe(204);
  });

  it('takes the passcode from -mfa', async () => {
    nextStep();
    const run = await lanyard(['login', '-method=userpass', '-no-store', '-field=token_meta_username', 'username=alice', 'password=-', `-mfa=${code()}`], {
      env,
      stdin: PASSWORD,
    });
    expect(run).toEqual({ code: 0, stdout: 'alice', stderr: '' });
  });

  it('asks for the passcode without echo on a terminal', async () => {
    nextStep();
    const stdin = terminalInput();
    const running = lanyard(['login', '-method=userpass', '-no-store', '-field=token_meta_username', 'username=alice', `password=${PASSWORD}`], { env, stdin });
    // The prompt is written before the stream is read: give the passcode once it is asked for.
    stdin.write(`${code()}\r`);
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('alice');
    expect(run.stderr).toBe(`Enter the passcode for MFA method ${methodId} of type totp (will be hidden): \n`);
  });

  it('explains a wrong passcode, and a missing one without a terminal', async () => {
    nextStep();
    const wrong = await lanyard(['login', '-method=userpass', 'username=alice', `password=${PASSWORD}`, '-mfa=000000'], { env: admin });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('failed to satisfy enforcement people');
    const missing = await lanyard(['login', '-method=userpass', 'username=alice', `password=${PASSWORD}`], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pass -mfa=CODE');
  });
});
