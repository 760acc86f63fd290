/**
 * The sign-in page: a username and password form (inputs `username` and `password`, part of the
 * outside contract) that works without JavaScript. A failed attempt re-renders it with the error
 * announced (role=alert), tied to both fields (aria-describedby) and focus on the field to fix.
 */
import { html } from './html.js';
import { page } from './layout.js';

export interface LoginView {
  readonly clientName: string;
  /** Where the form posts, and where "cancel" posts. */
  readonly action: string;
  readonly abortAction: string;
  readonly csrf: string;
  /** The username to fill in: the one just tried, or the application's login_hint. */
  readonly username?: string;
  readonly error?: string;
  /** Upstream SSO, when configured: the button's text and where its form posts. */
  readonly sso?: { readonly label: string; readonly action: string };
  /** "Use a passkey" (interactions/passkey_signin.ts): where it posts, its options and script. */
  readonly passkey?: { readonly action: string; readonly optionsUrl: string; readonly scriptUrl: string };
}

export function loginPage(view: LoginView): string {
  const failed = view.error !== undefined;
  const fieldState = failed ? html`aria-invalid="true" aria-describedby="login-error"` : '';
  // Autofocus where the user has to type next: the password once the username is known.
  const focusPassword = (view.username ?? '') !== '';

  const heading = html`<h1>Sign in</h1>
<p class="lead">to continue to <strong>${view.clientName}</strong></p>
${failed ? html`<p class="error" id="login-error" role="alert">${view.error}</p>` : ''}`;

  const passwordForm = html`<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="field">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="512" ${fieldState} ${focusPassword ? '' : html`autofocus`}>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="8192" ${fieldState} ${focusPassword ? html`autofocus` : ''}>
</div>
<div class="actions">
<button type="submit" class="primary">Sign in</button>
</div>
</form>`;

  // The passkey button needs the script (WebAuthn has no form-only way); posted without it, the
  // server explains that the password form is the way without JavaScript.
  const passkeyForm =
    view.passkey === undefined
      ? ''
      : html`<form method="post" action="${view.passkey.action}" id="passkey-form" data-options="${view.passkey.optionsUrl}" class="actions">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="challenge_id" value="">
<input type="hidden" name="credential" value="">
<button type="submit" class="secondary">Use a passkey</button>
<p class="muted" id="passkey-status" role="status" aria-live="polite" style="flex-basis:100%;margin:0"></p>
</form>
<script src="${view.passkey.scriptUrl}" defer></script>`;

  const cancel = html`<form method="post" action="${view.abortAction}" class="footer">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="link">Cancel and return to ${view.clientName}</button>
</form>`;

  // Upstream SSO ("Sign in with …"): between the password form and the cancel link, a small form
  // posting to the interaction like the password form.
  const ssoForm =
    view.sso === undefined
      ? ''
      : html`<form method="post" action="${view.sso.action}" class="actions">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="secondary">${view.sso.label}</button>
</form>`;

  return page({ title: 'Sign in', body: html`${heading}
${passwordForm}
${ssoForm}
${passkeyForm}
${cancel}` });
}
