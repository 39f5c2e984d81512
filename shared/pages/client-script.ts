/**
 * What every admin page's script shares (plain ES2017, no build step), as
 * `ob`: the admin token (from the URL fragment, never sent to a server, kept
 * for this tab only, or pasted), API calls that keep the error's code and
 * details, a DOM builder that only ever sets text (never HTML), and the live
 * regions that announce errors (role=alert) and results (role=status).
 */
export const adminClientScript = String.raw`
var ob = (function () {
  'use strict';
  var TOKEN_KEY = 'orgbridge-admin-token';
  var $ = function (id) { return document.getElementById(id); };
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function call(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { 'authorization': 'Bearer ' + token(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var failure = (data && data.error) || {};
          var error = new Error(failure.message || ('orgbridge answered HTTP ' + response.status + '.'));
          error.status = response.status;
          error.code = failure.code;
          error.details = failure.details;
          throw error;
        }
        return data;
      });
    }, function () {
      var error = new Error('orgbridge could not be reached. Check the connection, then try again.');
      error.status = 0;
      throw error;
    });
  }

  /** el('td', { class: 'num', text: 3 }) or el('p', {}, [child, 'text']): text only, never HTML. */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else if (key === 'on') Object.keys(value).forEach(function (name) { node.addEventListener(name, value[name]); });
      else if (key === 'hidden' || key === 'disabled' || key === 'checked' || key === 'selected') node[key] = !!value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    (Array.isArray(children) ? children : children === undefined ? [] : [children]).forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fill(node, children) { clear(node); (Array.isArray(children) ? children : [children]).forEach(function (c) { if (c) node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c))); }); return node; }

  /** An error as a person reads it: the message, then each detail (field and problem) on its own line. */
  function errorNode(error) {
    var box = el('div', { class: 'notice error', 'data-code': error.code || 'error' }, [el('p', { style: 'margin:0', text: error.message })]);
    var details = error.details;
    if (Array.isArray(details) && details.length) {
      box.appendChild(el('ul', {}, details.map(function (d) {
        if (d && typeof d === 'object' && d.message) return el('li', {}, d.path && d.path !== '(root)' ? [el('code', { text: d.path }), ': ' + d.message] : [d.message]);
        return el('li', { text: typeof d === 'string' ? d : JSON.stringify(d) });
      })));
    } else if (details && typeof details === 'object') {
      box.appendChild(el('ul', {}, Object.keys(details).map(function (k) {
        var value = details[k];
        var text = typeof value === 'string' ? value : Array.isArray(value) && value.every(function (v) { return typeof v !== 'object'; }) ? value.join(', ') : JSON.stringify(value);
        return el('li', {}, [el('code', { text: k }), ': ' + text]);
      })));
    }
    return box;
  }

  /** Errors go to an always-present role=alert region (or one given), so screen readers announce them. A refused token asks for a new one. */
  function showError(error, region) {
    if (error && error.status === 401) { askForToken('The admin token was refused: ' + error.message + ' Paste a valid token to continue.'); return; }
    fill(region || $('alerts'), errorNode(error));
  }
  function clearErrors(region) { clear(region || $('alerts')); }
  function announce(text) {
    var live = $('announcer');
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 30);
  }

  var load = function () { return Promise.resolve(); };
  function askForToken(problem) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('page').hidden = true;
    $('token-form').hidden = false;
    fill($('token-problem'), problem ? el('p', { class: 'notice error', text: problem }) : []);
    $('token-input').value = '';
    $('token-input').focus();
  }
  function run() {
    $('token-form').hidden = true;
    $('page').hidden = false;
    clearErrors();
    return Promise.resolve().then(load).catch(function (error) { showError(error); });
  }
  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('token-input').value.trim();
    if (!value) { fill($('token-problem'), el('p', { class: 'notice error', text: 'Paste the admin token first.' })); $('token-input').focus(); return; }
    sessionStorage.setItem(TOKEN_KEY, value);
    clear($('token-problem'));
    run();
  });
  $('change-token').addEventListener('click', function () { askForToken(''); });

  /** Starts the page: with a token, loads it; without one, asks for a token first. */
  function start(pageLoad) {
    load = pageLoad;
    if (!token()) askForToken('');
    else run();
  }

  /** Runs an action from a button: disabled while it runs, errors announced, the result's text announced. */
  function act(button, action, region) {
    button.disabled = true;
    clearErrors(region);
    return Promise.resolve().then(action).then(function (message) {
      if (message) announce(message);
    }, function (error) { showError(error, region); }).then(function () { button.disabled = false; });
  }

  /** 2026-12-01T07:45:12.345Z as "2026-12-01 07:45 UTC": the same for every admin and every screenshot. */
  function when(value) {
    if (value === undefined || value === null || value === '') return '-';
    var date = new Date(typeof value === 'number' ? value : String(value));
    if (isNaN(date.getTime())) return String(value);
    return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function count(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '-'; }
  function badge(text, kind) { return el('span', { class: 'badge ' + (kind || 'quiet'), text: text }); }
  function path() { return Array.prototype.map.call(arguments, function (part, i) { return i === 0 ? part : encodeURIComponent(part); }).join('/'); }

  /**
   * An instance's Adobe org mapping as it is: the org in force (or none), and
   * beside it any change in progress. A refused confirmation is never shown as
   * if the mapping in force had failed.
   */
  function mappingState(mapping, instance) {
    mapping = mapping || {};
    if (instance && instance.hipaaReady) return [badge('Not available (HIPAA-ready)', 'quiet')];
    var inForce = mapping.confirmedImsOrgId || mapping.imsOrgId;
    var parts = inForce ? [badge('Mapped', 'good'), ' ', el('code', { text: inForce })] : [badge('Not mapped', 'wait')];
    var change = { draft: 'a new org ID awaits Confirm', pending: 'Adobe sign-in in progress', failed: 'the last confirmation did not complete' }[mapping.status];
    if (change) parts.push(el('div', { class: 'hint', text: change }));
    return parts;
  }

  return { mappingState: mappingState, $: $, call: call, el: el, clear: clear, fill: fill, errorNode: errorNode, showError: showError, clearErrors: clearErrors, announce: announce,
    askForToken: askForToken, start: start, reload: run, act: act, when: when, count: count, badge: badge, path: path };
})();
`;
