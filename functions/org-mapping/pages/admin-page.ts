import { randomBytes } from 'node:crypto';
import { html, type HttpResponse } from '#shared/http/index.ts';
import { adminPageScript } from './admin-page-script';
import { escapeHtml } from './escape';
import { pageStyle } from './style';

/**
 * Admin > Integration > Adobe Organization Mapping. The page is a shell with
 * no data: it calls the admin API with the admin's bearer token, which it
 * takes from the URL fragment or asks for.
 */
export function adminPage(munchkinId: string): HttpResponse {
  const nonce = randomBytes(16).toString('base64');
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Adobe Organization Mapping</title><style>${pageStyle}</style></head>
<body data-munchkin-id="${escapeHtml(munchkinId)}">
<main>
  <h1>Adobe Organization Mapping</h1>
  <form id="token-form" hidden>
    <label>Admin token <input id="token-input" type="password" autocomplete="off"></label>
    <button class="primary" type="submit">Continue</button>
  </form>
  <section id="mapping">
    <dl>
      <dt>Marketo instance</dt><dd>${escapeHtml(munchkinId)}</dd>
      <dt>Status</dt><dd id="status">loading</dd>
      <dt>Adobe IMS Org ID</dt><dd id="org-id">-</dd>
      <dt>Confirmed</dt><dd id="confirmed-at">-</dd>
    </dl>
    <p id="notice" class="notice" hidden></p>
    <form id="edit-form" hidden>
      <label for="org-id-input">Adobe IMS Org ID</label>
      <input id="org-id-input" name="imsOrgId" placeholder="0123456789ABCDEF01234567@AdobeOrg" autocomplete="off" spellcheck="false">
      <button id="ok" class="primary" type="submit">OK</button>
      <button id="cancel" type="button">Cancel</button>
    </form>
    <p>
      <button id="edit" type="button" hidden>Edit</button>
      <button id="confirm" class="primary" type="button" hidden>Confirm</button>
    </p>
    <p id="signin" hidden>Your browser blocked the Adobe sign-in window: <a id="signin-link" target="orgbridge-adobe-login" rel="opener">open it here</a>.</p>
    <p id="result" role="status" hidden></p>
    <button id="close" type="button" hidden>Close</button>
  </section>
</main>
<script nonce="${nonce}">${adminPageScript}</script>
</body>
</html>`;
  return html(200, body, { scriptNonce: nonce });
}
