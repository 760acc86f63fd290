/**
 * Sending the server-rendered pages, from Express routes and from inside the library (its error,
 * logout and logged-out pages), with the same protective headers: nothing cached, no framing
 * (clickjacking on the sign-in and consent forms), no scripts or outside resources at all.
 *
 * The CSP deliberately has no form-action: browsers apply it to the redirects that follow a form
 * post, and a completed sign-in ends with a redirect to the application's own origin.
 */
import type { Response } from 'express';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { errorPage } from './views/messages.js';

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The sign-in page with the passkey button loads one script from this server and fetches from it. */
const SCRIPT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export function sendPage(res: Response, status: number, body: string, options: { readonly scripts?: boolean } = {}): void {
  res.status(status).set(PAGE_HEADERS);
  if (options.scripts) res.set('Content-Security-Policy', SCRIPT_PAGE_CSP);
  res.type('html').send(body);
}

export function setPage(ctx: KoaContextWithOIDC, body: string): void {
  ctx.set(PAGE_HEADERS);
  ctx.type = 'html';
  ctx.body = body;
}

/**
 * The library's `renderError`: a protocol error that cannot be sent back to the application.
 * A person's browser (which prefers HTML) gets the error page; any other client the OAuth JSON
 * error, as the library's own error handler does for the endpoints that do not render.
 */
export function renderProtocolError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  if (ctx.accepts('json', 'html') !== 'html') {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = out;
    return;
  }
  const text = describeProtocolError(String(out.error), typeof out.error_description === 'string' ? out.error_description : undefined, ctx.oidc?.route);
  setPage(ctx, errorPage({ ...text, code: String(out.error) }));
}

interface ErrorText {
  readonly title: string;
  readonly message: string;
}

/** What to tell a person about a protocol error that cannot be sent back to the application. */
export function describeProtocolError(error: string, description: string | undefined, route?: string): ErrorText {
  if (route === 'end_session') {
    if (description?.includes('post_logout_redirect_uri')) {
      return {
        title: 'Unregistered return address',
        message: 'The application asked to send you back after signing out to an address it has not registered with Lanyard, so sign-out stopped here. You are still signed in.',
      };
    }
    return { title: 'Sign-out could not continue', message: description ?? 'The sign-out request from the application was not valid.' };
  }
  switch (error) {
    case 'invalid_redirect_uri':
      return {
        title: 'Unregistered return address',
        message: 'The application asked to send you back to an address it has not registered with Lanyard, so sign-in stopped here and nothing was sent to it.',
      };
    case 'invalid_client':
      return { title: 'Unknown application', message: 'The application that sent you here is not known to this sign-in service.' };
    case 'invalid_request':
      if (description?.includes('expired') || description?.includes('not found')) return expiredText;
      return { title: 'Sign-in could not continue', message: description ?? 'The request from the application was not valid.' };
    default:
      return { title: 'Sign-in could not continue', message: description ?? 'Something went wrong while signing you in.' };
  }
}

const expiredText: ErrorText = {
  title: 'This sign-in has expired',
  message: 'The sign-in request is no longer valid: it expired, was already completed, or was started in another browser.',
};

export function expiredInteractionPage(): string {
  return errorPage({ ...expiredText, code: 'interaction_expired' });
}
