/**
 * The admin page's behaviour (plain ES2017, no build step): Edit, OK,
 * Confirm (opens the Adobe sign-in popup), Close; listens for the popup's
 * postMessage from our own origin only, and polls the mapping while an
 * attempt is pending in case the popup lost its opener.
 */
export const adminPageScript = String.raw`
(function () {
  'use strict';
  var munchkinId = document.body.getAttribute('data-munchkin-id');
  var api = '/org-mapping/' + encodeURIComponent(munchkinId);
  var $ = function (id) { return document.getElementById(id); };
  var pollTimer = null;
  var popup = null;

  // The admin token arrives in the URL fragment (never sent to a server) and is kept for this tab only.
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    sessionStorage.setItem('orgbridge-admin-token', fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  function token() { return sessionStorage.getItem('orgbridge-admin-token'); }

  function call(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { 'authorization': 'Bearer ' + token(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data && data.error && data.error.message) || ('HTTP ' + response.status));
        return data;
      });
    });
  }

  function show(id, visible) { $(id).hidden = !visible; }
  function notice(text, kind) {
    var el = $('notice');
    el.textContent = text || '';
    el.className = 'notice' + (kind ? ' ' + kind : '');
    el.hidden = !text;
  }

  function render(view) {
    $('status').textContent = view.status;
    $('org-id').textContent = view.imsOrgId || (view.draft ? view.draft.imsOrgId + ' (not confirmed)' : 'not set');
    $('confirmed-at').textContent = view.confirmed ? view.confirmed.confirmedAt : '-';
    show('edit', view.available && !view.readOnly);
    show('confirm', view.available && !view.readOnly && !!view.draft && view.status !== 'pending');
    if (!view.available) notice('A HIPAA-ready Marketo instance cannot use Adobe Organization Mapping.', 'error');
    else if (view.readOnly) notice('This subscription is onboarded to the Adobe Business Platform: its org ID is set by Adobe and is read-only.');
    // While a sign-in result is on screen, it already says why.
    else if (view.status === 'failed' && view.lastAttempt && $('result').hidden) notice(view.lastAttempt.message || view.lastAttempt.reason, 'error');
    else notice('');
    if (view.status === 'pending') startPolling(); else stopPolling();
    return view;
  }

  function refresh() {
    return call('GET', api).then(render).catch(function (error) { notice(error.message, 'error'); });
  }

  function showResult(outcome, message) {
    $('result').textContent = message;
    $('result').className = 'notice ' + (outcome === 'mapped' ? 'ok' : 'error');
    $('result').setAttribute('data-outcome', outcome);
    show('result', true);
    show('close', true);
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () {
      call('GET', api).then(function (view) {
        if (view.status !== 'pending') {
          stopPolling();
          render(view);
          var outcome = view.lastAttempt && view.lastAttempt.status === 'mapped' ? 'mapped' : (view.lastAttempt && view.lastAttempt.reason) || view.status;
          showResult(outcome, outcome === 'mapped' ? 'The Marketo instance is now mapped to the Adobe organization.' : (view.lastAttempt && view.lastAttempt.message) || 'The mapping was not confirmed.');
        }
      }).catch(function () {});
    }, 1500);
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  window.addEventListener('message', function (event) {
    // Only our own popup page, served from this origin, may speak to us.
    if (event.origin !== location.origin) return;
    var data = event.data;
    if (!data || data.type !== 'orgbridge:org-mapping' || data.munchkinId !== munchkinId) return;
    stopPolling();
    showResult(data.outcome, data.message);
    refresh();
  });

  $('edit').addEventListener('click', function () {
    show('edit-form', true);
    show('edit', false);
    $('org-id-input').focus();
  });
  $('cancel').addEventListener('click', function () { show('edit-form', false); refresh(); });
  $('edit-form').addEventListener('submit', function (event) {
    event.preventDefault();
    call('PUT', api, { imsOrgId: $('org-id-input').value }).then(function (view) {
      show('edit-form', false);
      render(view);
    }).catch(function (error) { notice(error.message, 'error'); });
  });
  $('confirm').addEventListener('click', function () {
    // Opened inside the click so that popup blockers allow it; pointed at Adobe once we have the URL.
    popup = window.open('about:blank', 'orgbridge-adobe-login', 'popup,width=520,height=720');
    call('POST', api + '/confirm', {}).then(function (started) {
      $('signin-link').href = started.authorizeUrl;
      if (popup && !popup.closed) popup.location.href = started.authorizeUrl;
      else show('signin', true);
      refresh();
    }).catch(function (error) {
      if (popup) popup.close();
      notice(error.message, 'error');
    });
  });
  $('close').addEventListener('click', function () {
    show('result', false);
    show('close', false);
    show('signin', false);
    refresh();
  });
  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem('orgbridge-admin-token', $('token-input').value.trim());
    show('token-form', false);
    show('mapping', true);
    refresh();
  });

  if (!token()) { show('token-form', true); show('mapping', false); }
  else refresh();
})();
`;
