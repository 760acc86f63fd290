/**
 * Pages that only inform: errors shown to the user instead of being sent to an application
 * (unknown client, unregistered redirect URI, expired sign-in), and the logout confirmation and
 * result pages of RP-initiated logout.
 */
import { html, trusted } from './html.js';
import { page } from './layout.js';

export interface ErrorView {
  readonly title: string;
  readonly message: string;
  /** The protocol error code, shown small for whoever reports the problem. */
  readonly code?: string;
}

export function errorPage(view: ErrorView): string {
  return page({
    title: view.title,
    body: html`<h1>${view.title}</h1>
<p class="lead" role="alert">${view.message}</p>
<p class="muted">Close this window and start again from the application you were using.</p>
${view.code ? html`<p class="footer">Error code: <code>${view.code}</code></p>` : ''}`,
  });
}

export interface LogoutView {
  /** The library's hidden form (action and anti-forgery field) the buttons submit. */
  readonly form: string;
  readonly clientName?: string;
}

export function logoutPage(view: LogoutView): string {
  return page({
    title: 'Sign out',
    body: html`<h1>Sign out?</h1>
<p class="lead">${view.clientName ? html`<strong>${view.clientName}</strong> asks to end` : 'End'} your Lanyard session on this device.</p>
${trusted(view.form)}
<div class="actions">
<button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" class="secondary" form="op.logoutForm">Stay signed in</button>
</div>`,
  });
}

export function loggedOutPage(): string {
  return page({
    title: 'Signed out',
    body: html`<h1>You are signed out</h1>
<p class="lead">Your Lanyard session on this device has ended.</p>
<p class="muted">You can close this window.</p>`,
  });
}
