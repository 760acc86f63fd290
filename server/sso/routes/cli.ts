/**
 * The server side of `lanyard login -method=oidc`, shaped after Vault's CLI OIDC flow:
 *
 *   POST /api/v1/sso/oidc/cli/start {redirectUri, clientNonce}      → {authUrl}
 *   POST /api/v1/sso/oidc/cli/login {state, code, iss?, clientNonce} → Vault login answer (auth block)
 *
 * The CLI listens on a loopback address and opens `authUrl`; after the person signs in upstream,
 * the callback forwards the IdP's answer to `redirectUri`, and the CLI redeems it here, showing the
 * same `clientNonce` again. Only loopback http redirect URIs are accepted, and only the hash of
 * the nonce is kept: whoever else catches the loopback redirect (another local process, a page
 * that guessed the port) holds a code and a state but cannot redeem them.
 *
 * A refusal answers in Infisical's error shape; `message` is written for the person and the CLI
 * shows it as is.
 */
import { authBlock, loginAnswer } from '../../tokens/auth_block.js';
import { sha256Hex, safeEqual } from '../../util/random.js';
import { badRequest, ValidationFailure } from '../../http/infisical_errors.js';
import { decodeBody, readRawBody } from '../../http/body.js';
import { requiredString } from '../../http/body_schema.js';
import { PUBLIC_BODY_LIMIT, type InfisicalPath } from '../../http/infisical_path.js';
import { identityPoliciesOf } from '../../identity/membership.js';
import { beginUpstreamLogin } from '../begin.js';
import { completeUpstreamLogin } from '../complete.js';
import type { SsoContext } from '../context.js';
import { SsoLoginError } from '../failures.js';
import { logSignInFailure } from '../log_failure.js';
import { SignInStartLimiter } from '../start_limiter.js';

const MIN_NONCE_LENGTH = 16;
const MAX_NONCE_LENGTH = 256;
const MAX_REDIRECT_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function cliPaths(sso: SsoContext): InfisicalPath[] {
  const { services } = sso;
  const starts = new SignInStartLimiter(services.now);

  const start: InfisicalPath = {
    method: 'post',
    pattern: '/api/v1/sso/oidc/cli/start',
    async handle({ http, ctx }) {
      // Counted before anything else, the body included: malformed starts cost the server too.
      starts.take(ctx.clientIp);
      const body = decodeBody(await readRawBody(http, PUBLIC_BODY_LIMIT), http.headers['content-type']);
      const redirectUri = loopbackRedirect(requiredString(body, 'redirectUri'));
      const clientNonce = nonceOf(body);
      try {
        const authUrl = await beginUpstreamLogin(services, { kind: 'cli', redirectUri, clientNonceHash: sha256Hex(clientNonce) });
        return { authUrl: authUrl.href };
      } catch (error) {
        logSignInFailure(ctx.log, error, 'cli');
        throw error;
      }
    },
  };

  const login: InfisicalPath = {
    method: 'post',
    pattern: '/api/v1/sso/oidc/cli/login',
    body: 'public',
    async handle({ body, ctx }) {
      const state = requiredString(body, 'state');
      const code = requiredString(body, 'code');
      const clientNonce = nonceOf(body);
      const iss = typeof body.iss === 'string' ? body.iss : undefined;
      try {
        const pending = await sso.pending.peek(state);
        // A wrong nonce leaves the sign-in in place: the CLI that holds the right one may still finish it.
        if (pending?.purpose.kind !== 'cli' || !safeEqual(sha256Hex(clientNonce), pending.purpose.clientNonceHash)) {
          throw new SsoLoginError('unknown_state', pending === undefined ? 'no pending sign-in for this state' : 'not a CLI sign-in, or the client nonce does not match');
        }
        if ((await sso.pending.consume(state)) === undefined) throw new SsoLoginError('unknown_state', 'the sign-in was already redeemed');
        const params = new URLSearchParams({ code, state, ...(iss === undefined ? {} : { iss }) });
        const signIn = await completeUpstreamLogin(sso, pending, params, ctx.log);

        const issued = await services.tokens.create({
          policies: ['default'],
          entityId: signIn.entity.id,
          displayName: `oidc-${signIn.email}`,
          meta: { email: signIn.email },
          path: 'auth/oidc/login',
        });
        const identityPolicies = await identityPoliciesOf(services.storage, signIn.entity);
        ctx.log.info('sso sign-in', { purpose: 'cli', entity_id: signIn.entity.id, token_accessor: issued.record.accessor });
        return loginAnswer(ctx.requestId, authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies), 'oidc');
      } catch (error) {
        logSignInFailure(ctx.log, error, 'cli');
        throw error;
      }
    },
  };

  return [start, login];
}

/** An `http` URL on a loopback host with an explicit port (RFC 8252 §7.3), without query or fragment. */
function loopbackRedirect(value: string): string {
  const refuse = (why: string) => badRequest(`redirectUri must be a loopback address such as http://127.0.0.1:8250/oidc/callback: ${why}`);
  if (value.length > MAX_REDIRECT_LENGTH || !URL.canParse(value)) throw refuse('not a URL');
  const url = new URL(value);
  if (url.protocol !== 'http:') throw refuse('use http');
  if (!LOOPBACK_HOSTS.has(url.hostname)) throw refuse(`${url.hostname} is not a loopback host`);
  if (url.port === '') throw refuse('give the port');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') throw refuse('no credentials, query or fragment');
  return url.href;
}

function nonceOf(body: Readonly<Record<string, unknown>>): string {
  const nonce = requiredString(body, 'clientNonce');
  if (nonce.length < MIN_NONCE_LENGTH || nonce.length > MAX_NONCE_LENGTH) {
    throw new ValidationFailure([{ code: nonce.length < MIN_NONCE_LENGTH ? 'too_small' : 'too_big', path: ['clientNonce'], message: `Must be ${MIN_NONCE_LENGTH} to ${MAX_NONCE_LENGTH} characters` }]);
  }
  return nonce;
}
