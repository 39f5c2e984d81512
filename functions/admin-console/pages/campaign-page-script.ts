/** The Campaign account page's behaviour (plain ES2017, runs after `ob`). */
export const campaignPageScript = String.raw`
(function () {
  'use strict';
  var $ = ob.$, el = ob.el;
  var account = document.body.getAttribute('data-account');
  var api = ob.path('/campaign/accounts', account);
  /** Rows shown per change set; the rest are counted, never dropped silently. */
  var MAX_ROWS = 200;

  function renderAccount(a) {
    var s = a.status || {};
    ob.fill($('account'), [
      el('dt', { text: 'IMS org' }), el('dd', { class: 'mono', text: a.imsOrgId }),
      el('dt', { text: 'Tenant' }), el('dd', { class: 'mono', text: a.tenant }),
      el('dt', { text: 'Association mask' }), el('dd', { class: 'mono', text: a.associationMask + (a.caseInsensitive ? '  (case-insensitive)' : '') }),
      el('dt', { text: 'Operator groups' }), el('dd', { class: 'mono', text: (a.operatorGroups || []).join(', ') || 'none registered' }),
      el('dt', { text: 'Removal cap per run' }), el('dd', { text: ob.count(a.removalCapPerRun) }),
      el('dt', { text: 'Last sync' }), el('dd', { id: 'last-sync', text: s.lastCompletedAt ? ob.when(s.lastCompletedAt) + (s.lastOutcome ? ' (' + s.lastOutcome.replace(/_/g, ' ') + ')' : '') : 'never' }),
    ].concat(s.resumeAt ? [el('dt', { text: 'Resumes' }), el('dd', { text: ob.when(s.resumeAt) + ' (the User Management API asked us to wait)' })] : []));
  }

  function renderLinks(view) {
    ob.fill($('links'), view.links.length ? view.links.map(function (l) {
      return el('tr', { 'data-group': l.operatorGroup }, [el('td', { class: 'mono', text: l.operatorGroup }), el('td', { text: l.profiles.join(', ') }), el('td', { class: 'num', text: ob.count(l.userCount) })]);
    }) : el('tr', {}, [el('td', { colspan: 3, text: 'No operator group is linked yet.' })]));
    ob.fill($('history'), view.lastChangeSets.length ? view.lastChangeSets.map(function (c, i) {
      return el('details', { open: i === 0 ? true : undefined, 'data-change-set': c.changeSetId }, [el('summary', { text: ob.when(c.completedAt) + ' · ' + outcomeText(c) + ' · ' + counts(c) })].concat(changeSetParts(c)));
    }) : el('p', { class: 'hint', text: 'No change set has been applied yet.' }));
  }

  function outcomeText(c) { return { applied: 'applied', dry_run: 'dry run', removal_cap_exceeded: 'additions applied, removals held back (cap)' }[c.outcome] || c.outcome; }
  /** Why Campaign cannot take a link: reported by the sync, never created in Campaign, so never counted as added. */
  var UNRESOLVED = { operator_not_found: 'no Campaign operator has this email as its login', group_not_found: 'Campaign has no operator group with this name' };
  function unresolved(c) {
    var keys = {};
    ((c.campaign && c.campaign.links) || []).forEach(function (l) { if (UNRESOLVED[l.status]) keys[l.operatorGroup + ' ' + l.email.toLowerCase()] = l; });
    return keys;
  }
  function applicable(c, list) {
    var missing = unresolved(c);
    return list.map(function (g) { return { operatorGroup: g.operatorGroup, emails: g.emails.filter(function (e) { return !missing[g.operatorGroup + ' ' + e.toLowerCase()]; }) }; });
  }
  function users(list) { return list.reduce(function (t, g) { return t + g.emails.length; }, 0); }
  function counts(c) {
    return c.linksAdded.length + ' links added, ' + c.linksRemoved.length + ' removed; ' + users(applicable(c, c.usersAdded)) + ' users added, ' + users(c.usersRemoved) + ' removed';
  }

  /** A change set as people read it: one row per change, then what was not matched and the warnings. */
  function changeSetParts(c) {
    var rows = [];
    c.linksAdded.forEach(function (l) { rows.push(['added', 'Link added', l.operatorGroup, l.profile]); });
    c.linksRemoved.forEach(function (l) { rows.push(['removed', 'Link removed', l.operatorGroup, l.profile]); });
    applicable(c, c.usersAdded).forEach(function (g) { g.emails.forEach(function (e) { rows.push(['added', 'User added', g.operatorGroup, e]); }); });
    c.usersRemoved.forEach(function (g) { g.emails.forEach(function (e) { rows.push(['removed', 'User removed', g.operatorGroup, e]); }); });
    var parts = [];
    if (!rows.length) parts.push(el('p', { class: 'empty-diff', text: 'No change: Campaign already matches the Admin Console.' }));
    else {
      parts.push(el('table', { class: 'diff' }, [
        el('caption', { text: 'Changes' }),
        el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Change' }), el('th', { scope: 'col', text: 'Operator group' }), el('th', { scope: 'col', text: 'Product profile or user' })])]),
        el('tbody', {}, rows.slice(0, MAX_ROWS).map(function (r) {
          return el('tr', { 'data-change': r[1] }, [el('td', { class: r[0], text: (r[0] === 'added' ? '+ ' : '− ') + r[1] }), el('td', { class: 'mono', text: r[2] }), el('td', { text: r[3] })]);
        }))
      ]));
      if (rows.length > MAX_ROWS) parts.push(el('p', { class: 'hint', text: 'and ' + ob.count(rows.length - MAX_ROWS) + ' more changes (the API answer holds them all).' }));
    }
    if (c.removals && c.removals.count) {
      parts.push(el('p', { class: 'notice' + (c.removals.count > c.removals.cap ? ' error' : ''), text: ob.count(c.removals.count) + ' removals, cap ' + ob.count(c.removals.cap) + ' per run: ' + (c.removals.count > c.removals.cap ? 'over the cap, so no removal is applied (a mistyped mask cannot empty Campaign).' : 'within the cap.') }));
    }
    var missing = unresolved(c);
    var missingKeys = Object.keys(missing);
    if (missingKeys.length) {
      parts.push(el('table', { class: 'unmatched' }, [
        el('caption', { text: 'Adobe users Campaign cannot link (never created: create the operator or the operator group in Campaign, and the next sync links them)' }),
        el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Operator group' }), el('th', { scope: 'col', text: 'User' }), el('th', { scope: 'col', text: 'Why' })])]),
        el('tbody', {}, missingKeys.slice(0, MAX_ROWS).map(function (k) {
          return el('tr', { 'data-status': missing[k].status }, [el('td', { class: 'mono', text: missing[k].operatorGroup }), el('td', { text: missing[k].email }), el('td', { text: UNRESOLVED[missing[k].status] })]);
        }))
      ]));
      if (missingKeys.length > MAX_ROWS) parts.push(el('p', { class: 'hint', text: 'and ' + ob.count(missingKeys.length - MAX_ROWS) + ' more users (the API answer holds them all).' }));
    }
    if (c.unmatchedProfiles.length) {
      parts.push(el('table', { class: 'unmatched' }, [
        el('caption', { text: 'Profiles with no operator group in Campaign (never created)' }),
        el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Product profile' }), el('th', { scope: 'col', text: 'Operator group it names' })])]),
        el('tbody', {}, c.unmatchedProfiles.map(function (u) { return el('tr', {}, [el('td', { text: u.profile }), el('td', { class: 'mono', text: u.captured })]); }))
      ]));
    }
    if (c.warnings.length) parts.push(el('div', { class: 'notice' }, [el('p', { style: 'margin:0', text: 'Warnings' }), el('ul', {}, c.warnings.map(function (w) { return el('li', { text: w.message }); }))]));
    return parts;
  }

  function sync(dryRun) {
    return ob.call('POST', api + '/sync?dryRun=' + dryRun).then(function (result) {
      if (result.status === 'resumable') {
        ob.fill($('diff'), el('p', { class: 'notice', text: 'The User Management API asked us to wait (' + result.reason.replace(/_/g, ' ') + '): the sync resumes by itself after ' + ob.when(result.resumeAt) + '.' }));
        $('apply').hidden = true;
        return 'The sync will resume after ' + ob.when(result.resumeAt) + '.';
      }
      return result.changeSet;
    });
  }

  /**
   * Every outcome of a sync button lands in the #sync-result status region
   * (emptied when the button is pressed, so the same sentence twice is still
   * a change screen readers announce), never only in the page's announcer.
   */
  function showResult(text, kind) {
    ob.fill($('sync-result'), el('p', { class: 'notice' + (kind ? ' ' + kind : ''), text: text }));
  }

  /** What a dry run found, in one sentence: the counts, or that there is nothing to change (and why some users stay unlinked). */
  function dryRunText(c) {
    if (!c.empty) return 'Dry run: ' + counts(c) + '.';
    var unlinked = Object.keys(unresolved(c)).length;
    return 'Nothing to change: Campaign already matches the Admin Console' + (unlinked ? ' (' + ob.count(unlinked) + ' Adobe users cannot be linked until Campaign has their operator or group; see below).' : '.');
  }

  $('dry-run').addEventListener('click', function () {
    ob.clear($('sync-result'));
    ob.act($('dry-run'), function () {
      return sync('true').then(function (c) {
        if (typeof c === 'string') return showResult(c);
        ob.fill($('diff'), [el('h3', { text: 'What a sync would change now' })].concat(changeSetParts(c)));
        $('apply').hidden = c.empty;
        if (!c.empty) $('apply').focus();
        showResult(dryRunText(c), c.empty ? 'ok' : '');
      });
    }, $('sync-errors'));
  });

  $('apply').addEventListener('click', function () {
    ob.clear($('sync-result'));
    ob.act($('apply'), function () {
      return sync('false').then(function (c) {
        if (typeof c === 'string') return showResult(c);
        $('apply').hidden = true;
        ob.fill($('diff'), [el('h3', { text: 'Applied' })].concat(changeSetParts(c)));
        showResult(c.outcome === 'removal_cap_exceeded' ? 'Additions applied; removals held back by the cap.' : 'Applied: ' + counts(c) + '.', 'ok');
        $('dry-run').focus();
        return load();
      });
    }, $('sync-errors'));
  });

  function load() {
    return Promise.all([ob.call('GET', api), ob.call('GET', api + '/links')]).then(function (found) {
      renderAccount(found[0]);
      renderLinks(found[1]);
    });
  }
  ob.start(load);
})();
`;
