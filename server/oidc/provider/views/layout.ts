/**
 * The page frame shared by the sign-in, consent, logout and error pages: one centred card with
 * the Lanyard mark, styled inline (no external assets, no JavaScript), readable at any width,
 * with visible keyboard focus and colours meeting WCAG AA contrast.
 */
import { html, trusted, type Html } from './html.js';

export interface PageOptions {
  /** The document title (also read first by screen readers). */
  readonly title: string;
  readonly body: Html;
}

const STYLE = `
:root{color-scheme:light;--ink:#1b1f2a;--muted:#545b6b;--line:#d5d9e2;--bg:#eef1f6;--card:#fff;--brand:#2f3f9e;--brand-dark:#24317d;--danger:#a61b1b;--danger-bg:#fdecec;--focus:#1d4ed8}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:100%;line-height:1.5;color:var(--ink);background:var(--bg)}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:8vh 1rem 2rem}
.card{width:100%;max-width:25rem;background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 12px 32px rgba(27,31,42,.08);padding:2rem 2rem 1.5rem}
.brand{display:flex;align-items:center;gap:.6rem;margin:0 0 1.5rem;font-weight:650;letter-spacing:.01em;font-size:1.05rem}
.mark{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:9px;background:var(--brand);color:#fff;font-weight:700;font-size:1rem;box-shadow:inset 0 -3px 0 rgba(0,0,0,.18)}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .35rem;font-weight:650}
.lead{margin:0 0 1.5rem;color:var(--muted)}
.lead strong{color:var(--ink)}
.field{margin:0 0 1.1rem}
label{display:block;font-weight:600;margin:0 0 .35rem;font-size:.95rem}
input[type=text],input[type=password]{display:block;width:100%;font:inherit;padding:.65rem .75rem;border:1px solid #9aa1b1;border-radius:8px;background:#fff;color:var(--ink)}
input[aria-invalid=true]{border-color:var(--danger)}
.error{display:flex;gap:.5rem;margin:0 0 1.25rem;padding:.7rem .85rem;border-radius:8px;background:var(--danger-bg);color:var(--danger);font-weight:550}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button{font:inherit;font-weight:600;border-radius:8px;padding:.65rem 1.1rem;cursor:pointer;border:1px solid transparent}
.primary{background:var(--brand);color:#fff;flex:1 1 auto}
.primary:hover{background:var(--brand-dark)}
.secondary{background:#fff;color:var(--ink);border-color:#9aa1b1;flex:1 1 auto}
.secondary:hover{background:#f4f6fa}
.link{background:none;border:0;padding:0;color:var(--brand);text-decoration:underline;font-weight:500}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
input:focus-visible{outline-offset:0}
.scopes{list-style:none;margin:0 0 1.25rem;padding:0;border:1px solid var(--line);border-radius:10px}
.scopes li{padding:.7rem .9rem;border-top:1px solid var(--line)}
.scopes li:first-child{border-top:0}
.scopes .what{display:block;font-weight:600}
.scopes .name{display:block;color:var(--muted);font-size:.85rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.muted{color:var(--muted);font-size:.92rem}
.footer{margin:1.5rem 0 0;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.85rem}
@media (max-width:30rem){body{padding-top:1rem}.card{padding:1.5rem 1.25rem 1.25rem;border-radius:12px}}
`;

// The style sheet is a constant of this module: nothing from a request reaches it.
const STYLE_SHEET = trusted(STYLE);

export function page(options: PageOptions): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title} · Lanyard</title>
<style>${STYLE_SHEET}</style>
</head>
<body>
<main class="card">
<p class="brand"><span class="mark" aria-hidden="true">L</span><span>Lanyard</span></p>
${options.body}
</main>
</body>
</html>
`.text;
}
