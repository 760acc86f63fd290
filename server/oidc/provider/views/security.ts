/**
 * The Security page (`<issuer>/security`): the signed-in person's passkeys, each with a form to
 * rename it and one to remove it, and a form to register a new one. Renaming and removing are
 * plain forms (no JavaScript); registering needs the page's script, as WebAuthn has no form-only
 * way, and says so when posted without it. Every form carries the anti-forgery token.
 */
import { html } from './html.js';
import { page } from './layout.js';

export interface SecurityPasskey {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  readonly lastUsed: string;
}

export interface SecurityView {
  /** The page's own path; forms post below it. */
  readonly base: string;
  readonly csrf: string;
  readonly who: string;
  readonly passkeys: readonly SecurityPasskey[];
  /** A result of the last change, announced politely. */
  readonly notice?: string;
  readonly error?: string;
  /** Why adding and removing are refused for this sign-in (shown above the forms), if they are. */
  readonly restricted?: string;
}

const day = (iso: string): string => (iso === '' ? 'never' : iso.slice(0, 10));

export function securityPage(view: SecurityView): string {
  const token = html`<input type="hidden" name="csrf" value="${view.csrf}">`;
  const rows = view.passkeys.map(
    (p, i) => html`<li>
<form method="post" action="${view.base}/passkeys/${p.id}/name">
${token}
<label for="name-${i}">Passkey name</label>
<input id="name-${i}" name="name" type="text" value="${p.name}" required maxlength="128" aria-describedby="info-${i}">
<p class="muted" id="info-${i}">Added ${day(p.created)}, last used ${day(p.lastUsed)}</p>
<div class="actions"><button type="submit" class="secondary" aria-label="Save name of ${p.name}">Save name</button></div>
</form>
<form method="post" action="${view.base}/passkeys/${p.id}/remove" class="actions">
${token}
<button type="submit" class="secondary">Remove ${p.name}</button>
</form>
</li>`,
  );
  const list =
    view.passkeys.length === 0
      ? html`<p class="muted">You have no passkeys yet.</p>`
      : html`<ul class="scopes" aria-label="Your passkeys">${rows}</ul>`;

  return page({
    title: 'Security',
    body: html`<h1>Security</h1>
<p class="lead">Signed in as <strong>${view.who}</strong></p>
${view.error !== undefined ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<p class="muted" id="security-status" role="status" aria-live="polite">${view.notice ?? ''}</p>
<h2>Passkeys</h2>
${view.restricted !== undefined ? html`<p class="muted" id="security-restricted">${view.restricted}</p>` : ''}
${list}
<form method="post" action="${view.base}/passkeys" id="register-form" data-options="${view.base}/passkeys/options">
${token}
<input type="hidden" name="challenge_id" value="">
<input type="hidden" name="credential" value="">
<div class="field">
<label for="new-name">Name for a new passkey</label>
<input id="new-name" name="name" type="text" maxlength="128" placeholder="For example: work laptop">
</div>
<div class="actions"><button type="submit" class="primary">Add a passkey</button></div>
</form>
<script src="${view.base}/security.js" defer></script>`,
  });
}
