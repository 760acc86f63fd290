/**
 * The device sign-in pages (RFC 8628 §3.3), in the same frame, style and headers as the sign-in
 * and consent pages: "enter the code shown on your device", "is this the code on your device?",
 * and the result. They work without JavaScript; errors are announced (role=alert) and tied to the
 * code field. After the confirmation the person signs in and consents on the usual pages.
 */
import { html } from '../views/html.js';
import { page } from '../views/layout.js';

export const USER_CODE_MASK = '****-****';

const CODE_STYLE = 'font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.6rem;letter-spacing:.15em;text-transform:uppercase;text-align:center';

export interface CodeInputView {
  readonly action: string;
  /** The library's anti-forgery value for the form (field `xsrf`). */
  readonly xsrf: string;
  readonly code?: string;
  readonly error?: string;
}

export function codeInputPage(view: CodeInputView): string {
  const failed = view.error !== undefined;
  return page({
    title: 'Connect a device',
    body: html`<h1>Connect a device</h1>
<p class="lead">Enter the code shown on the device or in the terminal you are signing in to.</p>
${failed ? html`<p class="error" id="code-error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="xsrf" value="${view.xsrf}">
<div class="field">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" value="${view.code ?? ''}" style="${CODE_STYLE}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="32" aria-describedby="${failed ? 'code-error code-help' : 'code-help'}" ${failed ? html`aria-invalid="true"` : ''} autofocus>
<p class="muted" id="code-help">Eight letters, for example BCDF-GHJK. Dashes and spaces are optional.</p>
</div>
<div class="actions">
<button type="submit" class="primary">Continue</button>
</div>
</form>`,
  });
}

export interface ConfirmView {
  readonly action: string;
  readonly xsrf: string;
  readonly userCode: string;
  readonly clientName: string;
}

export function confirmPage(view: ConfirmView): string {
  const hidden = html`<input type="hidden" name="xsrf" value="${view.xsrf}">
<input type="hidden" name="user_code" value="${view.userCode}">`;
  return page({
    title: 'Confirm the device',
    body: html`<h1>Is this your device?</h1>
<p class="lead"><strong>${view.clientName}</strong> on a device asks to sign in as you. Continue only if it shows this code:</p>
<p style="${CODE_STYLE};margin:0 0 1.25rem" aria-label="Code ${view.userCode.split('').join(' ')}">${view.userCode}</p>
<p class="muted">If you did not start this, or the code differs, cancel: someone may be trying to get you to sign them in.</p>
<form method="post" action="${view.action}">
${hidden}
<div class="actions">
<button type="submit" class="primary" name="confirm" value="yes" autofocus>Continue</button>
<button type="submit" class="secondary" name="abort" value="yes">Cancel</button>
</div>
</form>`,
  });
}

export function deviceSuccessPage(clientName: string): string {
  return page({
    title: 'Device connected',
    body: html`<h1>Device connected</h1>
<p class="lead" role="status">You are signed in to <strong>${clientName}</strong> on your device.</p>
<p class="muted">You can close this window and return to your device.</p>`,
  });
}

export function tooManyAttemptsPage(retryAfterSeconds: number): string {
  return page({
    title: 'Too many attempts',
    body: html`<h1>Too many attempts</h1>
<p class="lead" role="alert">Too many codes were entered that did not match. Wait ${String(Math.ceil(retryAfterSeconds / 60))} minute(s), then try again.</p>`,
  });
}
