/**
 * `lanyard login -method=oidc [port=N] [skip_browser=true]`: sign in through the upstream SSO IdP
 * in a browser, as `vault login -method=oidc` does.
 *
 * The CLI listens on http://127.0.0.1:<port>/oidc/callback (a random port unless one is given),
 * asks Lanyard for the IdP's sign-in URL (`POST /api/v1/sso/oidc/cli/start` with that address and
 * a nonce it keeps to itself), opens the browser there (xdg-open, open or the Windows handler;
 * the URL is printed either way), and waits. Lanyard's callback sends the browser on to the
 * listener with the IdP's code; the CLI redeems it with the nonce (`POST …/cli/login`), shows the
 * outcome on the page, and hands the token to `lanyard login`, which stores it.
 *
 * With `headless=true [provider=NAME]` there is no browser and no listener: the device
 * authorization grant of a Lanyard provider is used instead (login_oidc_device.ts).
 *
 * Only a callback carrying the state of this sign-in is taken; anything else the browser (or a
 * web page guessing the port) sends to the listener is answered and ignored.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Envelope, LanyardClient } from '../client.js';
import { ApiError } from '../http/errors.js';
import { jsonObjectOf } from '../http/json_object.js';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';
import { explainSignInFailure } from './failure.js';
import { stdinOnce } from './input.js';
import { parseKeyValues } from './kv_args.js';
import type { LoginRequest, LoginResult } from './login_method.js';
import { deviceLogin } from './login_oidc_device.js';

export const OIDC_LOGIN_USAGE = 'lanyard login -method=oidc [port=PORT] [skip_browser=true] | headless=true [provider=NAME]';

const CALLBACK_PATH = '/oidc/callback';
/** How long the person has to finish signing in. */
const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export async function oidcLogin({ client, args, io }: LoginRequest): Promise<LoginResult> {
  const options = await loginOptions(args, io);
  // No browser on this machine: the device authorization grant of a Lanyard provider instead.
  if (options.headless) return deviceLogin(client, options.provider, io);
  const clientNonce = randomBytes(32).toString('base64url');
  const listener = await listen(options.port);
  try {
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}${CALLBACK_PATH}`;
    const started = await startSignIn(client, { redirectUri, clientNonce });
    const authUrl = typeof started.authUrl === 'string' && URL.canParse(started.authUrl) ? new URL(started.authUrl) : undefined;
    if (authUrl === undefined) throw new CliError("Error starting the OIDC login: the server's answer has no authUrl");

    io.stderr.write(`Complete the login via your OIDC provider. Launching browser to:\n\n    ${authUrl.href}\n\n`);
    if (!options.skipBrowser) openBrowser(authUrl.href, io);

    const envelope = await awaitCallback(listener, authUrl.searchParams.get('state') ?? '', (params) =>
      client.infisical('POST', '/api/v1/sso/oidc/cli/login', {
        body: { state: params.get('state'), code: params.get('code'), clientNonce, ...(params.has('iss') ? { iss: params.get('iss') } : {}) },
      }),
    );
    const token = envelope.auth?.client_token;
    if (typeof token !== 'string' || token === '') throw new CliError("Error logging in with OIDC: the server's answer has no token");
    return { token, shown: { json: envelope, envelope } };
  } finally {
    listener.closeAllConnections();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

interface OidcLoginOptions {
  readonly port: number;
  readonly skipBrowser: boolean;
  readonly headless: boolean;
  readonly provider: string;
}

async function loginOptions(args: readonly string[], io: CliIo): Promise<OidcLoginOptions> {
  const { port = '0', skip_browser: skipBrowser = 'false', headless = 'false', provider = 'default', ...rest } = await parseKeyValues(args, stdinOnce(io));
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw usageError(`unknown argument ${JSON.stringify(unknown[0])}: ${OIDC_LOGIN_USAGE}`);
  if (typeof port !== 'string' || !/^\d{1,5}$/.test(port) || Number(port) > 65535) throw usageError(`port must be a number from 0 to 65535: ${OIDC_LOGIN_USAGE}`);
  if (skipBrowser !== 'true' && skipBrowser !== 'false') throw usageError('skip_browser must be true or false');
  if (headless !== 'true' && headless !== 'false') throw usageError('headless must be true or false');
  if (typeof provider !== 'string' || !/^\w(?:[\w.-]*\w)?$/.test(provider)) throw usageError(`provider must be a provider name: ${OIDC_LOGIN_USAGE}`);
  return { port: Number(port), skipBrowser: skipBrowser === 'true', headless: headless === 'true', provider };
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new CliError(`Error: cannot listen on 127.0.0.1:${port} for the OIDC callback: ${error.code ?? error.message}`)));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Resolves with what `redeem` answers for the first callback that carries `state`. The browser is
 * kept waiting until then, so its page can say how it ended.
 */
function awaitCallback(server: Server, state: string, redeem: (params: URLSearchParams) => Promise<unknown>): Promise<Envelope> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => finish(new CliError('Error: timed out waiting for the OIDC login to finish in the browser')), SIGN_IN_TIMEOUT_MS);
    const finish = (error: Error | undefined, envelope?: Envelope) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.removeListener('request', onRequest);
      if (error === undefined) resolve(envelope!);
      else reject(error);
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) return answer(res, 404, 'Not found', 'This address only receives the Lanyard sign-in.');
      if (done || url.searchParams.get('state') !== state) {
        return answer(res, 400, 'Unexpected sign-in', 'This does not belong to the sign-in the terminal is waiting for. Start again from the terminal.');
      }
      const upstreamError = url.searchParams.get('error');
      if (upstreamError !== null) {
        const description = url.searchParams.get('error_description') ?? '';
        const message = upstreamError === 'access_denied' ? 'The sign-in service did not let you in, or you declined.' : `The sign-in service reported ${upstreamError}.`;
        answer(res, 403, 'Sign-in failed', `${message} Nothing was signed in.`);
        return finish(new CliError(`Error logging in with OIDC: ${message}${description === '' ? '' : ` (${description})`}`));
      }
      redeem(url.searchParams).then(
        (envelope) => {
          answer(res, 200, 'Signed in', 'You are signed in to Lanyard. You can close this window and return to the terminal.');
          finish(undefined, jsonObjectOf(envelope) as Envelope);
        },
        (error: unknown) => {
          answer(res, 400, 'Sign-in failed', `${serverReason(error)} See the terminal for details.`);
          const explained = explainSignInFailure(error, 'logging in with OIDC');
          finish(explained instanceof Error ? explained : new CliError(String(explained)));
        },
      );
    };
    server.on('request', onRequest);
  });
}

/** Asks Lanyard for the IdP's sign-in URL for this listener and nonce. */
async function startSignIn(client: LanyardClient, body: { redirectUri: string; clientNonce: string }): Promise<Readonly<Record<string, unknown>>> {
  try {
    return jsonObjectOf(await client.infisical('POST', '/api/v1/sso/oidc/cli/start', { body }));
  } catch (err) {
    throw explainSignInFailure(err, 'starting the OIDC login');
  }
}

/** What the server said about a refused login, for the browser page. */
function serverReason(error: unknown): string {
  return error instanceof ApiError && error.errors.length > 0 ? error.errors.join(' ') : 'The login could not be completed.';
}

/** Best effort: where no browser can be started the printed URL is the way. */
function openBrowser(url: string, io: CliIo): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => io.stderr.write('Could not open a browser: open the URL above yourself.\n'));
    child.unref();
  } catch {
    io.stderr.write('Could not open a browser: open the URL above yourself.\n');
  }
}

function answer(res: ServerResponse, status: number, title: string, message: string): void {
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Lanyard</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem;line-height:1.5">
<h1>${escape(title)}</h1><p role="alert">${escape(message)}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
  res.end(page);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
