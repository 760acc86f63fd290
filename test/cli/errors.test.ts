/** What the CLI says when the server is down, the token is refused, or the settings are wrong. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { lanyard, scratchDir } from './harness.js';

let server: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  scratch = await scratchDir();
  env = { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: join(scratch.dir, 'absent-token') };
});
afterAll(async () => {
  await server.destroy();
  await scratch.cleanup();
});

/** A loopback port that was just free and is closed again: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve, reject) => probe.close((err) => (err ? reject(err) : resolve())));
  return port;
}

describe('server unreachable', () => {
  it('names the address and the reason, and exits 2', async () => {
    const address = `http://127.0.0.1:${await closedPort()}`;
    for (const args of [['read', 'sys/policies/acl/default'], ['status'], ['operator', 'init'], ['login', 'lys.abc']]) {
      const run = await lanyard(args, { env: { LANYARD_ADDR: address, LANYARD_TOKEN: 'lys.secret-value' } });
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr: `Error: cannot reach Lanyard at ${address}: connection refused (is the server running? set LANYARD_ADDR)\n`,
      });
    }
  });

  it('prefers -address over LANYARD_ADDR over VAULT_ADDR', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const viaFlag = await lanyard(['list', 'sys/policies/acl', `-address=${server.url}`], {
      env: { LANYARD_ADDR: dead, LANYARD_TOKEN: server.rootToken },
    });
    expect(viaFlag.code).toBe(0);
    const viaLanyard = await lanyard(['list', 'sys/policies/acl'], { env: { LANYARD_ADDR: server.url, VAULT_ADDR: dead, LANYARD_TOKEN: server.rootToken } });
    expect(viaLanyard.code).toBe(0);
    const viaVault = await lanyard(['list', 'sys/policies/acl'], { env: { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken } });
    expect(viaVault.code).toBe(0);
  });

  it('refuses an address that is not an http(s) URL', async () => {
    const run = await lanyard(['read', 'sys/health'], { env: { LANYARD_ADDR: 'ftp://example.com' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('Error: invalid address "ftp://example.com": the scheme must be http or https\n');
  });
});

describe('permission denied', () => {
  it('explains a 403 for a token without the policy, without printing the token', async () => {
    const weak = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['default'] })).body.auth.client_token as string;
    const run = await lanyard(['write', 'sys/policies/acl/x', 'policy=path "a" { capabilities = ["read"] }'], { env: { ...env, LANYARD_TOKEN: weak } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Error: permission denied (check LANYARD_TOKEN; the token may have expired, been revoked, or lack a policy for writing data to sys/policies/acl/x)\n',
    );
    expect(run.stderr).not.toContain(weak);
  });

  it('says so when no token is set at all', async () => {
    const run = await lanyard(['list', 'sys/policies/acl'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("Error: permission denied (check LANYARD_TOKEN; no token is set: set it, or run 'lanyard login')\n");
  });

  it('refuses a token that cannot go into a header, without echoing it', async () => {
    const run = await lanyard(['list', 'sys/policies/acl'], { env: { ...env, LANYARD_TOKEN: 'lys.with space' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('Error: the token contains spaces or characters that cannot be sent in an HTTP header\n');
  });
});

describe('usage errors exit 1', () => {
  it('for unknown commands, missing arguments and unknown options', async () => {
    for (const args of [['bogus'], ['read'], ['read', 'sys/health', '-bogus=1'], ['policy', 'write', 'only-name']]) {
      const run = await lanyard(args, { env });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: /);
    }
  });

  it('help is exit 0 and shows examples', async () => {
    for (const args of [['--help'], ['read', '--help'], ['token', 'create', '-h'], ['login', '--help'], ['policy', 'write', '--help']]) {
      const run = await lanyard(args, { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
    }
  });
});
