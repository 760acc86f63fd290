/**
 * Apache httpd with mod_auth_openidc (Debian's apache2 and libapache2-mod-auth-openidc) as a real
 * relying party: a self-contained configuration in a temp dir, one protected CGI page that prints
 * the claims the module passes on, started in the foreground and stopped by its process id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULES = '/usr/lib/apache2/modules';

export interface ApacheRp {
  /** The protected page, e.g. http://127.0.0.1:PORT/protected/claims */
  readonly protectedUrl: string;
  readonly redirectUri: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

export interface ApacheOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly port: number;
}

/** A free loopback port (the configuration must name its port and its redirect URI up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function redirectUriFor(port: number): string {
  return `http://127.0.0.1:${port}/protected/redirect_uri`;
}

export async function startApache(options: ApacheOptions): Promise<ApacheRp> {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-apache-'));
  // httpd drops to www-data when started as root: it must read the page and run the script.
  await chmod(dir, 0o755);
  const claims = join(dir, 'claims.sh');
  await writeFile(
    claims,
    '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"\nenv | grep -E "^(OIDC_CLAIM_|REMOTE_USER=)" | sort\n',
  );
  await chmod(claims, 0o755);
  const root = process.getuid?.() === 0;
  const redirectUri = redirectUriFor(options.port);
  const conf = join(dir, 'httpd.conf');
  await writeFile(
    conf,
    [
      `ServerRoot ${dir}`,
      'ServerName 127.0.0.1',
      `Listen 127.0.0.1:${options.port}`,
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `ErrorLog ${dir}/error.log`,
      'LogLevel warn auth_openidc:info',
      `LoadModule mpm_prefork_module ${MODULES}/mod_mpm_prefork.so`,
      `LoadModule authn_core_module ${MODULES}/mod_authn_core.so`,
      `LoadModule authz_core_module ${MODULES}/mod_authz_core.so`,
      `LoadModule authz_user_module ${MODULES}/mod_authz_user.so`,
      `LoadModule alias_module ${MODULES}/mod_alias.so`,
      `LoadModule cgi_module ${MODULES}/mod_cgi.so`,
      `LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so`,
      ...(root ? ['User www-data', 'Group www-data'] : []),
      'StartServers 1',
      'MaxRequestWorkers 16',
      `OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration`,
      `OIDCClientID ${options.clientId}`,
      `OIDCClientSecret ${options.clientSecret}`,
      `OIDCRedirectURI ${redirectUri}`,
      `OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}`,
      `OIDCScope "${options.scope}"`,
      'OIDCPKCEMethod S256',
      'OIDCProviderTokenEndpointAuth client_secret_post',
      'OIDCRemoteUserClaim sub',
      'OIDCPassClaimsAs environment',
      `ScriptAlias /protected/claims ${claims}`,
      '<Location /protected>',
      '  AuthType openid-connect',
      '  Require valid-user',
      '</Location>',
      '',
    ].join('\n'),
  );
  // Its own process group (detached): at shutdown httpd signals its whole group, which would
  // otherwise be jest's.
  const child: ChildProcess = spawn('/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(options.port, child, () => stderr);

  return {
    protectedUrl: `http://127.0.0.1:${options.port}/protected/claims`,
    redirectUri,
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once httpd answers on the port; rejects with its stderr if it exits first. */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`apache2 exited ${child.exitCode}: ${stderr()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`apache2 did not answer on port ${port}: ${stderr()}`);
}
