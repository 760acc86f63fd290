/**
 * The CLI's one HTTP client against a real listening server that answers in each of Lanyard's wire
 * formats: the route decides how an error body is read, every failure is one of the client's
 * errors, and a server that is not there gives the same reason to every command.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { LanyardClient } from '../../cli/client.js';
import { ApiError, ClientConfigError, UnreachableError } from '../../cli/http/errors.js';
import { networkReason } from '../../cli/http/network_reason.js';
import { lanyard } from './harness.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the server answers on each path: status, body text and content type. */
const ROUTES: Readonly<Record<string, { status: number; body: string; type?: string }>> = {
  '/v1/sys/broken': { status: 500, body: JSON.stringify({ errors: ['storage is sealed', 'try again'] }) },
  '/v1/sys/fine': { status: 200, body: JSON.stringify({ request_id: 'r1', data: { ok: true } }) },
  '/api/v1/auth/oidc-auth/identities/missing': {
    status: 404,
    body: JSON.stringify({ reqId: 'req-1', statusCode: 404, message: 'The identity does not have OIDC Auth attached', error: 'NotFound' }),
  },
  '/api/v1/auth/oidc-auth/identities/invalid': {
    status: 422,
    body: JSON.stringify({
      reqId: 'req-2',
      statusCode: 422,
      message: [{ code: 'invalid_type', path: ['boundIssuer'], message: 'Required' }, { code: 'custom', path: [], message: 'one of the lists is empty' }],
      error: 'ValidationFailure',
    }),
  },
  '/api/v1/auth/oidc-auth/login': {
    status: 403,
    body: JSON.stringify({ reqId: 'req-3', statusCode: 403, message: 'You are not allowed to access this resource from the current IP address', error: 'ForbiddenError' }),
  },
  // A Vault-shaped body on an Infisical route is not that route's error text.
  '/api/v1/vault-body': { status: 400, body: JSON.stringify({ errors: ['not read on this route'] }) },
  '/oauth/token': { status: 400, body: JSON.stringify({ error: 'authorization_pending', error_description: 'the person has not approved yet' }) },
  '/v1/sys/proxied': { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' },
  '/v1/sys/moved': { status: 302, body: '' },
};

let server: Server;
let address: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (url.pathname === '/v1/sys/silent') return; // never answers
      const route = ROUTES[url.pathname] ?? { status: 404, body: JSON.stringify({ errors: [] }) };
      const headers: Record<string, string> = { 'content-type': route.type ?? 'application/json' };
      if (route.status === 302) headers.location = 'http://127.0.0.1:1/elsewhere';
      res.writeHead(route.status, headers).end(route.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A loopback port that was just free and is closed again: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve, reject) => probe.close((err) => (err ? reject(err) : resolve())));
  return port;
}

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

describe('one client, the error body read by the route’s format', () => {
  it('reads a Vault error as its errors lines', async () => {
    const err = await failure(new LanyardClient({ address }).request('GET', 'sys/broken'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 500, errors: ['storage is sealed', 'try again'] });
  });

  it('reads an Infisical error as its message, and a 422 as one line per issue naming the field', async () => {
    const client = new LanyardClient({ address });
    expect(await failure(client.infisical('GET', '/api/v1/auth/oidc-auth/identities/missing'))).toMatchObject({
      status: 404,
      errors: ['The identity does not have OIDC Auth attached'],
    });
    const invalid = await failure(client.infisical('POST', '/api/v1/auth/oidc-auth/identities/invalid', { body: {} }));
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid).toMatchObject({ status: 422, errors: ['boundIssuer: Required', 'one of the lists is empty'] });
  });

  it('does not read a Vault body on an Infisical route as error lines, but keeps it to show', async () => {
    const err = await failure(new LanyardClient({ address }).infisical('GET', '/api/v1/vault-body'));
    expect(err).toMatchObject({ status: 400, errors: [], body: { errors: ['not read on this route'] } });
  });

  it('reads an OAuth error as its description and keeps the error code for the caller', async () => {
    const err = await failure(new LanyardClient({ address }).oauth(`${address}/oauth/token`, { grant_type: 'x' }));
    expect(err).toMatchObject({ status: 400, errors: ['the person has not approved yet'], body: { error: 'authorization_pending' } });
  });

  it('keeps a non-JSON body as text and does not follow redirects', async () => {
    const client = new LanyardClient({ address });
    expect(await failure(client.request('GET', 'sys/proxied'))).toMatchObject({ status: 502, errors: [], body: '<html>Bad Gateway</html>' });
    expect(await failure(client.request('GET', 'sys/moved'))).toMatchObject({ status: 302 });
  });
});

describe('one transport', () => {
  it('sends the token on Vault and Infisical calls, JSON bodies, and never the token to an OAuth endpoint', async () => {
    const client = new LanyardClient({ address, token: 'lys.abc' });
    seen.length = 0;
    expect((await client.request('PUT', 'sys/fine', { body: { a: 1 } })).envelope).toMatchObject({ request_id: 'r1', data: { ok: true } });
    await failure(client.infisical('POST', '/api/v1/auth/oidc-auth/identities/invalid', { body: { b: 2 } }));
    await failure(client.oauth(`${address}/oauth/token`, { grant_type: 'x', device_code: 'd' }));
    const [vault, infisical, oauth] = seen;
    expect(vault).toMatchObject({ method: 'PUT', url: '/v1/sys/fine', body: '{"a":1}', headers: { 'x-vault-token': 'lys.abc', 'content-type': 'application/json' } });
    expect(infisical).toMatchObject({ method: 'POST', body: '{"b":2}', headers: { 'x-vault-token': 'lys.abc', 'content-type': 'application/json' } });
    expect(oauth).toMatchObject({ method: 'POST', body: 'grant_type=x&device_code=d', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oauth?.headers['x-vault-token']).toBeUndefined();
  });

  it('gives one network reason, naming the address, whatever the format', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const client = new LanyardClient({ address: dead });
    for (const call of [client.request('GET', 'sys/health'), client.infisical('GET', '/api/v1/auth/oidc-auth/identities/x'), client.oauth(`${dead}/v1/x/token`, {})]) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err).toMatchObject({ address: dead, reason: 'connection refused' });
    }
  });

  it('names the time limit when nothing answers', async () => {
    const err = await failure(new LanyardClient({ address, timeoutMs: 1000 }).request('GET', 'sys/silent'));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ reason: 'no answer within 1s' });
  });

  it('refuses a token that cannot go into a header before sending anything', async () => {
    expect(() => new LanyardClient({ address, token: 'lys.a b' })).toThrow(ClientConfigError);
    const err = await failure(new LanyardClient({ address }).request('GET', 'sys/fine', { token: 'lys.\n' }));
    expect(err).toBeInstanceOf(ClientConfigError);
  });
});

describe('networkReason', () => {
  it('finds the code in fetch’s cause chain and words it', () => {
    const wrapped = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`getaddrinfo ${code}`), { code }) });
    expect(networkReason(wrapped('ENOTFOUND'), 60_000)).toBe('host not found');
    expect(networkReason(wrapped('CERT_HAS_EXPIRED'), 60_000)).toBe('TLS: certificate has expired');
    // An unknown code: the system's own message is the most specific thing there is.
    expect(networkReason(wrapped('EWHATEVER'), 60_000)).toBe('getaddrinfo EWHATEVER');
  });
});

describe('through the commands', () => {
  it('explains a Vault error and an Infisical error the same way', async () => {
    const env = { LANYARD_ADDR: address, LANYARD_TOKEN: 'lys.abc' };
    expect(await lanyard(['read', 'sys/broken'], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error reading sys/broken: code 500\n  * storage is sealed\n  * try again\n',
    });
    expect(await lanyard(['oidc-auth', 'read', 'missing'], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error reading machine login of missing: code 404\n  * The identity does not have OIDC Auth attached\n',
    });
  });

  it('reports a refused machine login with the server’s words, not a hint about a Lanyard token', async () => {
    const run = await lanyard(['login', '-method=oidc-auth', 'identity=x', 'jwt=y'], { env: { LANYARD_ADDR: address } });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error logging in as identity x: code 403\n  * You are not allowed to access this resource from the current IP address\n',
    });
  });

  it('says the same about a server that is not there for Vault, Infisical and sign-in commands', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const env = { LANYARD_ADDR: dead, LANYARD_TOKEN: 'lys.abc' };
    for (const args of [['read', 'sys/health'], ['oidc-auth', 'read', 'x'], ['login', '-method=oidc-auth', 'identity=x', 'jwt=y'], ['login', '-method=oidc', 'skip_browser=true']]) {
      expect(await lanyard(args, { env })).toEqual({
        code: 2,
        stdout: '',
        stderr: `Error: cannot reach Lanyard at ${dead}: connection refused (is the server running? set LANYARD_ADDR)\n`,
      });
    }
  });
});
