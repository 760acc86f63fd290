/**
 * The consent page: which application asks, for what (each requested scope in words, with its
 * name), and two buttons in one form, Allow and Deny, that work without JavaScript.
 */
import { html } from './html.js';
import { page } from './layout.js';

export interface ConsentScope {
  readonly name: string;
  readonly description: string;
}

export interface ConsentView {
  readonly clientName: string;
  /** Who is signed in, so a user on a shared machine notices the wrong account. */
  readonly accountName: string;
  readonly scopes: readonly ConsentScope[];
  readonly action: string;
  readonly abortAction: string;
  readonly csrf: string;
}

export function consentPage(view: ConsentView): string {
  const scopes = view.scopes.map(
    (scope) => html`<li><span class="what">${scope.description}</span><span class="name">${scope.name}</span></li>`,
  );
  return page({
    title: `Allow ${view.clientName}?`,
    body: html`<h1>Allow access?</h1>
<p class="lead"><strong>${view.clientName}</strong> would like to:</p>
<ul class="scopes">${scopes}</ul>
<p class="muted">Signed in as <strong>${view.accountName}</strong>.</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="actions">
<button type="submit" class="primary" autofocus>Allow</button>
<button type="submit" class="secondary" formaction="${view.abortAction}">Deny</button>
</div>
</form>`,
  });
}
