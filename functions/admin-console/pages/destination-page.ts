import type { HttpResponse } from '#shared/http/index.ts';
import { adminPage } from '#shared/pages/admin-shell.ts';
import { destinationPageScript } from './destination-page-script';

/**
 * One push destination: what happened to its people (per audience, failures
 * and skips by reason, calls against the day's quota), what an admin can do
 * about it (retry, pause, resume, delete), why a person is or is not in the
 * list, and its setup with pickers fed by the instance. Opened with
 * `?munchkinId=` for a destination that does not exist yet, it shows the
 * setup form only.
 */
export function destinationPage(destinationId: string): HttpResponse {
  return adminPage({
    title: `Destination ${destinationId}`,
    crumbs: [{ href: '/admin', label: 'Admin console' }],
    data: { 'destination-id': destinationId },
    wide: true,
    content: `
    <div id="status-part">
      <dl id="summary"><dt>State</dt><dd>Loading…</dd></dl>
      <div class="actions" id="actions">
        <button id="retry-failed" type="button" hidden>Retry failed people</button>
        <button id="pause" type="button" hidden>Pause</button>
        <button id="resume" type="button" class="primary" hidden>Resume</button>
        <button id="delete" type="button" class="danger" hidden>Delete…</button>
      </div>
      <div id="action-result" role="status"></div>
      <div id="action-errors" role="alert"></div>

      <section aria-labelledby="audiences-heading">
        <h2 id="audiences-heading">Audiences</h2>
        <table>
          <thead><tr><th scope="col">Audience</th><th scope="col">Marketo list</th><th scope="col">Phase</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Added</th><th scope="col" class="num">Removed</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Expired</th><th scope="col">Last run</th></tr></thead>
          <tbody id="audiences"></tbody>
        </table>
      </section>

      <section aria-labelledby="reasons-heading">
        <h2 id="reasons-heading">Failures and skips by reason</h2>
        <div id="reasons"></div>
      </section>

      <section aria-labelledby="person-heading">
        <h2 id="person-heading">Why is (or isn't) this person in the list?</h2>
        <form id="person-form" class="row" novalidate>
          <div><label for="person-email">Email</label><input id="person-email" type="email" autocomplete="off" spellcheck="false" placeholder="ada@example.com"></div>
          <button class="primary" type="submit">Look up</button>
        </form>
        <div id="person-errors" role="alert"></div>
        <div id="person-result" aria-live="polite"></div>
      </section>
    </div>

    <section aria-labelledby="setup-heading">
      <h2 id="setup-heading">Setup</h2>
      <div id="picker-notes"></div>
      <form id="setup-form" novalidate>
        <div class="row">
          <div><label for="setup-name">Name</label><input id="setup-name" autocomplete="off"></div>
          <div><label for="setup-munchkin">Marketo instance (Munchkin ID)</label><input id="setup-munchkin" autocomplete="off" spellcheck="false" readonly></div>
        </div>
        <label for="setup-description">Description</label><input id="setup-description" autocomplete="off">
        <div class="row">
          <div><label for="setup-mode">Person creation</label>
            <select id="setup-mode"><option value="createMissing">Match existing people and create missing ones</option><option value="matchExistingOnly">Match existing people only</option></select></div>
          <div><label for="setup-partition">Partition for people it creates</label><select id="setup-partition"></select></div>
          <div><label for="setup-end">When an audience's end date passes</label>
            <select id="setup-end"><option value="freeze">Freeze the list as it is</option><option value="removeMembers">Remove the people this destination added</option></select></div>
        </div>
        <fieldset><legend>Field mappings (AEP source → Marketo lead field)</legend>
          <table><thead><tr><th scope="col">AEP source field</th><th scope="col">Marketo field</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead><tbody id="mappings"></tbody></table>
          <button id="add-mapping" type="button">Add a field mapping</button>
        </fieldset>
        <fieldset><legend>Audiences</legend>
          <table><thead><tr><th scope="col">AEP audience ID</th><th scope="col">Marketo static list</th><th scope="col">Start date</th><th scope="col">End date (empty: no end)</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead><tbody id="setup-audiences"></tbody></table>
          <button id="add-audience" type="button">Add an audience</button>
        </fieldset>
        <div id="setup-errors" role="alert"></div>
        <div id="setup-result" role="status"></div>
        <button id="save" class="primary" type="submit">Save setup</button>
      </form>
    </section>

    <dialog id="delete-dialog" aria-labelledby="delete-title">
      <form id="delete-form" novalidate>
        <h2 id="delete-title" style="border:0;margin-top:0;padding-top:0">Delete this destination?</h2>
        <p>Nothing more is pushed for it. Choose what becomes of its Marketo lists:</p>
        <fieldset><legend>The Marketo lists</legend>
          <div><input type="radio" name="lists" id="lists-keep" value="keep"><label class="inline" for="lists-keep">Leave the lists as they are</label></div>
          <div><input type="radio" name="lists" id="lists-remove" value="removeAdded"><label class="inline" for="lists-remove">Remove every person this destination added</label></div>
        </fieldset>
        <div id="delete-errors" role="alert"></div>
        <button id="delete-confirm" class="danger primary" type="submit">Delete destination</button>
        <button id="delete-cancel" type="button">Cancel</button>
      </form>
    </dialog>`,
    script: destinationPageScript,
  });
}
