/**
 * The device authorization grant (RFC 8628) of one provider, as node-oidc-provider's `deviceFlow`
 * feature with Lanyard's pages:
 *
 *   POST <issuer>/device/auth   device authorization endpoint (device_code, user_code, URIs)
 *   GET  <issuer>/device        "enter the code" page (also with ?user_code=… from the complete URI)
 *   POST <issuer>/device        the code entered → confirmation page → the usual sign-in and
 *                               consent interaction → the result page
 *
 * A client may use it when its `grant_types` include the device_code grant; public clients may
 * (they then authenticate with client_id only, as RFC 8628 §3.1 allows). User codes are eight
 * letters from a 20-consonant alphabet (no vowels, so no words; no 0/O or 1/I look-alikes),
 * shown as BCDF-GHJK and accepted in any case with or without separators: 20^8 ≈ 2.6·10^10
 * codes, each valid for ten minutes, with wrong entries limited per client address
 * (user_code_limiter.ts). Polling answers slow_down and expired_token as §3.5 says (polling.ts).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { setPage } from '../pages.js';
import { errorPage } from '../views/messages.js';
import { USER_CODE_MASK, codeInputPage, confirmPage, deviceSuccessPage } from './views.js';

export const DEVICE_ROUTES = {
  device_authorization: '/device/auth',
  code_verification: '/device',
} as const;

/** Device codes and their user codes live ten minutes (RFC 8628's example; the library's default). */
export const DEVICE_CODE_TTL = 10 * 60;

/** Requests whose entered code matched no device code (counted by the limiter). */
const misses = new WeakSet<object>();

export function enteredUnknownCode(ctx: KoaContextWithOIDC): boolean {
  return misses.has(ctx);
}

function formAction(ctx: KoaContextWithOIDC): string {
  return new URL(ctx.oidc.urlFor('code_verification')).pathname;
}

function xsrfOf(ctx: KoaContextWithOIDC): string {
  const state = ctx.oidc.session?.state;
  return typeof state?.secret === 'string' ? state.secret : '';
}

/** What to tell the person about a code that was not accepted (the library's re-render errors). */
function inputError(ctx: KoaContextWithOIDC, err: Error | undefined): string | undefined {
  if (err === undefined) return undefined;
  switch (err.name) {
    case 'NoCodeError':
      return 'Enter the code shown on your device.';
    case 'NotFoundError':
      misses.add(ctx);
      return 'That code is not valid. Check it on your device and try again.';
    case 'ExpiredError':
      return 'That code has expired. Start again on your device to get a new one.';
    case 'AlreadyUsedError':
      return 'That code was already used. Start again on your device to get a new one.';
    case 'AbortedError': {
      // Refusals arrive as access_denied wrapped in AbortedError: the person's own cancel, or a
      // refusal by Lanyard (an account the application's assignments leave out, a disabled one).
      const description = (err.cause as { error_description?: unknown } | undefined)?.error_description;
      if (typeof description === 'string' && description !== '' && description !== 'End-User aborted interaction') {
        return 'Your account may not sign in to this application, so the device was not signed in.';
      }
      return 'Sign-in was cancelled; the device was not signed in. Enter a code to start again.';
    }
    default:
      return 'The device could not be signed in. Start again on your device to get a new code.';
  }
}

export function deviceFlowFeature() {
  return {
    enabled: true,
    charset: 'base-20' as const,
    mask: USER_CODE_MASK,
    userCodeInputSource: (ctx: KoaContextWithOIDC, _form: string, _out?: unknown, err?: Error) => {
      const error = inputError(ctx, err);
      const code = (err as { userCode?: unknown } | undefined)?.userCode;
      setPage(ctx, codeInputPage({ action: formAction(ctx), xsrf: xsrfOf(ctx), ...(typeof code === 'string' && code.length <= 32 ? { code } : {}), ...(error === undefined ? {} : { error }) }));
      // A refused code is the sender's problem; the library answers these re-renders with 200.
      if (error !== undefined) ctx.status = 400;
    },
    userCodeConfirmSource: (ctx: KoaContextWithOIDC, _form: string, client: { clientId: string; clientName?: string | undefined }, _deviceInfo: unknown, userCode: string) => {
      setPage(ctx, confirmPage({ action: formAction(ctx), xsrf: xsrfOf(ctx), userCode, clientName: client.clientName ?? client.clientId }));
    },
    successSource: (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client;
      setPage(ctx, client === undefined ? errorPage({ title: 'Device connected', message: 'You can close this window.' }) : deviceSuccessPage(client.clientName ?? client.clientId));
    },
  };
}
