/** The destination page's behaviour (plain ES2017, runs after `ob`). */
export const destinationPageScript = String.raw`
(function () {
  'use strict';
  var $ = ob.$, el = ob.el;
  var destinationId = document.body.getAttribute('data-destination-id');
  var api = ob.path('/push-clone/destinations', destinationId);
  var query = new URLSearchParams(location.search);
  var status = null;
  var pickers = { fields: null, partitions: null, lists: null };

  // ---- status ----------------------------------------------------------
  function skippedTotal(audience) { return Object.keys(audience.skipped || {}).reduce(function (t, k) { return t + audience.skipped[k]; }, 0); }
  function phaseBadge(phase) { return ob.badge({ scheduled: 'Scheduled', syncing: 'Syncing', ended: 'Ended' }[phase] || phase, phase === 'syncing' ? 'good' : 'quiet'); }
  function listName(id) {
    var found = (pickers.lists || []).filter(function (l) { return l.id === id; })[0];
    return found ? found.name + ' (' + id + ')' : 'list ' + id;
  }

  function renderSummary(s) {
    var d = s.destination;
    var state = s.deleting || d.deleting ? ob.badge('Deleting', 'bad') : s.paused ? ob.badge('Paused: nothing is pushed, deliveries wait', 'wait') : d.state === 'stopped' ? ob.badge('Stopped', 'bad') : ob.badge('Active', 'good');
    var calls = typeof s.callsToday === 'number' ? s.callsToday : s.marketoCallsToday && s.marketoCallsToday.calls;
    var quota = s.dailyQuota;
    var callsNode = [ob.count(calls) + (quota ? ' of ' + ob.count(quota) + ' (the instance\'s daily quota, US Central day)' : '')];
    if (quota) callsNode.push(el('span', { class: 'meter', role: 'img', 'aria-label': Math.round(100 * calls / quota) + '% of the daily quota' }, [el('span', { style: 'width:' + Math.min(100, 100 * calls / quota).toFixed(1) + '%' })]));
    ob.fill($('summary'), [
      el('dt', { text: 'Name' }), el('dd', { text: d.name + (d.description ? ': ' + d.description : '') }),
      el('dt', { text: 'State' }), el('dd', { id: 'state' }, [state].concat(d.stoppedReason ? [el('div', { class: 'hint', text: d.stoppedReason })] : [])),
      el('dt', { text: 'Marketo instance' }), el('dd', {}, [el('a', { class: 'mono', href: ob.path('/admin/instances', d.munchkinId), text: d.munchkinId })]),
      el('dt', { text: 'Adobe org' }), el('dd', { class: 'mono', text: d.imsOrgId }),
      el('dt', { text: 'Person creation' }), el('dd', { text: d.personCreationMode === 'matchExistingOnly' ? 'Match existing people only' : 'Match existing people and create missing ones' }),
      el('dt', { text: 'Marketo calls today' }), el('dd', { id: 'calls-today' }, callsNode),
      el('dt', { text: 'Last run' }), el('dd', { id: 'last-run', text: ob.when(s.lastRun || latest(s.audiences)) })
    ]);
  }
  function latest(audiences) { return audiences.map(function (a) { return a.lastRunAt; }).filter(Boolean).sort().pop(); }

  function renderAudiences(audiences) {
    ob.fill($('audiences'), audiences.map(function (a) {
      return el('tr', { 'data-audience-id': a.audienceId }, [
        el('td', { class: 'mono', text: a.audienceId }),
        el('td', { text: listName(a.listId) }),
        el('td', {}, [phaseBadge(a.phase)]),
        el('td', { class: 'num', 'data-count': 'pending' }, [ob.count(a.pending) + (a.pendingNotYetDue ? ' (' + ob.count(a.pendingNotYetDue) + ' not yet due)' : '')].concat(
          a.bulkImport ? [el('div', { class: 'hint', 'data-bulk-import': a.bulkImport.state, text: ob.count(a.bulkImport.people) + ' in a bulk import since ' + ob.when(a.bulkImport.since) + ': ' + a.bulkImport.message })] : [])),
        el('td', { class: 'num', 'data-count': 'added', text: ob.count(a.added) }),
        el('td', { class: 'num', 'data-count': 'removed', text: ob.count(a.removed) }),
        el('td', { class: 'num', 'data-count': 'skipped', text: ob.count(skippedTotal(a)) }),
        el('td', { class: 'num', 'data-count': 'failed', text: ob.count(a.failingNow) }),
        el('td', { class: 'num', 'data-count': 'expired', text: ob.count(a.expired) }),
        el('td', {}, [ob.when(a.lastRunAt)].concat(a.lastError ? [el('div', { class: 'hint removed', text: a.lastError })] : []))
      ]);
    }));
  }

  function reasonTable(caption, groups, kind) {
    return el('table', { 'data-kind': kind }, [
      el('caption', { text: caption }),
      el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Reason' }), el('th', { scope: 'col', text: 'What to do' }), el('th', { scope: 'col', class: 'num', text: 'People' }), el('th', { scope: 'col', text: 'For example' })])]),
      el('tbody', {}, groups.map(function (g) {
        return el('tr', { 'data-code': g.code }, [
          el('td', { class: 'mono', text: g.code }),
          el('td', { text: g.message }),
          el('td', { class: 'num', text: ob.count(g.count) + (g.retrying ? ' (' + ob.count(g.retrying) + ' retrying by themselves)' : '') }),
          el('td', { class: 'mono', text: (g.samples || []).join(', ') })
        ]);
      }))
    ]);
  }
  function renderReasons(audiences) {
    var parts = [];
    var anyFailed = false;
    audiences.forEach(function (a) {
      var failures = a.failuresByReason || [];
      var skips = a.skippedByReason || [];
      if (a.failingNow) anyFailed = true;
      if (failures.length) parts.push(reasonTable('Failed in audience ' + a.audienceId, failures, 'failures'));
      if (skips.length) parts.push(reasonTable('Skipped in audience ' + a.audienceId, skips, 'skips'));
      else if (skippedTotal(a)) parts.push(reasonTable('Skipped in audience ' + a.audienceId, Object.keys(a.skipped).map(function (code) { return { code: code, message: '', count: a.skipped[code] }; }), 'skips'));
    });
    ob.fill($('reasons'), parts.length ? parts : el('p', { class: 'hint', text: 'No person failed or was skipped.' }));
    return anyFailed;
  }

  function renderStatus(s) {
    status = s;
    $('page-title').textContent = 'Destination ' + s.destination.name;
    renderSummary(s);
    renderAudiences(s.audiences);
    var anyFailed = renderReasons(s.audiences);
    var deleting = !!(s.deleting || s.destination.deleting);
    $('retry-failed').hidden = !anyFailed || deleting;
    $('pause').hidden = !!s.paused || deleting;
    $('resume').hidden = !s.paused || deleting;
    $('delete').hidden = deleting;
  }

  function loadStatus() { return ob.call('GET', api).then(renderStatus); }

  // ---- actions ----------------------------------------------------------
  function said(text) { ob.fill($('action-result'), el('p', { class: 'notice ok', text: text })); return text; }
  $('retry-failed').addEventListener('click', function () {
    ob.act($('retry-failed'), function () {
      return ob.call('POST', api + '/retry-failed', {}).then(function (r) {
        return loadStatus().then(function () { $('retry-failed').hidden ? $('pause').focus() : null; return said(ob.count(r.requeued) + ' failed people will be retried on the next run.'); });
      });
    }, $('action-errors'));
  });
  $('pause').addEventListener('click', function () {
    ob.act($('pause'), function () {
      return ob.call('POST', api + '/pause', {}).then(loadStatus).then(function () { $('resume').focus(); return said('Paused. Deliveries are still accepted and wait in the queue; nothing is lost.'); });
    }, $('action-errors'));
  });
  $('resume').addEventListener('click', function () {
    ob.act($('resume'), function () {
      return ob.call('POST', api + '/resume', {}).then(loadStatus).then(function () { $('pause').focus(); return said('Resumed. Waiting people are pushed on the next run.'); });
    }, $('action-errors'));
  });
  var dialog = $('delete-dialog');
  $('delete').addEventListener('click', function () {
    Array.prototype.forEach.call(document.querySelectorAll('input[name=lists]'), function (r) { r.checked = false; });
    ob.clear($('delete-errors'));
    dialog.showModal();
    $('lists-keep').focus();
  });
  $('delete-cancel').addEventListener('click', function () { dialog.close(); });
  dialog.addEventListener('close', function () { if (!$('delete').hidden) $('delete').focus(); });
  $('delete-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var choice = document.querySelector('input[name=lists]:checked');
    if (!choice) {
      ob.showError({ message: 'Choose what becomes of the Marketo lists first.' }, $('delete-errors'));
      $('lists-keep').focus();
      return;
    }
    ob.act($('delete-confirm'), function () {
      return ob.call('DELETE', api + '?lists=' + choice.value).then(function (r) {
        dialog.close();
        var pending = r && r.removal ? r.removal.pending : 0;
        said(choice.value === 'keep' ? 'Deleted. The Marketo lists stay as they are.' : 'Deleting: ' + ob.count(pending) + ' people this destination added are being removed from its lists, then the destination is gone.');
        return loadStatus().catch(function (error) { if (error.status !== 404) throw error; ob.fill($('summary'), [el('dt', { text: 'State' }), el('dd', { text: 'Deleted' })]); }).then(function () {
          $('page-title').setAttribute('tabindex', '-1');
          $('page-title').focus();
          return 'Destination deleted.';
        });
      });
    }, $('delete-errors'));
  });

  // ---- person lookup ----------------------------------------------------
  function detailOf(entry) {
    var skip = { at: 1, kind: 1 };
    return Object.keys(entry).filter(function (k) { return !skip[k] && entry[k] !== undefined && entry[k] !== null && entry[k] !== ''; }).map(function (k) {
      var v = entry[k];
      return k === 'qualificationTime' ? 'qualified ' + ob.when(v) : k === 'message' ? v : k + ' ' + (typeof v === 'object' ? JSON.stringify(v) : v);
    }).join(' · ');
  }
  var STATE_KIND = { added: 'good', removed: 'quiet', pending: 'wait', skipped: 'wait', failed: 'bad', expired: 'quiet', none: 'quiet' };
  function renderPerson(person) {
    return person.audiences.map(function (a) {
      var c = a.current || {};
      return el('section', { class: 'person-audience', 'data-audience-id': a.audienceId }, [
        el('h3', { text: 'Audience ' + a.audienceId + ' → ' + listName(a.listId) }),
        el('dl', {}, [
          el('dt', { text: 'Now' }), el('dd', { class: 'person-state' }, [ob.badge(c.state || 'none', STATE_KIND[c.state] || 'quiet')].concat(c.message ? [' ', c.message] : c.reason ? [' ', c.reason] : [])),
          el('dt', { text: 'Last delivery' }), el('dd', { text: (c.status || '-') + (c.qualificationTime ? ', qualified ' + ob.when(c.qualificationTime) : '') }),
          el('dt', { text: 'Marketo lead ID' }), el('dd', { class: 'mono', text: c.leadId || '-' })
        ]),
        el('table', { class: 'history' }, [
          el('caption', { text: 'What happened, oldest first' }),
          el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'When' }), el('th', { scope: 'col', text: 'What' }), el('th', { scope: 'col', text: 'Details' })])]),
          el('tbody', {}, (a.history || []).map(function (h) {
            return el('tr', { 'data-kind': h.kind }, [el('td', { text: ob.when(h.at) }), el('td', { text: h.kind }), el('td', { text: detailOf(h) })]);
          }))
        ])
      ]);
    });
  }
  $('person-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var email = $('person-email').value.trim();
    ob.clear($('person-result'));
    if (!email) { ob.showError({ message: 'Enter the email of the person to look up.' }, $('person-errors')); $('person-email').focus(); return; }
    ob.act(event.submitter || $('person-form').querySelector('button'), function () {
      return ob.call('GET', api + '/people/' + encodeURIComponent(email)).then(function (person) {
        ob.fill($('person-result'), renderPerson(person));
        return 'Found ' + person.email + ' in ' + person.audiences.length + ' audience' + (person.audiences.length === 1 ? '' : 's') + '.';
      });
    }, $('person-errors'));
  });

  // ---- setup ------------------------------------------------------------
  function option(value, text, selected) { return el('option', { value: value, text: text, selected: selected }); }
  function fieldSelect(index, value) {
    if (!pickers.fields) return el('input', { value: value || '', 'aria-label': 'Marketo field ' + index, class: 'mapping-target', spellcheck: 'false' });
    var known = pickers.fields.some(function (f) { return f.name === value; });
    var options = [option('', 'Choose a field', !value)];
    if (value && !known) options.push(option(value, value + ' (not a field of this instance)', true));
    pickers.fields.filter(function (f) { return !f.readOnly; }).forEach(function (f) { options.push(option(f.name, f.displayName + ' (' + f.name + ')', f.name === value)); });
    return el('select', { 'aria-label': 'Marketo field ' + index, class: 'mapping-target' }, options);
  }
  function addMappingRow(mapping) {
    var body = $('mappings');
    var index = body.children.length + 1;
    var row = el('tr', {}, [
      el('td', {}, [el('input', { value: (mapping && mapping.source) || '', 'aria-label': 'AEP source field ' + index, class: 'mapping-source', spellcheck: 'false' })]),
      el('td', {}, [fieldSelect(index, mapping && mapping.target)]),
      el('td', {}, [el('button', { type: 'button', text: 'Remove', 'aria-label': 'Remove field mapping ' + index, on: { click: function () { row.remove(); focusAfterRemove(body, 'add-mapping'); } } })])
    ]);
    body.appendChild(row);
    return row;
  }
  function listSelect(index, listId) {
    if (!pickers.lists) return el('input', { value: listId ? String(listId) : '', 'aria-label': 'Marketo static list ' + index + ' (ID)', class: 'audience-list', spellcheck: 'false' });
    var known = pickers.lists.some(function (l) { return l.id === listId; });
    var options = [option('', 'Choose a list', !listId)];
    if (listId && !known) options.push(option(String(listId), 'list ' + listId + ' (not found in this instance)', true));
    pickers.lists.forEach(function (l) { options.push(option(String(l.id), l.name + ' (' + l.id + ')', l.id === listId)); });
    return el('select', { 'aria-label': 'Marketo static list ' + index, class: 'audience-list' }, options);
  }
  function dateText(iso) { return !iso ? '' : /T00:00:00(\.000)?Z$/.test(iso) ? iso.slice(0, 10) : iso; }
  function addAudienceRow(audience) {
    var body = $('setup-audiences');
    var index = body.children.length + 1;
    var row = el('tr', {}, [
      el('td', {}, [el('input', { value: (audience && audience.audienceId) || '', 'aria-label': 'AEP audience ID ' + index, class: 'audience-id mono', spellcheck: 'false' })]),
      el('td', {}, [listSelect(index, audience && audience.listId)]),
      el('td', {}, [el('input', { value: dateText(audience && audience.startDate) || new Date().toISOString().slice(0, 10), 'aria-label': 'Start date ' + index, class: 'audience-start', placeholder: '2026-05-01' })]),
      el('td', {}, [el('input', { value: dateText(audience && audience.endDate), 'aria-label': 'End date ' + index, class: 'audience-end', placeholder: 'no end' })]),
      el('td', {}, [el('button', { type: 'button', text: 'Remove', 'aria-label': 'Remove audience ' + index, on: { click: function () { row.remove(); focusAfterRemove(body, 'add-audience'); } } })])
    ]);
    body.appendChild(row);
    return row;
  }
  function focusAfterRemove(body, fallback) {
    var last = body.lastElementChild;
    (last ? last.querySelector('input, select') : $(fallback)).focus();
  }
  function fillSetup(d, munchkinId) {
    $('setup-name').value = d ? d.name : '';
    $('setup-description').value = d && d.description ? d.description : '';
    $('setup-munchkin').value = d ? d.munchkinId : munchkinId || '';
    $('setup-mode').value = d ? d.personCreationMode : 'createMissing';
    $('setup-end').value = d ? d.endDateBehavior : 'freeze';
    var partition = d && d.partitionName;
    var partitionOptions = [option('', 'Default partition', !partition)];
    if (pickers.partitions) {
      if (partition && !pickers.partitions.some(function (p) { return p.name === partition; })) partitionOptions.push(option(partition, partition + ' (not a partition of this instance)', true));
      pickers.partitions.forEach(function (p) { partitionOptions.push(option(p.name, p.name + (p.description ? ': ' + p.description : ''), p.name === partition)); });
    } else if (partition) partitionOptions.push(option(partition, partition, true));
    ob.fill($('setup-partition'), partitionOptions);
    ob.clear($('mappings'));
    (d ? d.fieldMappings : [{ source: 'person.name.firstName', target: 'firstName' }, { source: 'person.name.lastName', target: 'lastName' }, { source: 'companyName', target: 'company' }]).forEach(addMappingRow);
    ob.clear($('setup-audiences'));
    (d ? d.audiences : [null]).forEach(addAudienceRow);
  }
  function loadPickers(munchkinId) {
    var base = ob.path('/marketo/instances', munchkinId);
    var notes = [];
    function picker(name, key, what) {
      return ob.call('GET', base + '/' + name).then(function (data) { pickers[key] = data[key]; }, function (error) {
        if (error.status === 401) throw error;
        pickers[key] = null;
        notes.push('The ' + what + ' of the instance could not be read (' + error.message + '): type them instead.');
      });
    }
    return Promise.all([picker('lead-fields', 'fields', 'lead fields'), picker('partitions', 'partitions', 'partitions'), picker('lists', 'lists', 'static lists')]).then(function () {
      ob.fill($('picker-notes'), notes.map(function (n) { return el('p', { class: 'notice', text: n }); }));
    });
  }
  function setupBody() {
    var rows = function (id) { return Array.prototype.slice.call($(id).children); };
    var body = {
      name: $('setup-name').value,
      description: $('setup-description').value || undefined,
      munchkinId: $('setup-munchkin').value,
      personCreationMode: $('setup-mode').value,
      endDateBehavior: $('setup-end').value,
      fieldMappings: rows('mappings').map(function (r) { return { source: r.querySelector('.mapping-source').value.trim(), target: r.querySelector('.mapping-target').value.trim() }; }),
      audiences: rows('setup-audiences').map(function (r) {
        var list = r.querySelector('.audience-list').value.trim();
        return { audienceId: r.querySelector('.audience-id').value.trim(), mappingId: /^\d+$/.test(list) ? Number(list) : list, startDate: r.querySelector('.audience-start').value.trim(), endDate: r.querySelector('.audience-end').value.trim() };
      })
    };
    if ($('setup-partition').value) body.partitionName = $('setup-partition').value;
    return body;
  }
  $('add-mapping').addEventListener('click', function () { addMappingRow(null).querySelector('input').focus(); });
  $('add-audience').addEventListener('click', function () { addAudienceRow(null).querySelector('input').focus(); });
  $('setup-form').addEventListener('submit', function (event) {
    event.preventDefault();
    ob.clear($('setup-result'));
    ob.act($('save'), function () {
      return ob.call('PUT', api, setupBody()).then(function (saved) {
        var lines = ['Saved.'];
        if (saved.requeued) lines.push(ob.count(saved.requeued) + ' failed people will be retried on the next run.');
        ob.fill($('setup-result'), el('div', { class: 'notice ok' }, [el('p', { style: 'margin:0', text: lines.join(' ') })].concat((saved.warnings || []).length ? [el('ul', {}, saved.warnings.map(function (w) { return el('li', { text: typeof w === 'string' ? w : w.message }); }))] : [])));
        $('status-part').hidden = false;
        return loadStatus().then(function () { return lines.join(' '); });
      });
    }, $('setup-errors')).then(function () {
      if ($('setup-errors').firstChild) $('setup-errors').scrollIntoView({ block: 'center' });
    });
  });

  // ---- load -------------------------------------------------------------
  function load() {
    return ob.call('GET', api).then(function (s) {
      return loadPickers(s.destination.munchkinId).then(function () {
        renderStatus(s);
        fillSetup(s.destination);
      });
    }, function (error) {
      // A destination that does not exist yet: the setup form only, for the instance named in the URL.
      if (error.status !== 404 || !query.get('munchkinId')) throw error;
      $('status-part').hidden = true;
      $('page-title').textContent = 'New destination ' + destinationId;
      return loadPickers(query.get('munchkinId')).then(function () {
        fillSetup(null, query.get('munchkinId'));
        $('setup-name').focus();
      });
    });
  }
  ob.start(load);
})();
`;
