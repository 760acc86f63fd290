/**
 * The second sign-in step: a verification code from an authenticator app. A plain form (no
 * JavaScript) with one numeric field that phones and password managers fill from the app
 * (`autocomplete="one-time-code"`); a wrong code re-renders it with the reason announced
 * (role=alert) and tied to the field, focus back on it.
 */
import { html } from './html.js';
import { page } from './layout.js';

export interface CodeView {
  readonly clientName: string;
  readonly accountName: string;
  readonly action: string;
  readonly abortAction: string;
  readonly csrf: string;
  /** Digits the code has (6 or 8): the field's length hint. */
  readonly digits: number;
  readonly error?: string;
  /** "Use a passkey instead" (the person has one): where it posts, its options and script. */
  readonly passkey?: { readonly action: string; readonly optionsUrl: string; readonly scriptUrl: string };
}

export function codePage(view: CodeView): string {
  const failed = view.error !== undefined;
  return page({
    title: 'Verification code',
    body: html`<h1>Two-step verification</h1>
<p class="lead">Signing in as <strong>${view.accountName}</strong> to continue to <strong>${view.clientName}</strong></p>
${failed ? html`<p class="error" id="code-error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="field">
<label for="code">Verification code</label>
<p class="muted" id="code-help">Enter the ${view.digits}-digit code your authenticator app shows for this account.</p>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]*" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required minlength="6" maxlength="8" size="10"
 aria-describedby="${failed ? 'code-error code-help' : 'code-help'}" ${failed ? html`aria-invalid="true"` : ''} autofocus>
</div>
<div class="actions">
<button type="submit" class="primary">Verify</button>
</div>
</form>
${view.passkey === undefined ? '' : html`<form method="post" action="${view.passkey.action}" id="passkey-form" data-options="${view.passkey.optionsUrl}" class="actions">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="challenge_id" value="">
<input type="hidden" name="credential" value="">
<button type="submit" class="secondary">Use a passkey instead</button>
<p class="muted" id="passkey-status" role="status" aria-live="polite" style="flex-basis:100%;margin:0"></p>
</form>
<script src="${view.passkey.scriptUrl}" defer></script>`}
<form method="post" action="${view.abortAction}" class="footer">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="link">Cancel and return to ${view.clientName}</button>
</form>`,
  });
}
