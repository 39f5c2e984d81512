import { randomBytes } from 'node:crypto';
import { html, type HttpResponse } from '#shared/http/index.ts';
import { adminClientScript } from './client-script';
import { escapeHtml } from './escape';
import { pageStyle } from './style';

export interface AdminPageSpec {
  /** The document title and the page's h1. */
  title: string;
  /** Links above the title, home first; the last one is where the page sits. */
  crumbs: Array<{ href: string; label: string }>;
  /** data-* attributes of <body> the script reads (e.g. the Munchkin ID of the page). */
  data: Record<string, string>;
  /** The page's own markup (already escaped), shown once a token is at hand. */
  content: string;
  /** The page's own script; it runs after `ob` (client-script.ts) and calls `ob.start(load)`. */
  script: string;
  wide?: boolean;
}

/**
 * Every admin page: a shell with no data (the data comes from the admin API
 * with the admin's bearer token, which the page takes from the URL fragment
 * or asks for), the token form, the live regions, and one inline script
 * allowed by a fresh nonce.
 */
export function adminPage(spec: AdminPageSpec): HttpResponse {
  const nonce = randomBytes(16).toString('base64');
  const data = Object.entries(spec.data)
    .map(([name, value]) => ` data-${escapeHtml(name)}="${escapeHtml(value)}"`)
    .join('');
  const crumbs = spec.crumbs.map((crumb) => `<a href="${escapeHtml(crumb.href)}">${escapeHtml(crumb.label)}</a> ›`).join(' ');
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(spec.title)} · orgbridge</title><style>${pageStyle}</style></head>
<body${data}>
<main${spec.wide ? ' class="wide"' : ''}>
  <nav class="crumbs" aria-label="Breadcrumb">${crumbs} <button id="change-token" type="button" style="float:right;padding:2px 10px;font-size:13px">Change admin token</button></nav>
  <h1 id="page-title">${escapeHtml(spec.title)}</h1>
  <form id="token-form" hidden>
    <div id="token-problem"></div>
    <label for="token-input">Admin token</label>
    <p class="hint" id="token-hint">The bearer token (JWT) orgbridge gave you as an admin. It stays in this browser tab.</p>
    <input id="token-input" type="password" autocomplete="off" aria-describedby="token-hint">
    <button class="primary" type="submit">Continue</button>
  </form>
  <div id="alerts" role="alert"></div>
  <div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>
  <div id="page" hidden>
${spec.content}
  </div>
</main>
<script nonce="${nonce}">${adminClientScript}
${spec.script}</script>
</body>
</html>`;
  return html(200, body, { scriptNonce: nonce });
}
