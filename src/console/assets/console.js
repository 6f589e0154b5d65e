// Strongbox console (proto-docs/console.md): a page for the people who support players.
//
// It signs in with an API key kept in this tab's sessionStorage (sent as x-api-key, never in a
// URL or a cookie) and calls the same public API as every client, so the key's scopes decide
// what it may do; controls a key may not use are not shown. Safety rules this file keeps:
//   - every stored value reaches the page through textContent or a text node (el() below),
//     never as markup, so a value such as <img onerror=…> is shown, not run;
//   - every URL is relative to the page, so the console works behind a path prefix;
//   - every destructive action asks first (confirmDialog).
'use strict';

const KEY_STORAGE = 'strongbox.apiKey';
// <prefix>/console/ → <prefix>/: the page's own path, whatever slashes follow it.
const API_BASE = new URL(
  window.location.pathname.replace(/\/console\/*(index\.html)?$/, '/'), window.location.origin);

let caller = null;  // GET /admin/v1/caller: {auth, id, name, scopes:[{universe, scope, dataStores}]}
const timers = new Set();  // intervals of the current view, cleared on navigation
const recorder = new StrongboxCharts.Recorder(150);
let sampler = null;
let metricsRefused = false;  // /metrics needs an admin key here (metrics_access)

// ---------------------------------------------------------------------------------------------
// DOM helpers: strings become text nodes, never HTML.

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      e.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      e.className = v;
    } else if (k === 'text') {
      e.textContent = v;
    } else if (k === 'value') {
      e.value = v;
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    e.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return e;
}

function view() { return document.getElementById('view'); }

// Each navigation starts a new generation. A view takes its page handle (pageOf) before its
// first await, so when it answers after the user moved on, its drawing and its timers are
// dropped instead of covering the newer page.
let routeGeneration = 0;
function pageOf() {
  const mine = routeGeneration;
  const current = () => mine === routeGeneration;
  return {
    current,
    show: (...children) => { if (current()) show(...children); },
    timer: (id) => { if (current()) timers.add(id); else clearInterval(id); },
  };
}

function show(...children) {
  const v = view();
  v.replaceChildren(...children.flat(Infinity).filter((c) => c));
}

function setStatus(text, kind) {
  const s = document.getElementById('status');
  s.textContent = text || '';
  s.className = `status ${kind || ''}`;
}

// JSON with integers beyond 2^53 kept exact (api.md §1: integers keep int64 precision): such a
// number is read as a BigInt (the reviver's source text) and written back as its digits
// (JSON.rawJSON). Where the browser has neither, BIG_JSON is false and the page refuses to edit
// a value that holds one (bigIntegerIn), rather than round it.
const BIG_JSON = typeof JSON.rawJSON === 'function';
function parseJson(text) {
  if (!BIG_JSON) return JSON.parse(text);
  return JSON.parse(text, (key, value, context) => (typeof value === 'number' &&
    !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)
    ? BigInt(context.source) : value));
}
function toJson(value, indent) {
  return JSON.stringify(value, (key, v) => (typeof v === 'bigint' ? JSON.rawJSON(v.toString()) : v),
    indent);
}
// Whether `text` (a JSON answer) holds an integer literal too large for a double, outside strings.
function bigIntegerIn(text) {
  return /(^|[^"\\\w.])-?\d{16,}(?![\d.eE])/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
}
// A number typed by the user: digits as a BigInt (exact), anything else as a Number.
function typedNumber(text) {
  const t = text.trim();
  return BIG_JSON && /^-?\d+$/.test(t) ? BigInt(t) : Number(t);
}

function pretty(value) { return toJson(value, 2); }

// Typed JSON laid out as pretty() lays out stored values, so a diff lines them up; other text
// as it is.
function reformat(text) {
  try { return pretty(parseJson(text)); } catch (e) { return text; }
}

// An RFC 3339 time as 'YYYY-MM-DD hh:mm:ss UTC', for tables.
function when(t) { return t ? `${t.slice(0, 19).replace('T', ' ')} UTC` : ''; }

function link(text, hash) { return el('a', { href: hash }, text); }

// A link to `hashOf()`, or the plain text when that cannot be a browser path (seg refuses "."
// and ".."): one such name in a list is shown without its link instead of breaking the list.
function linkOrText(text, hashOf) {
  try {
    return link(text, hashOf());
  } catch (error) {
    return el('span', { class: 'muted', title: error.message, text });
  }
}

// One path segment. "." and ".." (even percent-encoded) are resolved away by every browser
// before the request leaves, so the request would name another resource: refuse instead.
function seg(s) {
  const text = String(s);
  if (text === '.' || text === '..') {
    throw new Error(`The name "${text}" cannot be used in a URL path from a browser (it resolves ` +
      'it away); use an API client for this resource.');
  }
  return encodeURIComponent(text);
}

function crumbs(...parts) {
  return el('div', { class: 'crumbs' }, parts.map((p, i) => [
    i ? ' / ' : '', typeof p === 'string' ? p : link(p[0], p[1]),
  ]));
}

// A modal question. Resolves to false (cancel) or true / the typed text (OK).
function confirmDialog(message, okLabel, input) {
  const dialog = document.getElementById('dialog');
  document.getElementById('dialog-message').textContent = message;
  const ok = document.getElementById('dialog-ok');
  ok.textContent = okLabel || 'OK';
  const label = document.getElementById('dialog-input-label');
  const field = document.getElementById('dialog-input');
  label.hidden = !input;
  field.value = input ? input.value || '' : '';
  document.getElementById('dialog-input-name').textContent = input ? input.name : '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') resolve(false);
      else resolve(input ? field.value : true);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    (input ? field : ok).focus();
  });
}

// ---------------------------------------------------------------------------------------------
// The API.

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || this.body.error || '';
  }
}

async function api(method, path, options = {}) {
  const url = new URL(path, API_BASE);
  for (const [k, v] of Object.entries(options.query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers['x-api-key'] = key;
  let body;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = toJson(options.body);
  }
  const response = await fetch(url, { method, headers, body, credentials: 'omit',
    cache: 'no-store' });
  const text = await response.text();
  if (options.raw) {
    if (!response.ok) throw new ApiError(response.status, { message: text });
    return text;
  }
  let json = null;
  try { json = text ? parseJson(text) : {}; } catch (e) { json = { message: text }; }
  if (!response.ok) throw new ApiError(response.status, json);
  if (!BIG_JSON && json && typeof json === 'object' && bigIntegerIn(text)) {
    Object.defineProperty(json, 'lossy', { value: true });  // shown rounded: no editing
  }
  return json;
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut('The API key was refused (revoked, expired or wrong): sign in again.');
    return;
  }
  const code = error.code ? `${error.code}: ` : '';
  setStatus(`${code}${error.message}`, 'error');
}

// Runs an action from a button, reporting its outcome.
async function attempt(action, success) {
  try {
    const result = await action();
    if (success) setStatus(success, 'okay');
    return result;
  } catch (error) {
    failed(error);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Scopes (api.md §7): what the signed-in key may do, to show only the controls it may use.

function can(scope, universe, dataStore) {
  if (!caller) return false;
  if (caller.auth === 'disabled') return true;
  return (caller.scopes || []).some((s) => {
    if (s.universe !== '*' && s.universe !== String(universe)) return false;
    if (s.scope === 'admin') {
      if (s.universe !== '*' && scope === 'admin') return false;
    } else if (s.scope !== scope) {
      return false;
    }
    if (!s.dataStores || s.dataStores.length === 0) return true;
    return dataStore !== undefined && s.dataStores.includes(dataStore);
  });
}

const isAdmin = () => can('admin', '*');

// Whether the key holds `scope` on the universe for some data store (a key limited to named data
// stores still gets the cards that lead to them).
function canSome(scope, universe) {
  if (can(scope, universe)) return true;
  return namedDataStores(universe).some((ds) => can(scope, universe, ds));
}

// The data stores the key's scopes on this universe are limited to.
function namedDataStores(universe) {
  const names = new Set();
  for (const s of (caller && caller.scopes) || []) {
    if (s.universe === '*' || s.universe === String(universe)) (s.dataStores || []).forEach((d) => names.add(d));
  }
  return [...names].sort();
}

const S = {
  dsList: 'universe-datastores.control:list',
  dsDelete: 'universe-datastores.control:delete',
  dsCreate: 'universe-datastores.control:create',
  entryList: 'universe-datastores.objects:list',
  entryRead: 'universe-datastores.objects:read',
  entryUpdate: 'universe-datastores.objects:update',
  entryDelete: 'universe-datastores.objects:delete',
  revisions: 'universe-datastores.versions:list',
  boardRead: 'universe.ordered-data-store.scope.entry:read',
  boardWrite: 'universe.ordered-data-store.scope.entry:write',
  mapRead: 'memory-store.sorted-map:read',
  mapWrite: 'memory-store.sorted-map:write',
  hashMapRead: 'memory-store.hash-map:read',
  hashMapWrite: 'memory-store.hash-map:write',
  queueRead: 'memory-store.queue:dequeue',
  flush: 'memory-store:flush',
  lockRead: 'session-locks:read',
  lockWrite: 'session-locks:write',
};

// ---------------------------------------------------------------------------------------------
// Sign in and out.

function signInView(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('who').textContent = '';
  const input = el('input', { id: 'api-key', type: 'password', autocomplete: 'off',
    placeholder: 'sb_… or the admin key' });
  const form = el('form', { class: 'card signin', id: 'sign-in' },
    el('h1', { text: 'Sign in' }),
    el('p', { class: 'muted' }, 'Paste an API key. It is kept in this tab only (session storage) ' +
      'and sent with each request; closing the tab forgets it.'),
    el('label', {}, 'API key', input),
    message ? el('p', { class: 'error' }, message) : null,
    el('button', { type: 'submit', id: 'sign-in-button' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    try {
      await loadCaller();
      route();
    } catch (error) {
      sessionStorage.removeItem(KEY_STORAGE);
      signInView(error instanceof ApiError && error.status === 401
        ? 'That API key was refused.' : `Could not sign in: ${error.message}`);
    }
  });
  show(form);
  input.focus();
}

async function loadCaller() {
  caller = await api('GET', 'admin/v1/caller');
  const who = caller.auth === 'disabled' ? 'auth disabled' : `key ${caller.name} (${caller.id})`;
  document.getElementById('who').textContent = who;
  document.getElementById('nav').hidden = false;
  document.getElementById('sign-out').hidden = false;
  for (const a of document.querySelectorAll('#nav [data-needs="admin"]')) a.hidden = !isAdmin();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  caller = null;
  routeGeneration += 1;  // a view still loading draws nothing over the sign-in form
  for (const t of timers) clearInterval(t);
  timers.clear();
  if (sampler) { clearInterval(sampler); sampler = null; }
  recorder.points = [];
  recorder.previous = null;
  setStatus('');
  signInView(message);
}

// ---------------------------------------------------------------------------------------------
// Views. Each is `async (params, query) => void`, takes its page handle (pageOf) first, and draws
// into <main> through it.

async function universesView() {
  const screen = pageOf();
  const open = el('input', { id: 'open-universe', placeholder: 'universe id', size: 14 });
  const form = el('form', { class: 'inline' }, 'Open universe', open,
    el('button', { type: 'submit' }, 'Open'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (open.value.trim()) location.hash = `#/u/${seg(open.value.trim())}`;
  });
  const ids = new Set();
  for (const s of (caller.scopes || [])) if (s.universe !== '*') ids.add(s.universe);
  let note = null;
  if (isAdmin()) {
    const listed = await api('GET', 'admin/v1/universes');
    listed.universes.forEach((u) => ids.add(u.id));
    if (listed.truncated) note = el('p', { class: 'muted' }, 'More universes exist than listed.');
  }
  const rows = [...ids].sort((a, b) => Number(a) - Number(b))
    .map((id) => el('tr', {}, el('td', {}, link(`Universe ${id}`, `#/u/${seg(id)}`))));
  screen.show(el('h1', { text: 'Universes' }), form,
    rows.length ? el('table', { id: 'universes' }, el('tr', {}, el('th', { text: 'Universe' })), rows)
      : el('p', { class: 'muted' }, 'No universe holds data yet (or this key names none).'),
    note);
}

async function universeView({ u }) {
  const screen = pageOf();
  const parts = [el('h1', { text: `Universe ${u}` }), crumbs(['Universes', '#/'], u)];
  const grid = el('div', { class: 'grid' });
  parts.push(grid);
  screen.show(parts);
  let inventory = null;
  if (can('admin', u)) {
    inventory = await attempt(() => api('GET', `admin/v1/universes/${seg(u)}`));
  }

  // Data stores: listed, or (a key limited to named data stores) the ones its scopes name.
  const named = namedDataStores(u).filter((ds) => can(S.entryList, u, ds) || can(S.entryRead, u, ds));
  if (!can(S.dsList, u) && named.length) {
    grid.appendChild(el('div', { class: 'card wide', id: 'data-stores' }, el('h2', { text: 'Data stores' }),
      el('p', { class: 'muted' }, 'The data stores this key is limited to:'),
      el('ul', {}, named.map((ds) => el('li', {}, linkOrText(ds, () => `#/u/${seg(u)}/ds/${seg(ds)}`))))));
  }
  if (can(S.dsList, u)) {
    const box = el('div', { class: 'card wide', id: 'data-stores' }, el('h2', { text: 'Data stores' }));
    grid.appendChild(box);
    const showDeleted = el('input', { type: 'checkbox', id: 'show-deleted' });
    const table = el('table', {});
    const draw = async () => {
      const page = await attempt(() => api('GET', `cloud/v2/universes/${seg(u)}/data-stores`,
        { query: { maxPageSize: 100, showDeleted: showDeleted.checked ? 'true' : '' } }));
      if (!page) return;
      table.replaceChildren(el('tr', {}, el('th', { text: 'Data store' }), el('th', { text: 'State' }),
        el('th', { text: 'Created' }), el('th', {})));
      for (const ds of page.dataStores) {
        const actions = el('td', {});
        if (ds.state === 'ACTIVE' && can(S.dsDelete, u, ds.id)) {
          actions.appendChild(el('button', { class: 'secondary', onclick: async () => {
            if (!await confirmDialog(`Delete data store "${ds.id}"? Its entries stay restorable ` +
              'by undelete until the retention period ends.', 'Delete')) return;
            await attempt(() => api('DELETE', `cloud/v2/universes/${seg(u)}/data-stores/${seg(ds.id)}`),
              `Data store ${ds.id} deleted.`);
            draw();
          } }, 'Delete'));
        } else if (ds.state !== 'ACTIVE' && can(S.dsCreate, u, ds.id)) {
          actions.appendChild(el('button', { class: 'secondary', onclick: async () => {
            await attempt(() => api('POST',
              `cloud/v2/universes/${seg(u)}/data-stores/${seg(ds.id)}:undelete`, { body: {} }),
            `Data store ${ds.id} restored.`);
            draw();
          } }, 'Undelete'));
        }
        table.appendChild(el('tr', {},
          el('td', {}, ds.state === 'ACTIVE' ? linkOrText(ds.id, () => `#/u/${seg(u)}/ds/${seg(ds.id)}`) : ds.id),
          el('td', { text: ds.state }), el('td', { class: 'muted', text: when(ds.createTime) }), actions));
      }
      if (page.dataStores.length === 0) table.appendChild(el('tr', {}, el('td', { text: 'none' })));
      if (page.nextPageToken) {
        table.appendChild(el('tr', {}, el('td', { colspan: 4, class: 'muted' },
          'The first 100 data stores are shown: open others by name from an entry link or the API.')));
      }
    };
    showDeleted.addEventListener('change', draw);
    box.append(el('label', { class: 'row' }, showDeleted, 'show deleted'), table);
    draw();
  }

  // Leaderboards, sorted maps, queues: listed for admin keys, opened by name for any.
  const opener = (title, id, kind, fields, listed, hashOf) => {
    const box = el('div', { class: 'card', id }, el('h2', { text: title }));
    const inputs = fields.map((f) => el('input', { placeholder: f, size: 14, name: f }));
    const form = el('form', { class: 'inline' }, inputs, el('button', { type: 'submit' }, 'Open'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!inputs.every((i) => i.value.trim())) return;
      try {
        location.hash = hashOf(...inputs.map((i) => i.value.trim()));
      } catch (error) {
        failed(error);
      }
    });
    box.appendChild(form);
    if (listed) {
      const list = el('ul', {});
      for (const item of listed) {
        const names = Array.isArray(item) ? item : [item];
        list.appendChild(el('li', {}, linkOrText(names.join(' / '), () => hashOf(...names))));
      }
      if (listed.length === 0) list.appendChild(el('li', { class: 'muted', text: `no ${kind} yet` }));
      box.appendChild(list);
    }
    grid.appendChild(box);
  };
  if (inventory && inventory.truncated) {
    parts.push(el('p', { class: 'muted', id: 'inventory-truncated' }, 'Some lists below stop at ' +
      'max_inventory_names names; open others by name.'));
    screen.show(parts);
  }
  if (canSome(S.boardRead, u)) {
    opener('Leaderboards', 'leaderboards', 'leaderboards', ['ordered data store', 'scope'],
      inventory && inventory.leaderboards.map((b) => [b.orderedDataStore, b.scope]),
      (s, sc) => `#/u/${seg(u)}/lb/${seg(s)}/${seg(sc)}`);
  }
  if (can(S.mapRead, u)) {
    opener('Sorted maps', 'sorted-maps', 'sorted maps', ['map'], inventory && inventory.sortedMaps,
      (m) => `#/u/${seg(u)}/sm/${seg(m)}`);
  }
  if (can(S.hashMapRead, u)) {
    opener('Hash maps', 'hash-maps', 'hash maps', ['map'], inventory && inventory.hashMaps,
      (m) => `#/u/${seg(u)}/hm/${seg(m)}`);
  }
  if (can(S.queueRead, u)) {
    opener('Queues', 'queues', 'queues', ['queue'], inventory && inventory.queues,
      (q) => `#/u/${seg(u)}/q/${seg(q)}`);
  }
  if (can(S.lockRead, u)) {
    grid.appendChild(el('div', { class: 'card', id: 'locks-card' }, el('h2', { text: 'Session locks' }),
      link('Held and free locks', `#/u/${seg(u)}/locks`)));
  }
  if (can(S.flush, u)) {
    grid.appendChild(el('div', { class: 'card' }, el('h2', { text: 'Memory store' }),
      el('p', { class: 'muted' }, 'Flushing deletes every sorted map and queue of this universe.'),
      el('button', { class: 'danger', id: 'flush', onclick: async () => {
        if (!await confirmDialog(`Flush the memory store of universe ${u}? Every sorted map ` +
          'and queue item is deleted for good.', 'Flush')) return;
        await attempt(() => api('POST', `cloud/v2/universes/${seg(u)}/memory-store:flush`,
          { body: {} }), 'Memory store flushed.');
        route();
      } }, 'Flush memory store')));
  }
}

function entryBase(u, ds, scope) {
  return `cloud/v2/universes/${seg(u)}/data-stores/${seg(ds)}/scopes/${seg(scope)}/entries`;
}

async function dataStoreView({ u, ds }, query) {
  const screen = pageOf();
  const scope = query.get('scope') || 'global';
  const prefix = query.get('prefix') || '';
  const scopeInput = el('input', { name: 'scope', value: scope, size: 10 });
  const prefixInput = el('input', { id: 'prefix', name: 'prefix', value: prefix, size: 24,
    placeholder: 'id prefix' });
  const form = el('form', { class: 'inline', id: 'entry-search' }, 'Scope', scopeInput,
    'Entry id starts with', prefixInput, el('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ scope: scopeInput.value.trim() || 'global', prefix: prefixInput.value });
    location.hash = `#/u/${seg(u)}/ds/${seg(ds)}?${q}`;
  });
  const table = el('table', { id: 'entries' }, el('tr', {}, el('th', { text: 'Entry' })));
  const more = el('button', { class: 'secondary', hidden: true }, 'More');
  screen.show(el('h1', { text: `Data store ${ds}` }),
    crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`], ds), form, table, more);
  let token = '';
  const load = async () => {
    // The filter grammar escapes only '"' and '\\' (api.md §3); other bytes go as they are.
    const filter = prefix ? `id.startsWith("${prefix.replace(/["\\]/g, '\\$&')}")` : '';
    const page = await attempt(() => api('GET', entryBase(u, ds, scope),
      { query: { maxPageSize: 50, pageToken: token, filter } }));
    if (!page) return;
    for (const entry of page.dataStoreEntries) {
      table.appendChild(el('tr', {}, el('td', {},
        linkOrText(entry.id, () => `#/u/${seg(u)}/ds/${seg(ds)}/s/${seg(scope)}/e/${seg(entry.id)}`))));
    }
    if (table.rows.length === 1) table.appendChild(el('tr', {}, el('td', { class: 'muted', text: 'No entries.' })));
    token = page.nextPageToken || '';
    more.hidden = !token;
  };
  more.addEventListener('click', load);
  await load();
}

// A side-by-side, line-by-line diff of two texts (longest common subsequence of lines).
function diffTable(leftTitle, left, rightTitle, right) {
  const a = left.split('\n');
  const b = right.split('\n');
  const table = el('table', { class: 'diff', id: 'diff' },
    el('tr', {}, el('th', { class: 'ln' }), el('th', { text: leftTitle }), el('th', { class: 'ln' }),
      el('th', { text: rightTitle })));
  const cells = 2000 * 2000;
  if (a.length * b.length > cells) {
    table.appendChild(el('tr', {}, el('td', { colspan: 4, text: 'Too large to align: shown whole.' })));
    table.appendChild(el('tr', {}, el('td', {}), el('td', { text: left }), el('td', {}),
      el('td', { text: right })));
    return table;
  }
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  // The edit script: same lines, then runs of removed and added lines, paired side by side.
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push(['same', i++, j++]);
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      ops.push(['add', null, j++]);
    } else {
      ops.push(['del', i++, null]);
    }
  }
  const cell = (index, lines, side, changed) => [
    el('td', { class: 'ln', text: index === null ? '' : index + 1 }),
    el('td', { class: index === null ? side : `${side} ${changed}`, text: index === null ? '' : lines[index] }),
  ];
  for (let k = 0; k < ops.length;) {
    if (ops[k][0] === 'same') {
      table.appendChild(el('tr', { class: 'same' }, cell(ops[k][1], a, 'left', ''), cell(ops[k][2], b, 'right', '')));
      k++;
      continue;
    }
    const dels = [];
    const adds = [];
    for (; k < ops.length && ops[k][0] !== 'same'; k++) (ops[k][0] === 'del' ? dels : adds).push(ops[k]);
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      table.appendChild(el('tr', { class: 'changed' },
        cell(r < dels.length ? dels[r][1] : null, a, 'left', 'del'),
        cell(r < adds.length ? adds[r][2] : null, b, 'right', 'add')));
    }
  }
  return table;
}

async function entryView({ u, ds, scope, id }) {
  const screen = pageOf();
  const base = `${entryBase(u, ds, scope)}/${seg(id)}`;
  const title = el('h1', { text: `Entry ${id}` });
  const top = crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`],
    [ds, `#/u/${seg(u)}/ds/${seg(ds)}?scope=${seg(scope)}`], `${scope} / ${id}`);
  let entry;
  const parts = [title, top];
  try {
    entry = await api('GET', base);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    parts.push(el('p', { class: 'muted', id: 'entry-missing' },
      'This entry does not exist now (deleted or never written). Its revisions, if kept, are below.'));
    entry = null;
  }
  const canUpdate = can(S.entryUpdate, u, ds) && !(entry && entry.lossy);
  if (entry && entry.lossy) {
    parts.push(el('p', { class: 'error', id: 'entry-lossy' }, 'This value holds integers beyond ' +
      '2^53, which this browser cannot edit without changing them: shown rounded, editing is off.'));
  }
  if (entry) {
    parts.push(el('div', { class: 'card', id: 'entry' },
      el('div', { class: 'row muted' }, `revision ${entry.revisionId}`, ` · written ${entry.revisionCreateTime}`,
        ` · created ${entry.createTime}`),
      el('h2', { text: 'Value' }), el('pre', { id: 'entry-value', text: pretty(entry.value) }),
      el('h2', { text: 'Users' }), el('pre', { id: 'entry-users', text: pretty(entry.users || []) }),
      el('h2', { text: 'Attributes' }),
      el('pre', { id: 'entry-attributes', text: pretty(entry.attributes || {}) })));
  }
  const editor = el('div', { id: 'editor' });
  if (entry && (canUpdate || can(S.entryDelete, u, ds))) {
    parts.push(el('div', { class: 'row' },
      canUpdate ? el('button', { id: 'edit', onclick: () => openEditor(entry) }, 'Edit') : null,
      can(S.entryDelete, u, ds) ? el('button', { class: 'danger', id: 'delete-entry', onclick: async () => {
        if (!await confirmDialog(`Delete entry "${id}"? Its revisions stay and it can be restored.`,
          'Delete')) return;
        if (await attempt(() => api('DELETE', base, { query: { etag: entry.etag } }), 'Entry deleted.')) route();
      } }, 'Delete') : null), editor);
  }

  // Editing with compare-and-swap on the etag the editor was opened with.
  function openEditor(current, mine) {
    const value = el('textarea', { id: 'edit-value', spellcheck: 'false' });
    value.value = mine ? mine.value : pretty(current.value);
    const users = el('input', { id: 'edit-users', size: 60,
      value: mine ? mine.users : (current.users || []).join(', ') });
    const attributes = el('textarea', { id: 'edit-attributes', spellcheck: 'false', class: 'small' });
    attributes.value = mine ? mine.attributes : pretty(current.attributes || {});
    attributes.style.minHeight = '5em';
    const save = el('button', { id: 'save', type: 'button' }, 'Save');
    const cancel = el('button', { class: 'secondary', type: 'button', onclick: () => editor.replaceChildren() },
      'Cancel');
    const error = el('p', { class: 'error', id: 'edit-error' });
    editor.replaceChildren(el('div', { class: 'card' }, el('h2', { text: 'Edit' }),
      el('p', { class: 'muted' }, `Saving replaces revision ${current.revisionId} only if it is still ` +
        'the current one (etag compare-and-swap).'),
      el('label', {}, 'Value (JSON)', value), el('label', {}, 'Users (comma-separated)', users),
      el('label', {}, 'Attributes (JSON object)', attributes), error, el('div', { class: 'row' }, save, cancel)));
    save.addEventListener('click', async () => {
      let body;
      try {
        body = {
          value: parseJson(value.value),
          users: users.value.split(',').map((s) => s.trim()).filter((s) => s),
          attributes: parseJson(attributes.value || '{}'),
          etag: current.etag,
        };
      } catch (e) {
        error.textContent = `Not valid JSON: ${e.message}`;
        return;
      }
      try {
        await api('PATCH', base, { body });
        setStatus('Saved as a new revision.', 'okay');
        route();
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) {
          const theirs = await api('GET', base);
          showConflict(theirs, { value: value.value, users: users.value, attributes: attributes.value });
        } else {
          error.textContent = `${e.code ? `${e.code}: ` : ''}${e.message}`;
        }
      }
    });
  }

  // Someone wrote the entry since the editor opened: show theirs beside mine, let the user merge.
  function showConflict(theirs, mine) {
    editor.replaceChildren(el('div', { class: 'card conflict', id: 'conflict' },
      el('h2', { text: 'The entry changed while you edited it' }),
      el('p', {}, `Your save was refused (ETAG_MISMATCH): revision ${theirs.revisionId} was written ` +
        `at ${theirs.revisionCreateTime}. Nothing of yours was written.`),
      diffTable('current value', pretty(theirs.value), 'your edit', reformat(mine.value)),
      el('div', { class: 'row' },
        el('button', { id: 'merge', onclick: () => openEditor(theirs, mine) },
          'Edit again on top of the current revision (keeps your text)'),
        el('button', { class: 'secondary', id: 'discard-mine', onclick: () => route() },
          'Discard my edit'))));
    setStatus('Conflict: the entry changed underneath. Merge and save again.', 'error');
  }

  // Revisions: pick two to compare, restore any.
  if (can(S.revisions, u, ds)) {
    const list = await attempt(() => api('GET', `${base}:listRevisions`, { query: { maxPageSize: 100 } }));
    if (list) {
      const revisions = list.dataStoreEntries || [];
      const idOf = (r) => r.id.slice(r.id.lastIndexOf('@') + 1);
      const left = el('select', { id: 'diff-left' });
      const right = el('select', { id: 'diff-right' });
      revisions.forEach((r, i) => {
        const text = `${idOf(r)} (${r.revisionCreateTime || r.createTime || ''}${r.state === 'DELETED' ? ', deleted' : ''})`;
        left.appendChild(el('option', { value: idOf(r), selected: i === 1 }, text));
        right.appendChild(el('option', { value: idOf(r), selected: i === 0 }, text));
      });
      const diffBox = el('div', { id: 'diff-box' });
      const compare = el('button', { id: 'compare', type: 'button', onclick: async () => {
        // The revision suffix stays unencoded: the server splits K@<revisionId> on the raw '@'.
        const get = (rev) => api('GET', `${entryBase(u, ds, scope)}/${seg(id)}@${seg(rev)}`)
          .then((r) => pretty(r.value)).catch((e) => (e.status === 404 ? '(deleted)' : Promise.reject(e)));
        const texts = await attempt(() => Promise.all([get(left.value), get(right.value)]));
        if (texts) diffBox.replaceChildren(diffTable(left.value, texts[0], right.value, texts[1]));
      } }, 'Compare');
      const table = el('table', { id: 'revisions' }, el('tr', {}, el('th', { text: 'Revision' }),
        el('th', { text: 'Written' }), el('th', { text: 'State' }), el('th', {})));
      for (const r of revisions) {
        const rev = idOf(r);
        table.appendChild(el('tr', {}, el('td', { class: 'mono', text: rev }),
          el('td', { text: r.revisionCreateTime || '' }), el('td', { text: r.state || '' }),
          el('td', {}, canUpdate && r.state !== 'DELETED' && !(entry && rev === entry.revisionId) ? el('button', { class: 'secondary', 'data-revision': rev,
            onclick: async () => {
              if (!await confirmDialog(`Restore revision ${rev}? Its value becomes a new current ` +
                'revision; nothing is lost (the current value stays in the history).', 'Restore')) return;
              const done = await attempt(() => api('POST', `${base}:restoreRevision`,
                { body: { revisionId: rev } }), `Revision ${rev} restored.`);
              if (done) route();
            } }, 'Restore') : null)));
      }
      parts.push(el('h2', { text: 'Revisions' }),
        revisions.length > 1 ? el('div', { class: 'row' }, 'Compare', left, 'with', right, compare) : null,
        diffBox, table);
    }
  }
  screen.show(parts);
}

async function leaderboardView({ u, store, scope }) {
  const screen = pageOf();
  const base = `cloud/v2/universes/${seg(u)}/ordered-data-stores/${seg(store)}/scopes/${seg(scope)}/entries`;
  const order = el('select', { id: 'order' }, el('option', { value: 'value desc' }, 'highest first'),
    el('option', { value: '' }, 'lowest first'));
  const size = el('input', { id: 'top-n', type: 'number', min: 1, max: 1000, value: '25', size: 5 });
  const table = el('table', { id: 'board' });
  const lookup = el('input', { id: 'lookup-id', placeholder: 'entry id', size: 20 });
  const found = el('div', { id: 'lookup-result' });
  const canWrite = can(S.boardWrite, u, store);

  const scoreEditor = (id, value) => {
    if (!canWrite) return null;
    const input = el('input', { type: 'number', value: String(value), size: 10, 'data-score-for': id });
    const save = el('button', { class: 'secondary', type: 'button', onclick: async () => {
      const done = await attempt(() => api('PATCH', `${base}/${seg(id)}`, { body: { value: typedNumber(input.value) } }),
        `Score of ${id} set to ${input.value}.`);
      if (done) { drawTop(); if (lookup.value) search(); }
    } }, 'Set');
    return el('span', { class: 'row' }, input, save);
  };
  const rows = (entries, highlight) => entries.map((e) => el('tr', { class: e.id === highlight ? 'changed' : '' },
    el('td', { class: 'num', text: e.rank }), el('td', { text: e.id }), el('td', { class: 'num', text: e.value }),
    el('td', {}, scoreEditor(e.id, e.value))));
  const header = () => el('tr', {}, el('th', { class: 'num', text: 'Rank' }), el('th', { text: 'Entry' }),
    el('th', { class: 'num', text: 'Score' }), el('th', {}));

  const drawTop = async () => {
    const page = await attempt(() => api('GET', base, { query: { maxPageSize: size.value, orderBy: order.value } }));
    if (page) table.replaceChildren(header(), ...rows(page.orderedDataStoreEntries || []));
  };
  const search = async () => {
    const id = lookup.value.trim();
    if (!id) return;
    try {
      const rank = await api('GET', `${base}/${seg(id)}:rank`, { query: { orderBy: order.value } });
      const near = await api('GET', `${base}/${seg(id)}:neighbors`,
        { query: { orderBy: order.value, before: 5, after: 5 } });
      found.replaceChildren(el('p', { id: 'rank-line' }, `${rank.id}: rank ${rank.rank} of ${rank.totalSize}, score ${rank.value}`),
        el('table', {}, header(), ...rows(near.orderedDataStoreEntries || [], id)));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        found.replaceChildren(el('p', { class: 'muted', id: 'rank-line' }, `No entry "${id}" on this leaderboard.`));
      } else {
        failed(error);
      }
    }
  };
  const searchForm = el('form', { class: 'inline', id: 'lookup' }, 'Find', lookup,
    el('button', { type: 'submit' }, 'Rank and neighbours'));
  searchForm.addEventListener('submit', (e) => { e.preventDefault(); search(); });
  order.addEventListener('change', () => { drawTop(); search(); });
  size.addEventListener('change', drawTop);
  screen.show(el('h1', { text: `Leaderboard ${store} / ${scope}` }),
    crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`], `${store} / ${scope}`),
    el('div', { class: 'card' }, searchForm, found),
    el('div', { class: 'row' }, 'Top', size, order), table);
  await drawTop();
}

function countdown(expireTime) {
  const span = el('span', { class: 'mono', 'data-expire': expireTime });
  const tick = () => {
    const left = Math.max(0, Date.parse(expireTime) - Date.now()) / 1000;
    span.textContent = left <= 0 ? 'expired' : left >= 3600 ? `${(left / 3600).toFixed(1)} h`
      : left >= 60 ? `${Math.floor(left / 60)} m ${Math.floor(left % 60)} s` : `${Math.floor(left)} s`;
  };
  tick();
  return span;
}

// Moves every countdown on the page on by redrawing it (called every second by the views).
function tickCountdowns() {
  for (const span of document.querySelectorAll('[data-expire]')) span.replaceWith(countdown(span.dataset.expire));
}

// Sorted maps (api.md §5) and hash maps (§10) show alike: a hash map's items have no sort key.
const SORTED_MAP = { collection: 'sorted-maps', title: 'Sorted map', write: S.mapWrite, sorted: true };
const HASH_MAP = { collection: 'hash-maps', title: 'Hash map', write: S.hashMapWrite, sorted: false };

async function sortedMapView(params) { return mapView(params, SORTED_MAP); }
async function hashMapView(params) { return mapView(params, HASH_MAP); }

async function mapView({ u, map }, kind) {
  const screen = pageOf();
  const base = `cloud/v2/universes/${seg(u)}/memory-store/${kind.collection}/${seg(map)}/items`;
  const table = el('table', { id: 'items' });
  const more = el('button', { class: 'secondary', hidden: true }, 'More');
  screen.show(el('h1', { text: `${kind.title} ${map}` }), crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`], map), table, more);
  table.appendChild(el('tr', {}, el('th', { text: 'Item' }), kind.sorted ? el('th', { text: 'Sort key' }) : null,
    el('th', { text: 'Value' }), el('th', { text: 'Expires in' }), el('th', {})));
  let token = '';
  const load = async () => {
    const page = await attempt(() => api('GET', base, { query: { maxPageSize: 100, pageToken: token } }));
    if (!page) return;
    for (const item of page.items || []) {
      const sortKey = item.numericSortKey !== undefined ? item.numericSortKey
        : item.stringSortKey !== undefined ? JSON.stringify(item.stringSortKey) : '';
      const remove = can(kind.write, u) ? el('button', { class: 'secondary', onclick: async (ev) => {
        if (!await confirmDialog(`Delete item "${item.id}" from ${map}?`, 'Delete')) return;
        if (await attempt(() => api('DELETE', `${base}/${seg(item.id)}`), `Item ${item.id} deleted.`)) {
          ev.target.closest('tr').remove();
        }
      } }, 'Delete') : null;
      table.appendChild(el('tr', {}, el('td', { text: item.id }), kind.sorted ? el('td', { class: 'mono', text: sortKey }) : null,
        el('td', {}, el('pre', { text: pretty(item.value) })), el('td', {}, countdown(item.expireTime)),
        el('td', {}, remove)));
    }
    token = page.nextPageToken || '';
    more.hidden = !token;
  };
  more.addEventListener('click', load);
  screen.timer(setInterval(tickCountdowns, 1000));
  await load();
}

async function queueView({ u, queue }) {
  const screen = pageOf();
  const base = `cloud/v2/universes/${seg(u)}/memory-store/queues/${seg(queue)}`;
  const q = await api('GET', base);
  const facts = el('table', { id: 'queue' },
    el('tr', {}, el('th', { text: 'Visible and invisible items' }), el('td', { class: 'num', id: 'queue-size', text: q.size })),
    el('tr', {}, el('th', { text: 'Invisible (read, not yet discarded)' }), el('td', { class: 'num', text: q.invisibleSize })),
    el('tr', {}, el('th', { text: 'Deliveries before dead-lettering' }),
      el('td', { class: 'num', text: q.maxDeliveries ? q.maxDeliveries : 'unlimited' })),
    el('tr', {}, el('th', { text: 'Dead-letter queue' }), el('td', {},
      q.deadLetterQueue ? linkOrText(q.deadLetterQueue, () => `#/u/${seg(u)}/q/${seg(q.deadLetterQueue)}`) : 'none')));
  // :peek, not :read: a read would hide the items from the game servers that consume them.
  const peeked = await api('GET', `${base}/items:peek`, { query: { count: 50 } });
  const items = el('table', { id: 'peek' }, el('tr', {}, el('th', { text: 'Item' }), el('th', { class: 'num', text: 'Priority' }),
    el('th', { text: 'Data' }), el('th', { text: 'State' }), el('th', { class: 'num', text: 'Deliveries' }),
    el('th', { text: 'Expires in' })));
  for (const item of peeked.items) {
    items.appendChild(el('tr', {}, el('td', { class: 'mono', text: item.id }), el('td', { class: 'num', text: item.priority }),
      el('td', {}, el('pre', { text: pretty(item.data) })),
      el('td', { text: item.invisible ? `invisible until ${item.invisibleUntil}` : 'visible' }),
      el('td', { class: 'num', text: item.deliveries }), el('td', {}, countdown(item.expireTime))));
  }
  if (peeked.items.length === 0) items.appendChild(el('tr', {}, el('td', { class: 'muted', text: 'Empty.' })));
  screen.show(el('h1', { text: `Queue ${queue}` }), crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`], queue), facts,
    el('h2', { text: 'First items, in read order (peeked: nothing is read or hidden)' }), items);
  screen.timer(setInterval(async () => {
    try {
      const now = await api('GET', base);
      const cell = document.getElementById('queue-size');
      if (cell) cell.textContent = now.size;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) failed(e);  // revoked: back to sign-in
    }
    tickCountdowns();
  }, 1000));
}

async function locksView({ u }) {
  const screen = pageOf();
  const base = `cloud/v2/universes/${seg(u)}/session-locks`;
  const page = await api('GET', base, { query: { maxPageSize: 100 } });
  const canWrite = can(S.lockWrite, u);
  const table = el('table', { id: 'locks' }, el('tr', {}, el('th', { text: 'Lock' }), el('th', { text: 'State' }),
    el('th', { text: 'Holder' }), el('th', { class: 'num', text: 'Fencing token' }), el('th', { text: 'Expires in' }),
    el('th', { text: 'Release requested' }), el('th', {})));
  for (const lock of page.sessionLocks || []) {
    const held = lock.state === 'HELD';
    const actions = el('td', { class: 'row' });
    if (canWrite && held) {
      actions.append(el('button', { class: 'secondary', onclick: async () => {
        const reason = await confirmDialog(`Ask the holder of "${lock.id}" (${lock.owner}) to release it?`,
          'Request release', { name: 'Reason', value: 'support' });
        if (reason === false) return;
        if (await attempt(() => api('POST', `${base}/${seg(lock.id)}:requestRelease`,
          { body: { requester: `console:${caller.id || 'local'}`, reason } }), 'Release requested.')) route();
      } }, 'Request release'),
      el('button', { class: 'danger', onclick: async () => {
        const reason = await confirmDialog(`Steal "${lock.id}" from ${lock.owner}? Its holder's next ` +
          'guarded write fails with LOCK_LOST, and the console holds the lock until it expires.',
        'Steal', { name: 'Reason', value: 'support' });
        if (reason === false) return;
        if (await attempt(() => api('POST', `${base}/${seg(lock.id)}:steal`,
          { body: { owner: `console:${caller.id || 'local'}`, ttl: '30s', reason } }), 'Lock stolen.')) route();
      } }, 'Steal'));
    }
    table.appendChild(el('tr', {}, el('td', { text: lock.id }),
      el('td', {}, el('span', { class: held ? 'tag held' : 'tag', text: lock.state })),
      el('td', { text: held ? lock.owner : '' }), el('td', { class: 'num', text: lock.fencingToken }),
      el('td', {}, held ? countdown(lock.expireTime) : ''),
      el('td', { text: lock.releaseRequested ? `${lock.releaseRequest.requester}: ${lock.releaseRequest.reason}` : '' }),
      actions));
  }
  screen.show(el('h1', { text: `Session locks of universe ${u}` }), crumbs(['Universes', '#/'], [u, `#/u/${seg(u)}`], 'locks'),
    table, page.nextPageToken ? el('p', { class: 'muted' }, 'The first 100 locks are shown.') : null);
  screen.timer(setInterval(tickCountdowns, 1000));
}

function scopesText(scopes) {
  return scopes.map((s) => `${s.scope} on ${s.universe === '*' ? 'every universe' : `universe ${s.universe}`}` +
    (s.dataStores ? ` (${s.dataStores.join(', ')})` : '')).join('; ');
}

async function keysView() {
  const screen = pageOf();
  const list = await api('GET', 'admin/v1/api-keys');
  const table = el('table', { id: 'keys' }, el('tr', {}, el('th', { text: 'Id' }), el('th', { text: 'Name' }),
    el('th', { text: 'Scopes' }), el('th', { text: 'State' }), el('th', { text: 'Created' }), el('th', {})));
  for (const key of list.apiKeys) {
    table.appendChild(el('tr', { 'data-key': key.id }, el('td', { class: 'mono', text: key.id }), el('td', { text: key.name }),
      el('td', { text: scopesText(key.scopes) }), el('td', { text: key.state }), el('td', { class: 'muted', text: key.createTime }),
      el('td', {}, key.state !== 'REVOKED' && key.id !== caller.id ? el('button', { class: 'danger', 'data-revoke': key.id,
        onclick: async () => {
          if (!await confirmDialog(`Revoke key "${key.name}" (${key.id})? Every request with it is refused from now on.`,
            'Revoke')) return;
          if (await attempt(() => api('DELETE', `admin/v1/api-keys/${seg(key.id)}`), `Key ${key.id} revoked.`)) route();
        } }, 'Revoke') : null)));
  }
  const name = el('input', { id: 'key-name', placeholder: 'name', size: 16 });
  const scopes = el('textarea', { id: 'key-scopes', spellcheck: 'false' });
  scopes.value = '1 universe-datastores.objects:read\n';
  scopes.style.minHeight = '5em';
  const secret = el('div', { id: 'new-key' });
  const create = el('button', { id: 'create-key', type: 'button', onclick: async () => {
    const parsed = [];
    for (const line of scopes.value.split('\n').map((s) => s.trim()).filter((s) => s)) {
      const [universe, scope, ...stores] = line.split(/\s+/);
      const item = { universe, scope };
      if (stores.length) item.dataStores = stores;
      parsed.push(item);
    }
    const made = await attempt(() => api('POST', 'admin/v1/api-keys', { body: { name: name.value, scopes: parsed } }));
    if (!made) return;
    await keysView();
    document.getElementById('new-key').replaceChildren(el('div', { class: 'card' },
      el('p', {}, `Key ${made.id} created. Its secret is shown this once: copy it now.`),
      el('div', { class: 'secret mono', id: 'new-secret', text: made.secret })));
  } }, 'Create key');
  screen.show(el('h1', { text: 'API keys' }), table,
    el('div', { class: 'card' }, el('h2', { text: 'Create a key' }),
      el('p', { class: 'muted' }, 'One scope per line: universe id (or *), scope name, then any data stores it is ' +
        'limited to. The scope names are those of proto-docs/api.md §7.'),
      el('label', {}, 'Name ', name), el('label', {}, 'Scopes', scopes), create), secret);
}

async function backupsView() {
  const screen = pageOf();
  const list = await api('GET', 'admin/v1/backups');
  const table = el('table', { id: 'backups' }, el('tr', {}, el('th', { text: 'Backup' }), el('th', { text: 'Taken' }),
    el('th', { class: 'num', text: 'Bytes' }), el('th', { class: 'num', text: 'Files' }), el('th', {})));
  for (const b of list.backups) {
    table.appendChild(el('tr', {}, el('td', { text: b.id }), el('td', { text: b.createTime }),
      el('td', { class: 'num', text: b.sizeBytes.toLocaleString() }), el('td', { class: 'num', text: b.files }),
      el('td', {}, el('button', { class: 'danger', onclick: async () => {
        if (!await confirmDialog(`Delete backup ${b.id}? It cannot be restored afterwards.`, 'Delete')) return;
        if (await attempt(() => api('DELETE', `admin/v1/backups/${seg(b.id)}`), `Backup ${b.id} deleted.`)) route();
      } }, 'Delete'))));
  }
  if (list.backups.length === 0) table.appendChild(el('tr', {}, el('td', { class: 'muted', text: 'No backups yet.' })));
  screen.show(el('h1', { text: 'Backups' }), el('p', { class: 'muted' }, `Kept in ${list.backupDir}.`),
    el('button', { id: 'take-backup', onclick: async () => {
      if (await attempt(() => api('POST', 'admin/v1/backups', { body: {} }), 'Backup taken.')) route();
    } }, 'Take a backup now'), table);
}

async function scrape() {
  try {
    recorder.add(await api('GET', 'metrics', { raw: true }), Date.now());
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      clearInterval(sampler);
      sampler = null;
      metricsRefused = e.status === 403;
      if (e.status === 401) failed(e);  // revoked: back to sign-in
    }
  }
}

async function healthView() {
  const screen = pageOf();
  const ready = await fetch(new URL('readyz', API_BASE), { cache: 'no-store' })
    .then(async (r) => `${r.status} ${(await r.json()).status}`).catch(() => 'unreachable');
  const charts = el('div', { class: 'charts', id: 'charts' });
  const draw = () => {
    charts.replaceChildren(
      StrongboxCharts.lineChart('Requests per second by route family', recorder.byFamily('rps'), '/s'),
      StrongboxCharts.lineChart('Latency p50 by route family', recorder.byFamily('p50'), ' ms'),
      StrongboxCharts.lineChart('Latency p99 by route family', recorder.byFamily('p99'), ' ms'),
      StrongboxCharts.lineChart('Server errors (5xx) by route family', recorder.byFamily('errorPct'), '%'),
      StrongboxCharts.lineChart('Throttled (429) by route family', recorder.byFamily('throttledPct'), '%'),
      StrongboxCharts.lineChart('Commit groups', [recorder.series('mutations per group', 'groupMean'),
        recorder.series('groups per second', 'groupsPerSecond')], ''),
      StrongboxCharts.lineChart('Durable write (fsync) latency',
        [recorder.series('p50', 'writeP50'), recorder.series('p99', 'writeP99')], ' ms'));
  };
  screen.show(el('h1', { text: 'Health' }), el('p', { id: 'readiness' }, `Readiness: ${ready}`),
    el('p', { class: 'muted' }, 'Scraped from /metrics every 2 s while the console is open; the last 5 minutes.'),
    charts);
  if (!sampler) {
    metricsRefused = false;
    await scrape();
    if (!metricsRefused && caller) sampler = setInterval(scrape, 2000);
  }
  if (metricsRefused) {
    charts.replaceChildren(el('p', { class: 'error', id: 'metrics-refused' }, 'This key may not ' +
      'read /metrics on this server (metrics_access): the charts need an admin key here.'));
    return;
  }
  draw();
  screen.timer(setInterval(draw, 2000));
}

// ---------------------------------------------------------------------------------------------
// Routing: #/path?query, each path segment percent-encoded.

const ROUTES = [
  [/^$/, [], universesView],
  [/^u\/([^/]+)$/, ['u'], universeView],
  [/^u\/([^/]+)\/ds\/([^/]+)$/, ['u', 'ds'], dataStoreView],
  [/^u\/([^/]+)\/ds\/([^/]+)\/s\/([^/]+)\/e\/([^/]+)$/, ['u', 'ds', 'scope', 'id'], entryView],
  [/^u\/([^/]+)\/lb\/([^/]+)\/([^/]+)$/, ['u', 'store', 'scope'], leaderboardView],
  [/^u\/([^/]+)\/sm\/([^/]+)$/, ['u', 'map'], sortedMapView],
  [/^u\/([^/]+)\/hm\/([^/]+)$/, ['u', 'map'], hashMapView],
  [/^u\/([^/]+)\/q\/([^/]+)$/, ['u', 'queue'], queueView],
  [/^u\/([^/]+)\/locks$/, ['u'], locksView],
  [/^keys$/, [], keysView],
  [/^backups$/, [], backupsView],
  [/^health$/, [], healthView],
];

async function route() {
  routeGeneration += 1;
  for (const t of timers) clearInterval(t);
  timers.clear();
  if (!caller) return;
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  for (const [pattern, names, render] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const params = {};
    try {
      names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    } catch (e) {
      break;  // a malformed escape: no such page
    }
    try {
      await render(params, new URLSearchParams(query || ''));
    } catch (error) {
      failed(error);
      if (!caller) return;
      show(el('p', { class: 'error', id: 'view-error' },
        `${error.code ? `${error.code}: ` : ''}${error.message}`), el('p', {}, link('Back to universes', '#/')));
    }
    return;
  }
  show(el('p', { id: 'view-error' }, 'No such page. ', link('Universes', '#/')));
}

window.addEventListener('hashchange', () => { setStatus(''); route(); });
document.getElementById('sign-out').addEventListener('click', () => signOut());
(async () => {
  if (!sessionStorage.getItem(KEY_STORAGE)) {
    // A server without auth answers the caller route without a key: no sign-in needed.
    try {
      await loadCaller();
      if (caller.auth === 'disabled') { route(); return; }
    } catch (e) { /* sign in below */ }
    caller = null;
    signInView();
    return;
  }
  try {
    await loadCaller();
    route();
  } catch (error) {
    signOut(error instanceof ApiError && error.status === 401 ? 'The API key was refused: sign in again.'
      : `Could not reach the server: ${error.message}`);
  }
})();
