/**
 * The mapping page's behaviour (plain ES2017, runs after `ob`): Edit, OK,
 * Confirm (opens the Adobe sign-in popup), Cancel sign-in, Close. It says
 * what is true: the org in force stays on screen, a change in progress is
 * shown beside it, and a refused confirmation never reads as if the mapping
 * had stopped working. It listens for the popup's postMessage from our own
 * origin only, and polls while an attempt is pending in case the popup lost
 * its opener.
 */
export const adminPageScript = String.raw`
(function () {
  'use strict';
  var $ = ob.$, el = ob.el;
  var munchkinId = document.body.getAttribute('data-munchkin-id');
  var api = ob.path('/org-mapping', munchkinId);
  var pollTimer = null;
  var popup = null;
  var view = null;
  /** When the sign-in this page started stops working (from Confirm's answer). */
  var signinExpiresAt = null;

  function show(id, visible) { $(id).hidden = !visible; }

  /** The mapping as a sentence that is true whatever is in progress. */
  function inForce(v) {
    if (!v.available) return 'Not available: HIPAA-ready instances cannot use Adobe Organization Mapping';
    if (v.readOnly) return 'Mapped by Adobe (onboarded subscription, read-only)';
    return v.confirmed ? 'Mapped' : 'Not mapped';
  }
  function progress(v) {
    var keeps = v.confirmed ? ' The mapping to ' + v.confirmed.imsOrgId + ' stays in force.' : ' Nothing is mapped yet.';
    if (v.status === 'draft') return { kind: 'info', text: 'New org ID entered: press Confirm and sign in to Adobe to map it.' + keeps };
    if (v.status === 'pending') {
      var until = signinExpiresAt ? ' (it expires at ' + ob.when(signinExpiresAt) + ')' : '';
      return { kind: 'info', text: 'Waiting for the Adobe sign-in in the popup window' + until + '. If you closed it, press Cancel sign-in.' + keeps };
    }
    if (v.status === 'failed' && v.lastAttempt) {
      var why = v.lastAttempt.message || v.lastAttempt.reason;
      return { kind: v.confirmed ? 'info' : 'error', text: 'The new org ID was not confirmed: ' + why + keeps };
    }
    return null;
  }

  function render(next) {
    view = next;
    var status = $('status');
    status.setAttribute('data-status', next.status);
    status.textContent = inForce(next);
    $('org-id').textContent = next.imsOrgId || 'none';
    $('confirmed-at').textContent = next.confirmed ? ob.when(next.confirmed.confirmedAt) + ' by ' + next.confirmed.marketoUserEmail : '-';
    var draft = next.draft && next.status !== 'mapped' ? next.draft.imsOrgId : null;
    show('draft-label', !!draft); show('draft-org-id', !!draft);
    $('draft-org-id').textContent = draft || '-';
    var change = progress(next);
    show('progress-label', !!change); show('progress', !!change);
    $('progress').textContent = change ? change.text : '';
    $('progress').className = change && change.kind === 'error' ? 'removed' : '';
    var editable = next.available && !next.readOnly;
    show('edit', editable && $('edit-form').hidden);
    show('confirm', editable && !!next.draft && next.status !== 'pending' && next.status !== 'mapped');
    show('cancel-signin', editable && next.status === 'pending');
    if (!next.available) ob.fill($('notice'), el('p', { class: 'notice error', text: 'A HIPAA-ready Marketo instance cannot use Adobe Organization Mapping.' }));
    else if (next.readOnly) ob.fill($('notice'), el('p', { class: 'notice info', text: 'This subscription is onboarded to the Adobe Business Platform: its org ID is set by Adobe and is read-only.' }));
    else ob.clear($('notice'));
    if (next.status === 'pending') startPolling(); else stopPolling();
    return next;
  }

  function refresh() { return ob.call('GET', api).then(render); }

  function showResult(outcome, message) {
    var result = $('result');
    result.textContent = message;
    result.className = 'notice ' + (outcome === 'mapped' ? 'ok' : 'error');
    result.setAttribute('data-outcome', outcome);
    show('close', true);
    show('signin', false);
    // Keyboard users land on the one thing left to do.
    $('close').focus();
  }

  /** The result region stays in the page (empty when there is nothing to say), so screen readers announce what is put in it. */
  function clearResult() {
    var result = $('result');
    result.textContent = '';
    result.className = '';
    result.removeAttribute('data-outcome');
    show('close', false);
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () {
      ob.call('GET', api).then(function (next) {
        if (next.status === 'pending') return;
        stopPolling();
        render(next);
        if (next.lastAttempt && next.lastAttempt.reason === 'cancelled') return;
        var outcome = next.lastAttempt && next.lastAttempt.status === 'mapped' ? 'mapped' : (next.lastAttempt && next.lastAttempt.reason) || next.status;
        showResult(outcome, outcome === 'mapped' ? 'The Marketo instance is now mapped to the Adobe organization.' : (next.lastAttempt && next.lastAttempt.message) || 'The mapping was not confirmed.');
      }).catch(function (error) { stopPolling(); ob.showError(error); });
    }, 1500);
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  window.addEventListener('message', function (event) {
    // Only our own popup page, served from this origin, may speak to us.
    if (event.origin !== location.origin) return;
    var data = event.data;
    if (!data || data.type !== 'orgbridge:org-mapping' || data.munchkinId !== munchkinId) return;
    stopPolling();
    popup = null;
    refresh().then(function () { showResult(data.outcome, data.message); }, function (error) { ob.showError(error); });
  });

  $('edit').addEventListener('click', function () {
    show('edit-form', true);
    show('edit', false);
    ob.clear($('edit-errors'));
    $('org-id-input').value = view && view.draft ? view.draft.imsOrgId : '';
    $('org-id-input').focus();
  });
  $('cancel').addEventListener('click', function () {
    show('edit-form', false);
    render(view);
    $('edit').focus();
  });
  $('edit-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = $('org-id-input');
    ob.clear($('edit-errors'));
    input.removeAttribute('aria-invalid');
    ob.call('PUT', api, { imsOrgId: input.value }).then(function (next) {
      show('edit-form', false);
      render(next);
      ob.announce('Org ID ' + next.draft.imsOrgId + ' entered. Press Confirm to sign in to Adobe and map it.');
      $('confirm').focus();
    }).catch(function (error) {
      if (error.status === 401) return ob.showError(error);
      input.setAttribute('aria-invalid', 'true');
      ob.showError(error, $('edit-errors'));
      input.focus();
    });
  });
  $('confirm').addEventListener('click', function () {
    // Opened inside the click so that popup blockers allow it; pointed at Adobe once we have the URL.
    popup = window.open('about:blank', 'orgbridge-adobe-login', 'popup,width=520,height=720');
    ob.clearErrors();
    clearResult();
    ob.call('POST', api + '/confirm', {}).then(function (started) {
      $('signin-link').href = started.authorizeUrl;
      signinExpiresAt = started.expiresAt;
      if (popup && !popup.closed) popup.location.href = started.authorizeUrl;
      else show('signin', true);
      return refresh().then(function () { $('cancel-signin').focus(); });
    }).catch(function (error) {
      if (popup) popup.close();
      ob.showError(error);
    });
  });
  $('cancel-signin').addEventListener('click', function () {
    if (popup && !popup.closed) popup.close();
    popup = null;
    show('signin', false);
    ob.act($('cancel-signin'), function () {
      return ob.call('POST', api + '/cancel', {}).then(render).then(function () {
        (($('confirm').hidden ? $('edit') : $('confirm'))).focus();
        return 'Sign-in cancelled. Nothing was changed.';
      });
    });
  });
  $('close').addEventListener('click', function () {
    clearResult();
    show('signin', false);
    refresh().then(function () {
      var next = !$('confirm').hidden ? $('confirm') : !$('edit').hidden ? $('edit') : $('page-title');
      if (next === $('page-title')) next.setAttribute('tabindex', '-1');
      next.focus();
    }, function (error) { ob.showError(error); });
  });

  ob.start(refresh);
})();
`;
