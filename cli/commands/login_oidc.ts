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
import { UnreachableError, type Envelope, type LanyardClient } from '../client.js';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';
import { explainFailure } from './failure.js';
import { stdinOnce } from './input.js';
import { parseKeyValues } from './kv_args.js';
import type { LoginRequest, LoginResult } from './login_method.js';
import { deviceLogin } from './login_oidc_device.js';

export const OIDC_LOGIN_USAGE = 'lanyard login -method=oidc [port=PORT] [skip_browser=true] | headless=true [provider=NAME]';

const CALLBACK_PATH = '/oidc/callback';
const REQUEST_TIMEOUT_MS = 60_000;
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
    const started = await callApi(client, 'starting the OIDC login', '/api/v1/sso/oidc/cli/start', { redirectUri, clientNonce });
    const authUrl = typeof started.authUrl === 'string' && URL.canParse(started.authUrl) ? new URL(started.authUrl) : undefined;
    if (authUrl === undefined) throw new CliError("Error starting the OIDC login: the server's answer has no authUrl");

    io.stderr.write(`Complete the login via your OIDC provider. Launching browser to:\n\n    ${authUrl.href}\n\n`);
    if (!options.skipBrowser) openBrowser(authUrl.href, io);

    const envelope = await awaitCallback(listener, authUrl.searchParams.get('state') ?? '', (params) =>
      callApi(client, 'logging in with OIDC', '/api/v1/sso/oidc/cli/login', {
        state: params.get('state'),
        code: params.get('code'),
        clientNonce,
        ...(params.has('iss') ? { iss: params.get('iss') } : {}),
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
function awaitCallback(server: Server, state: string, redeem: (params: URLSearchParams) => Promise<Record<string, unknown>>): Promise<Envelope> {
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
          finish(undefined, envelope as Envelope);
        },
        (error: unknown) => {
          answer(res, 400, 'Sign-in failed', `${serverReason(error)} See the terminal for details.`);
          finish(error instanceof Error ? error : new CliError(String(error)));
        },
      );
    };
    server.on('request', onRequest);
  });
}

/** A POST to Lanyard's `/api/v1` (outside the Vault-shaped `/v1` the client speaks), explained on failure. */
async function callApi(client: LanyardClient, action: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${client.address}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : networkReason(error);
    throw explainFailure(new UnreachableError(client.address, reason, error), action, client);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (response.ok && typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  // Not explainFailure: a 403 here is a refused sign-in (say, the email domain), not a token problem.
  const lines = infisicalMessages(parsed);
  throw new CliError([`Error ${action}: code ${response.status}`, ...lines.map((line) => `  * ${line}`)].join('\n'));
}

/** What the server said about a refused login, for the browser page. */
function serverReason(error: unknown): string {
  const lines = error instanceof Error ? error.message.split('\n') : [];
  const reasons = lines.filter((line) => line.startsWith('  * ')).map((line) => line.slice(4));
  return reasons.length > 0 ? reasons.join(' ') : 'The login could not be completed.';
}

/** The lines of an Infisical-shaped error (`message` is a text, or a list of validation issues). */
function infisicalMessages(body: unknown): string[] {
  const message = (body as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string') return [message];
  if (Array.isArray(message)) return message.map((issue) => String((issue as { message?: unknown }).message ?? JSON.stringify(issue)));
  return [];
}

function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code === 'ECONNREFUSED' ? 'connection refused' : code;
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
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
