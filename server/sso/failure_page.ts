/**
 * The page a person sees when an upstream sign-in fails: the sign-in pages' own frame and styles
 * (server/oidc/provider/views), a title and a sentence saying what happened and what to do, an
 * optional way back to the sign-in page, and the reason code, small, for whoever they report it
 * to. The operator's detail never reaches the page.
 */
import type { Response } from 'express';
import { sendPage } from '../oidc/provider/pages.js';
import { html } from '../oidc/provider/views/html.js';
import { page } from '../oidc/provider/views/layout.js';
import { SSO_FAILURES, type SsoFailureReason } from './failures.js';

export interface FailurePageOptions {
  /** Where "Try again" leads (the sign-in page the person came from), when there is one. */
  readonly retryUrl?: string;
}

export function failurePage(reason: SsoFailureReason, options: FailurePageOptions = {}): string {
  const { title, message } = SSO_FAILURES[reason];
  const next =
    options.retryUrl === undefined
      ? html`<p class="muted">Close this window and start again from the application you were using.</p>`
      : // A form rather than a link: it gets the pages' button style, and works without JavaScript.
        html`<form method="get" action="${options.retryUrl}" class="actions"><button type="submit" class="primary">Back to sign-in</button></form>`;
  return page({
    title,
    body: html`<h1>${title}</h1>
<p class="lead" role="alert">${message}</p>
${next}
<p class="footer">Error code: <code>${reason}</code></p>`,
  });
}

export function sendFailurePage(res: Response, reason: SsoFailureReason, options: FailurePageOptions = {}): void {
  sendPage(res, SSO_FAILURES[reason].status, failurePage(reason, options));
}
