import type { HttpResponse } from '#shared/http/index.ts';
import { adminPage as adminShell } from '#shared/pages/admin-shell.ts';
import { escapeHtml } from '#shared/pages/escape.ts';
import { adminPageScript } from './admin-page-script';

/**
 * Admin > Integration > Adobe Organization Mapping. The org in force and the
 * org being confirmed are shown side by side, so a Confirm in progress never
 * hides (or seems to replace) the mapping that still works.
 */
export function adminPage(munchkinId: string): HttpResponse {
  const id = escapeHtml(munchkinId);
  return adminShell({
    title: 'Adobe Organization Mapping',
    crumbs: [
      { href: '/admin', label: 'Admin console' },
      { href: `/admin/instances/${encodeURIComponent(munchkinId)}`, label: `Instance ${munchkinId}` },
    ],
    data: { 'munchkin-id': munchkinId },
    content: `
    <dl>
      <dt>Marketo instance</dt><dd class="mono">${id}</dd>
      <dt>Mapping</dt><dd id="status">Loading…</dd>
      <dt>Org in force</dt><dd id="org-id" class="mono">-</dd>
      <dt>Confirmed</dt><dd id="confirmed-at">-</dd>
      <dt id="draft-label" hidden>Being confirmed</dt><dd id="draft-org-id" class="mono" hidden>-</dd>
      <dt id="progress-label" hidden>Change</dt><dd id="progress" hidden></dd>
    </dl>
    <div id="notice"></div>
    <form id="edit-form" hidden novalidate>
      <div id="edit-errors" role="alert"></div>
      <label for="org-id-input">Adobe IMS Org ID</label>
      <p class="hint" id="org-id-hint">24 hexadecimal characters followed by @AdobeOrg, as the Adobe Admin Console shows it.</p>
      <input id="org-id-input" name="imsOrgId" placeholder="0123456789ABCDEF01234567@AdobeOrg" autocomplete="off" spellcheck="false" aria-describedby="org-id-hint">
      <button id="ok" class="primary" type="submit">OK</button>
      <button id="cancel" type="button">Cancel</button>
    </form>
    <p class="actions">
      <button id="edit" type="button" hidden>Edit</button>
      <button id="confirm" class="primary" type="button" hidden>Confirm</button>
      <button id="cancel-signin" type="button" hidden>Cancel sign-in</button>
    </p>
    <p id="signin" hidden>Your browser blocked the Adobe sign-in window: <a id="signin-link" target="orgbridge-adobe-login" rel="opener">open it here</a>.</p>
    <div id="result" role="status"></div>
    <button id="close" type="button" hidden>Close</button>`,
    script: adminPageScript,
  });
}
