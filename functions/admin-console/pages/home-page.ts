import type { HttpResponse } from '#shared/http/index.ts';
import { adminPage } from '#shared/pages/admin-shell.ts';

/** The console's home: every Marketo instance the token covers with its org mapping, and the way to a Campaign account. */
export function homePage(): HttpResponse {
  return adminPage({
    title: 'orgbridge admin console',
    crumbs: [],
    data: {},
    wide: true,
    content: `
    <section aria-labelledby="instances-heading">
      <h2 id="instances-heading" style="border-top:0;padding-top:0;margin-top:0">Marketo instances</h2>
      <table>
        <thead><tr><th scope="col">Munchkin ID</th><th scope="col">Name</th><th scope="col">Adobe org mapping</th><th scope="col">REST endpoint</th><th scope="col"><span class="visually-hidden">Links</span></th></tr></thead>
        <tbody id="instances"><tr><td colspan="5">Loading…</td></tr></tbody>
      </table>
    </section>
    <section aria-labelledby="campaign-heading">
      <h2 id="campaign-heading">Adobe Campaign accounts</h2>
      <form id="campaign-form" class="row" novalidate>
        <div><label for="campaign-account">Campaign instance name</label><input id="campaign-account" autocomplete="off" spellcheck="false" placeholder="acme-mkt-prod1"></div>
        <button class="primary" type="submit">Open account</button>
      </form>
      <div id="campaign-errors" role="alert"></div>
    </section>`,
    script: String.raw`
(function () {
  'use strict';
  var $ = ob.$, el = ob.el;
  function load() {
    return ob.call('GET', '/marketo/instances').then(function (data) {
      var rows = data.instances.map(function (instance) {
        return el('tr', { 'data-munchkin-id': instance.munchkinId }, [
          el('td', {}, [el('a', { href: ob.path('/admin/instances', instance.munchkinId), class: 'mono', text: instance.munchkinId })]),
          el('td', { text: instance.name }),
          el('td', {}, ob.mappingState(instance.orgMapping, instance)),
          el('td', { class: 'mono', text: instance.restEndpoint }),
          el('td', {}, [el('a', { href: ob.path('/admin/org-mapping', instance.munchkinId), text: 'Org mapping' })])
        ]);
      });
      ob.fill($('instances'), rows.length ? rows : el('tr', {}, [el('td', { colspan: 5, text: 'No Marketo instance is registered for this token yet: register one with PUT /marketo/instances/{munchkinId}.' })]));
    });
  }
  $('campaign-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var name = $('campaign-account').value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) {
      $('campaign-account').setAttribute('aria-invalid', 'true');
      ob.showError({ message: 'Enter the Campaign instance name: letters, digits, "-" and "_", up to 63 characters.' }, $('campaign-errors'));
      $('campaign-account').focus();
      return;
    }
    location.href = ob.path('/admin/campaign', name.toLowerCase());
  });
  ob.start(load);
})();`,
  });
}
