/**
 * `lanyard login -method=oidc headless=true [provider=NAME]`: sign in to Lanyard from a terminal
 * without a browser (an SSH session) through the device authorization grant (RFC 8628) of a
 * Lanyard OIDC provider (default `default`).
 *
 * The CLI asks the provider for its CLI client (`<issuer>/cli/client`, the client an administrator
 * named `lanyard-cli`), starts a device authorization, prints the address and the code, and polls
 * the token endpoint at the interval the server asks for (longer after `slow_down`). The person
 * opens the address on any device, enters the code, signs in and consents. The access token is
 * then exchanged once for a Lanyard token (`<issuer>/cli/login`), which `lanyard login` stores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Envelope, LanyardClient } from '../client.js';
import { ApiError } from '../http/errors.js';
import { jsonObjectOf } from '../http/json_object.js';
import type { CliIo } from '../io.js';
import { CliError } from './cli_error.js';
import { explainSignInFailure } from './failure.js';
import type { LoginResult } from './login_method.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface DeviceStart {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete?: string;
  readonly expires_in: number;
  readonly interval?: number;
}

export async function deviceLogin(client: LanyardClient, provider: string, io: CliIo): Promise<LoginResult> {
  const base = `${client.address}/v1/identity/oidc/provider/${encodeURIComponent(provider)}`;
  const { client_id: clientId } = await call<{ client_id: string }>(client, 'finding the CLI client', `${base}/cli/client`);
  const discovery = await call<{ device_authorization_endpoint?: string; token_endpoint?: string }>(client, 'reading the provider', `${base}/.well-known/openid-configuration`);
  if (discovery.device_authorization_endpoint === undefined || discovery.token_endpoint === undefined) {
    throw new CliError(`Error: provider ${JSON.stringify(provider)} does not offer the device authorization grant`);
  }
  const started = await call<DeviceStart>(client, 'starting the device sign-in', discovery.device_authorization_endpoint, { client_id: clientId, scope: 'openid' });

  io.stderr.write(
    `To sign in, open this address in a browser on any device:\n\n    ${started.verification_uri}\n\nand enter the code:\n\n    ${started.user_code}\n\n` +
      (started.verification_uri_complete ? `(or open ${started.verification_uri_complete})\n\n` : '') +
      `Waiting for the sign-in (the code is valid ${Math.round(started.expires_in / 60)} minutes)...\n`,
  );

  let interval = Math.max(1, started.interval ?? 5);
  const deadline = Date.now() + started.expires_in * 1000;
  let accessToken: string | undefined;
  while (accessToken === undefined) {
    if (Date.now() > deadline) throw new CliError('Error: the device code expired before the sign-in was finished; run the command again');
    await sleep(interval * 1000);
    const answer = await poll(client, discovery.token_endpoint, { grant_type: DEVICE_GRANT, device_code: started.device_code, client_id: clientId });
    const error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
    if (answer.status === 200 && typeof answer.body.access_token === 'string') accessToken = answer.body.access_token;
    else if (error === 'authorization_pending') continue;
    else if (error === 'slow_down') interval += 5;
    else if (error === 'access_denied') throw new CliError('Error: the sign-in was cancelled or refused in the browser');
    else if (error === 'expired_token') throw new CliError('Error: the device code expired before the sign-in was finished; run the command again');
    else throw new CliError(`Error during the device sign-in: ${error ?? `code ${answer.status}`}${typeof answer.body.error_description === 'string' ? ` (${answer.body.error_description})` : ''}`);
  }

  const envelope = await call<Envelope>(client, 'logging in with the device sign-in', `${base}/cli/login`, { access_token: accessToken });
  const token = envelope.auth?.client_token;
  if (typeof token !== 'string' || token === '') throw new CliError("Error logging in: the server's answer has no token");
  return { token, shown: { json: envelope, envelope } };
}

/**
 * One poll of the token endpoint. Its refusals are the protocol (`authorization_pending`,
 * `slow_down`…), so an error status comes back as an answer for the loop to read, not as a failure.
 */
async function poll(client: LanyardClient, url: string, form: Record<string, string>): Promise<{ status: number; body: Readonly<Record<string, unknown>> }> {
  try {
    return { status: 200, body: jsonObjectOf(await client.oauth(url, form)) };
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: jsonObjectOf(err.body) };
    throw explainSignInFailure(err, 'waiting for the device sign-in');
  }
}

/** A GET (no form) or a form POST of the sign-in; a failure is explained with the server's words. */
async function call<T>(client: LanyardClient, action: string, url: string, form?: Record<string, string>): Promise<T> {
  try {
    return jsonObjectOf(await client.oauth(url, form)) as T;
  } catch (err) {
    throw explainSignInFailure(err, action);
  }
}
