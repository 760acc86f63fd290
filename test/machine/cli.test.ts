/** `lanyard oidc-auth …` and `lanyard login -method=oidc-auth` against a real server and issuer. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Command, CommanderError } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { normaliseArgv } from '../../cli/argv.js';
import { LanyardClient } from '../../cli/client.js';
import { CliError } from '../../cli/commands/cli_error.js';
import { oidcAuthLoginMethod, registerOidcAuthCommands } from '../../cli/commands/oidc_auth.js';
import type { CliIo } from '../../cli/io.js';
import { TestIssuer } from '../support/jwt_issuer.js';
import type { TestServer } from '../support/server.js';
import { createIdentity, lookupSelf, startMachineServer } from './machine_support.js';

let server: TestServer;
let idp: TestIssuer;
let dir: string;

beforeAll(async () => {
  server = await startMachineServer();
  idp = await TestIssuer.start();
  dir = await mkdtemp(join(tmpdir(), 'lanyard-oidc-auth-cli-'));
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function ioFor(env: Record<string, string>, stdout: string[], stderr: string[]): CliIo {
  return {
    stdout: { write: (chunk: string) => stdout.push(chunk), isTTY: false },
    stderr: { write: (chunk: string) => stderr.push(chunk), isTTY: false },
    stdin: Readable.from([]),
    env: { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: join(dir, 'token'), ...env },
  };
}

/** The commands as `runCli` runs them: usage errors exit 1, refusals 2, messages on stderr. */
async function lanyard(args: string[], env: Record<string, string> = { LANYARD_TOKEN: server.rootToken }): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = ioFor(env, stdout, stderr);
  const program = new Command('lanyard').exitOverride().configureOutput({ writeOut: (t) => void stdout.push(t), writeErr: (t) => void stderr.push(t) });
  registerOidcAuthCommands(program, io);
  let code = 0;
  try {
    await program.parseAsync(normaliseArgv(args), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode;
    else if (err instanceof CliError) {
      stderr.push(err.message);
      code = err.exitCode;
    } else throw err;
  }
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

const attachArgs = (id: string, ...extra: string[]) => [
  'oidc-auth', 'attach', id,
  `oidcDiscoveryUrl=${idp.baseUrl}`, `boundIssuer=${idp.issuer}`, 'boundAudiences=lanyard',
  'boundSubject=repo:acme/app:*{,/**}', 'boundClaims={"repository":"acme/app"}', 'accessTokenTTL=1h', 'accessTokenMaxTTL=1d',
  ...extra,
];

describe('lanyard oidc-auth', () => {
  it('attaches with key=value arguments, durations and JSON objects, and reads back as a table', async () => {
    const id = await createIdentity(server);
    const attached = await lanyard([...attachArgs(id, 'accessTokenNumUsesLimit=3'), '-format=json']);
    expect(attached.code).toBe(0);
    expect(JSON.parse(attached.stdout).identityOidcAuth).toMatchObject({
      identityId: id,
      boundAudiences: 'lanyard',
      boundClaims: { repository: 'acme/app' },
      accessTokenTTL: 3600,
      accessTokenMaxTTL: 86400,
      accessTokenNumUsesLimit: 3,
    });

    const read = await lanyard(['oidc-auth', 'read', id]);
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/^Key\s+Value\n---\s+-----\n/);
    expect(read.stdout).toMatch(/\naccessTokenTTL\s+3600\n/);
    expect(read.stdout).toMatch(/\nboundIssuer\s+http:\/\/127\.0\.0\.1:\d+\n/);
    expect((await lanyard(['oidc-auth', 'read', id, '-field=boundSubject'])).stdout).toBe('repo:acme/app:*{,/**}');
  });

  it('updates some fields, lists by repetition', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const updated = await lanyard(['oidc-auth', 'update', id, 'accessTokenTrustedIps=10.0.0.0/8', 'accessTokenTrustedIps=::1', '-format=json']);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout).identityOidcAuth.accessTokenTrustedIps).toEqual([
      { ipAddress: '10.0.0.0', type: 'ipv4', prefix: 8 },
      { ipAddress: '::1', type: 'ipv6' },
    ]);
  });

  it('explains a token from a file, accepted or refused', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const good = join(dir, 'good.jwt');
    await writeFile(good, `${await idp.token({ sub: 'repo:acme/app:ref:refs/heads/main', repository: 'acme/app' })}\n`);
    const accepted = await lanyard(['oidc-auth', 'explain', id, `jwt=@${good}`]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/\nsignature\s+ok\n/);
    expect(accepted.stdout).toContain('The token would be accepted.');

    const bad = join(dir, 'bad.jwt');
    await writeFile(bad, await idp.token({ sub: 'repo:evil/app:pull_request', repository: 'acme/app' }));
    const refused = await lanyard(['oidc-auth', 'explain', id, `jwt=@${bad}`]);
    expect(refused.stdout).toMatch(/\nsubject\s+FAILED \(subject_not_allowed\)/);
    expect(refused.stdout).toContain('The token would be refused: Access denied: OIDC subject not allowed.');
    // Scripts test the exit code: a refusal is a failure.
    expect(refused.code).toBe(2);
    const json = await lanyard(['oidc-auth', 'explain', id, `jwt=@${bad}`, '-format=json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, explanation: { reason: 'subject_not_allowed' } });
    expect(json.code).toBe(2);
  });

  it('explains failures: the server’s lines with its status, usage mistakes with exit 1', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const twice = await lanyard(attachArgs(id));
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`Error attaching machine login of ${id}: code 400`);
    expect(twice.stderr).toContain('* Failed to add OIDC Auth to already configured identity');

    const other = await createIdentity(server);
    const invalid = await lanyard(['oidc-auth', 'attach', other, `oidcDiscoveryUrl=${idp.baseUrl}`]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('code 422');
    expect(invalid.stderr).toContain('* boundIssuer: Required');
    expect(invalid.stderr).toContain('* boundClaims: Required');

    const usage = await lanyard(['oidc-auth', 'update', id, 'accessTokenTTL=soon']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('accessTokenTTL must be a number of seconds or a duration');
    const noToken = await lanyard(['oidc-auth', 'read', id], {});
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('* Token missing');
  });

  it('revokes the configuration', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const revoked = await lanyard(['oidc-auth', 'revoke', id, '-format=json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).identityOidcAuth.identityId).toBe(id);
    expect((await lanyard(['oidc-auth', 'read', id])).stderr).toContain('The identity does not have OIDC Auth attached');
  });
});

describe('lanyard login -method=oidc-auth', () => {
  it('trades a workload JWT from a file for a token', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const file = join(dir, 'login.jwt');
    await writeFile(file, `${await idp.token({ repository: 'acme/app' })}\n`);
    const io = ioFor({}, [], []);
    const result = await oidcAuthLoginMethod.login({ client: new LanyardClient({ address: server.url }), args: [`identity=${id}`, `jwt=@${file}`], mount: 'oidc-auth', io });
    expect(result.token).toMatch(/^lys\./);
    expect(result.shown.envelope.auth).toMatchObject({ client_token: result.token, lease_duration: 3600, entity_id: id });
    // No accessor or policies are known without spending a use: the table leaves them out.
    expect(result.shown.envelope.auth?.accessor).toBeUndefined();
    expect(result.shown.json).toMatchObject({ tokenType: 'Bearer', accessTokenMaxTTL: 86400 });
    expect((await lookupSelf(server, result.token)).body.data.entity_id).toBe(id);
  });

  it('reports a refused login with the server’s message', async () => {
    const id = await createIdentity(server);
    expect((await lanyard(attachArgs(id))).code).toBe(0);
    const io = ioFor({}, [], []);
    const refused = oidcAuthLoginMethod.login({
      client: new LanyardClient({ address: server.url }),
      args: [`identity=${id}`, `jwt=${await idp.token({ repository: 'acme/lib' })}`],
      mount: 'oidc-auth',
      io,
    });
    await expect(refused).rejects.toThrow(/code 401\n {2}\* Access denied: OIDC claim not allowed\./);
    await expect(oidcAuthLoginMethod.login({ client: new LanyardClient({ address: server.url }), args: ['jwt=x'], mount: 'oidc-auth', io })).rejects.toThrow(/missing identity=/);
  });
});
