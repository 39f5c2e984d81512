import type { HttpResponse } from '#shared/http/index.ts';
import { adminPage } from '#shared/pages/admin-shell.ts';
import { campaignPageScript } from './campaign-page-script';

/**
 * One Adobe Campaign account: its external account settings and sync state,
 * the operator groups linked now, a dry run shown as a table of changes
 * before anything is applied, and the last change sets.
 */
export function campaignPage(account: string): HttpResponse {
  return adminPage({
    title: `Campaign account ${account}`,
    crumbs: [{ href: '/admin', label: 'Admin console' }],
    data: { account },
    wide: true,
    content: `
    <dl id="account"><dt>IMS org</dt><dd>Loading…</dd></dl>
    <section aria-labelledby="sync-heading">
      <h2 id="sync-heading">Sync with the Adobe Admin Console</h2>
      <p class="hint">A dry run reads the product profiles and their users and shows what a sync would change. Nothing changes until you apply it.</p>
      <div class="actions">
        <button id="dry-run" type="button" class="primary">Preview changes (dry run)</button>
        <button id="apply" type="button" class="danger primary" hidden>Apply these changes</button>
      </div>
      <div id="sync-errors" role="alert"></div>
      <div id="sync-result" role="status"></div>
      <div id="diff"></div>
    </section>
    <section aria-labelledby="links-heading">
      <h2 id="links-heading">Operator groups linked now</h2>
      <table>
        <thead><tr><th scope="col">Operator group</th><th scope="col">Product profiles</th><th scope="col" class="num">Users</th></tr></thead>
        <tbody id="links"></tbody>
      </table>
    </section>
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Last change sets</h2>
      <div id="history"></div>
    </section>`,
    script: campaignPageScript,
  });
}
