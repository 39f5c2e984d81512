import type { HttpResponse } from '#shared/http/index.ts';
import { adminPage } from '#shared/pages/admin-shell.ts';

/** One Marketo instance: its registration, its org mapping, its destinations, and a new destination. */
export function instancePage(munchkinId: string): HttpResponse {
  return adminPage({
    title: `Marketo instance ${munchkinId}`,
    crumbs: [{ href: '/admin', label: 'Admin console' }],
    data: { 'munchkin-id': munchkinId },
    wide: true,
    content: `
    <dl id="instance"><dt>Name</dt><dd>Loading…</dd></dl>
    <section aria-labelledby="destinations-heading">
      <h2 id="destinations-heading">Push destinations</h2>
      <table>
        <thead><tr><th scope="col">Destination</th><th scope="col">State</th><th scope="col">Audiences</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Added</th><th scope="col" class="num">Removed</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Failed</th><th scope="col">Last run</th></tr></thead>
        <tbody id="destinations"><tr><td colspan="9">Loading…</td></tr></tbody>
      </table>
      <form id="new-destination" class="row" novalidate>
        <div><label for="new-destination-id">New destination ID</label><input id="new-destination-id" autocomplete="off" spellcheck="false" placeholder="newsletter" aria-describedby="new-destination-hint"></div>
        <button class="primary" type="submit">Set up a destination</button>
      </form>
      <p class="hint" id="new-destination-hint">Letters, digits, "_" and "-". The ID is part of the AEP webhook URL and cannot change later.</p>
      <div id="new-destination-errors" role="alert"></div>
    </section>`,
    script: String.raw`
(function () {
  'use strict';
  var $ = ob.$, el = ob.el;
  var munchkinId = document.body.getAttribute('data-munchkin-id');
  function sum(audiences, field) { return audiences.reduce(function (total, a) { return total + (a[field] || 0); }, 0); }
  function skipped(audiences) { return audiences.reduce(function (total, a) { return total + Object.keys(a.skipped || {}).reduce(function (t, k) { return t + a.skipped[k]; }, 0); }, 0); }
  function stateBadge(d) {
    if (d.deleting) return ob.badge('Deleting', 'bad');
    if (d.paused) return ob.badge('Paused', 'wait');
    if (d.state === 'stopped') return ob.badge('Stopped', 'bad');
    return ob.badge('Active', 'good');
  }
  function renderInstance(instance, mapping) {
    ob.fill($('instance'), [
      el('dt', { text: 'Name' }), el('dd', { text: instance.name }),
      el('dt', { text: 'REST endpoint' }), el('dd', { class: 'mono', text: instance.restEndpoint }),
      el('dt', { text: 'Identity endpoint' }), el('dd', { class: 'mono', text: instance.identityEndpoint }),
      el('dt', { text: 'HIPAA-ready' }), el('dd', { text: instance.hipaaReady ? 'yes: Adobe Organization Mapping is not available' : 'no' }),
      el('dt', { text: 'Adobe org mapping' }), el('dd', {}, (mapping ? ob.mappingState(mapping, instance) : [el('span', { class: 'hint', text: 'not shown: this token lacks the org-mapping permission' })]).concat([' ', el('a', { href: ob.path('/admin/org-mapping', munchkinId), text: 'Open the mapping page' })]))
    ]);
  }
  function renderDestinations(destinations) {
    var rows = destinations.map(function (d) {
      var audiences = d.audiences || [];
      return el('tr', { 'data-destination-id': d.destinationId }, [
        el('td', {}, [el('a', { href: ob.path('/admin/destinations', d.destinationId), text: d.name }), el('div', { class: 'hint mono', text: d.destinationId })]),
        el('td', {}, [stateBadge(d)]),
        el('td', { text: audiences.map(function (a) { return a.audienceId + ' → list ' + a.listId; }).join(', ') || '-' }),
        el('td', { class: 'num', text: ob.count(sum(audiences, 'pending')) }),
        el('td', { class: 'num', text: ob.count(sum(audiences, 'added')) }),
        el('td', { class: 'num', text: ob.count(sum(audiences, 'removed')) }),
        el('td', { class: 'num', text: ob.count(skipped(audiences)) }),
        el('td', { class: 'num', text: ob.count(sum(audiences, 'failingNow')) }),
        el('td', { text: ob.when(d.lastRun) })
      ]);
    });
    ob.fill($('destinations'), rows.length ? rows : el('tr', {}, [el('td', { colspan: 9, text: 'No destination pushes to this instance yet.' })]));
  }
  function load() {
    var mapping = ob.call('GET', ob.path('/org-mapping', munchkinId)).then(function (view) {
      return { status: view.status, confirmedImsOrgId: view.imsOrgId };
    }, function (error) { if (error.status === 403) return null; throw error; });
    return Promise.all([ob.call('GET', ob.path('/marketo/instances', munchkinId)), mapping]).then(function (found) {
      renderInstance(found[0], found[1]);
      return ob.call('GET', '/push-clone/destinations?munchkinId=' + encodeURIComponent(munchkinId));
    }).then(function (data) { renderDestinations(data.destinations); });
  }
  $('new-destination').addEventListener('submit', function (event) {
    event.preventDefault();
    var id = $('new-destination-id').value.trim();
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      $('new-destination-id').setAttribute('aria-invalid', 'true');
      ob.showError({ message: 'A destination ID is 1 to 64 letters, digits, "_" or "-".' }, $('new-destination-errors'));
      $('new-destination-id').focus();
      return;
    }
    location.href = ob.path('/admin/destinations', id) + '?munchkinId=' + encodeURIComponent(munchkinId);
  });
  ob.start(load);
})();`,
  });
}
