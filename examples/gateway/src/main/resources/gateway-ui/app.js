// The esplink gateway's status page: plain JavaScript, no build step, no library, nothing from the network but this
// gateway.
//
// Data: the gateway's event stream (GET /ui/events, server-sent events) gives a snapshot of every node and the last
// hour of samples, then at most one "rows" event a second with the rows that changed and a "sample" every few
// seconds. The node page reads GET /nodes/{id}/messages and /events and sends with POST /nodes/{id}/messages.
//
// Token: given once (the form, or ?token= in the address, which is removed from it at once), kept in this tab's
// sessionStorage and sent as "Authorization: Bearer" to this gateway only. An EventSource cannot send that header, so
// the page first asks POST /ui/tickets for a ticket that opens one stream, once, within 30 s.
'use strict';

(() => {
  const TOKEN_KEY = 'esplink.token';
  const HOUR = 3600 * 1000;
  const STATE_ORDER = { up: 0, down: 1, never: 2 };

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };

  // ---------------------------------------------------------------- token

  function takeTokenFromAddress() {
    const url = new URL(location.href);
    const t = url.searchParams.get('token');
    if (t) {
      sessionStorage.setItem(TOKEN_KEY, t);
      url.searchParams.delete('token');
      // the token leaves the address bar and the history entry
      history.replaceState(null, '', url.pathname + (url.search === '?' ? '' : url.search) + url.hash);
    }
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const headers = Object.assign({ Authorization: 'Bearer ' + token() }, options.headers || {});
    const r = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store' }));
    if (r.status === 401) {
      throw new Unauthorized('The gateway refused the token');
    }
    return r;
  }

  function showLogin(message) {
    stopStream();
    sessionStorage.removeItem(TOKEN_KEY);
    $('fleet').hidden = true;
    $('node').hidden = true;
    $('forget').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    setLive('off', 'no token');
    $('token-input').focus();
  }

  // ---------------------------------------------------------------- the event stream

  let source = null;
  let retryTimer = null;
  let retryDelay = 1000;
  let lastEventAt = 0;

  function setLive(kind, text) {
    const l = $('live');
    l.className = 'live ' + kind;
    l.textContent = text;
  }

  function stopStream() {
    if (source) {
      source.close();
      source = null;
    }
    clearTimeout(retryTimer);
  }

  function reconnectLater() {
    stopStream();
    setLive('off', 'reconnecting…');
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  async function connect() {
    stopStream();
    let ticket;
    try {
      const r = await api('/ui/tickets', { method: 'POST' });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      ticket = await r.json();
    } catch (e) {
      if (e instanceof Unauthorized) {
        showLogin(e.message);
      } else {
        reconnectLater();
      }
      return;
    }
    const es = new EventSource(ticket.events);
    source = es;
    lastEventAt = Date.now();
    es.addEventListener('snapshot', (e) => { seen(); onSnapshot(JSON.parse(e.data)); });
    es.addEventListener('rows', (e) => { seen(); onRows(JSON.parse(e.data)); });
    es.addEventListener('sample', (e) => { seen(); onSample(JSON.parse(e.data)); });
    // a ticket opens one stream: EventSource's own retry would be refused, so every retry gets a new ticket
    es.onerror = () => { if (source === es) reconnectLater(); };
  }

  function seen() {
    lastEventAt = Date.now();
    retryDelay = 1000;
    setLive('on', 'live');
  }

  // samples come every few seconds: a silent stream is a dead one
  setInterval(() => {
    if (source && Date.now() - lastEventAt > 20000) reconnectLater();
  }, 5000);

  // ---------------------------------------------------------------- the model

  const rows = new Map();        // id -> row, as the gateway sends it
  const flashed = new Map();     // id -> when its row last changed
  let view = [];                 // ids shown, filtered and sorted
  let sortKey = 'id';
  let sortDir = 1;
  let skew = 0;                  // the gateway's clock minus ours
  let sampleMs = 5000;
  let hist = { t: [], in: [], out: [], connected: [] };

  const now = () => Date.now() + skew;

  function onSnapshot(s) {
    skew = s.now - Date.now();
    sampleMs = s.sampleMs;
    rows.clear();
    flashed.clear();
    for (const r of s.rows) rows.set(r.id, r);
    hist = { t: s.history.t.slice(), in: s.history.in.slice(), out: s.history.out.slice(),
             connected: s.history.connected.slice() };
    rebuildView();
    drawCharts();
    refreshNode(true);
  }

  function onRows(d) {
    skew = d.now - Date.now();
    let structural = d.removed.length > 0 || sortKey !== 'id' || $('state-filter').value !== '';
    const t = Date.now();
    for (const r of d.rows) {
      const old = rows.get(r.id);
      if (!old) structural = true;
      rows.set(r.id, r);
      flashed.set(r.id, t);
      if (r.id === currentNode) onCurrentNodeChanged(old, r);
    }
    for (const id of d.removed) {
      rows.delete(id);
      flashed.delete(id);
    }
    if (structural) {
      rebuildView();
    } else {
      renderRows();
      renderSummary();
    }
  }

  function onSample(s) {
    hist.t.push(s.t);
    hist.in.push(s.in);
    hist.out.push(s.out);
    hist.connected.push(s.connected);
    const from = s.t - HOUR;
    let drop = 0;
    while (drop < hist.t.length && hist.t[drop] < from) drop++;
    if (drop > 0) {
      for (const k of ['t', 'in', 'out', 'connected']) hist[k].splice(0, drop);
    }
    drawCharts();
    renderSummary();
  }

  // ---------------------------------------------------------------- the table (virtualised: only visible rows exist)

  const COLUMNS = ['id', 'state', 'since', 'reconnects1h', 'in', 'out', 'retx', 'pending', 'last', 'lastAt'];
  const NUMERIC = new Set(['reconnects1h', 'in', 'out', 'retx', 'pending']);
  let rowHeight = 30;
  const pool = [];

  function compare(a, b) {
    let x;
    let y;
    if (sortKey === 'id') {
      x = a.id;
      y = b.id;
    } else if (sortKey === 'state') {
      x = STATE_ORDER[a.state];
      y = STATE_ORDER[b.state];
    } else if (sortKey === 'last') {
      x = a.last || '';
      y = b.last || '';
    } else {
      x = a[sortKey] || 0;
      y = b[sortKey] || 0;
    }
    if (sortKey === 'id' || sortKey === 'last') {
      const c = byName.compare(x, y);
      if (c !== 0) return c * sortDir;
    } else {
      if (x < y) return -sortDir;
      if (x > y) return sortDir;
    }
    return byName.compare(a.id, b.id);
  }

  // sensor-2 before sensor-10
  const byName = new Intl.Collator('en', { numeric: true });

  function rebuildView() {
    const text = $('filter').value.trim().toLowerCase();
    const state = $('state-filter').value;
    const list = [];
    for (const r of rows.values()) {
      if (state && r.state !== state) continue;
      if (text && !r.id.toLowerCase().includes(text)) continue;
      list.push(r);
    }
    list.sort(compare);
    view = list.map((r) => r.id);
    $('spacer').style.height = (view.length * rowHeight) + 'px';
    const nodes = (n) => n + (n === 1 ? ' node' : ' nodes');
    $('count').textContent = view.length === rows.size ? nodes(rows.size) : view.length + ' of ' + nodes(rows.size);
    for (const b of document.querySelectorAll('.grid-head button')) {
      b.classList.toggle('sorted', b.dataset.sort === sortKey);
      b.classList.toggle('asc', b.dataset.sort === sortKey && sortDir > 0);
      b.classList.toggle('desc', b.dataset.sort === sortKey && sortDir < 0);
    }
    renderRows();
    renderSummary();
  }

  function makeRow() {
    const row = el('div', 'row');
    row.setAttribute('role', 'row');
    for (const c of COLUMNS) {
      const cell = el('span', 'c-' + c + (NUMERIC.has(c) ? ' num' : ''));
      cell.setAttribute('role', 'cell');
      if (c === 'id') cell.appendChild(el('a'));
      if (c === 'state') cell.appendChild(el('span', 'state'));
      row.appendChild(cell);
    }
    return row;
  }

  function renderRows() {
    const vp = $('viewport');
    const container = $('rows');
    const first = Math.max(0, Math.floor(vp.scrollTop / rowHeight) - 5);
    const count = Math.min(view.length - first, Math.ceil(vp.clientHeight / rowHeight) + 10);
    while (pool.length < count) {
      const r = makeRow();
      pool.push(r);
      container.appendChild(r);
    }
    container.style.transform = 'translateY(' + (first * rowHeight) + 'px)';
    const t = Date.now();
    const n = now();
    for (let i = 0; i < pool.length; i++) {
      const rowEl = pool[i];
      if (i >= count) {
        rowEl.hidden = true;
        continue;
      }
      rowEl.hidden = false;
      const r = rows.get(view[first + i]);
      fillRow(rowEl, r, n);
      const f = flashed.get(r.id);
      rowEl.classList.toggle('changed', f !== undefined && t - f < 1200);
    }
    if (view.length === 0 && !$('rows-empty')) {
      const e = el('div', 'empty', rows.size === 0 ? 'No node has connected yet.' : 'No node matches.');
      e.id = 'rows-empty';
      container.appendChild(e);
    } else if (view.length > 0 && $('rows-empty')) {
      $('rows-empty').remove();
    }
  }

  function fillRow(rowEl, r, n) {
    if (rowEl.dataset.id !== r.id) {
      rowEl.dataset.id = r.id;
      const a = rowEl.children[0].firstChild;
      a.href = '#/node/' + encodeURIComponent(r.id);
      a.textContent = r.id;
      a.title = r.id;
    }
    rowEl.dataset.state = r.state;
    const c = rowEl.children;
    const st = c[1].firstChild;
    st.className = 'state ' + r.state;
    st.textContent = stateLabel(r.state);
    c[1].title = r.reason || '';
    setText(c[2], r.since ? ago(n, r.since) : '', r.since ? iso(r.since) : '');
    setText(c[3], String(r.reconnects1h));
    setText(c[4], String(r.in));
    setText(c[5], String(r.out));
    setText(c[6], String(r.retx));
    setText(c[7], String(r.pending));
    setText(c[8], r.last === undefined ? '' : r.last, r.last === undefined ? '' : r.last);
    setText(c[9], r.lastAt ? ago(n, r.lastAt) : '', r.lastAt ? iso(r.lastAt) : '');
  }

  function setText(e, text, title) {
    if (e.textContent !== text) e.textContent = text;
    if (title !== undefined && e.title !== title) e.title = title;
  }

  const stateLabel = (s) => (s === 'never' ? 'never seen' : s);

  function renderSummary() {
    let up = 0;
    let down = 0;
    for (const r of rows.values()) {
      if (r.state === 'up') up++;
      else if (r.state === 'down') down++;
    }
    const s = $('summary');
    s.textContent = '';
    const last = hist.in.length ? hist.in[hist.in.length - 1] : 0;
    const parts = [[rows.size, rows.size === 1 ? ' node · ' : ' nodes · '], [up, ' up · '], [down, ' down · '],
      [fmt(last), ' messages/s in']];
    for (const [v, label] of parts) {
      s.appendChild(el('b', null, String(v)));
      s.appendChild(document.createTextNode(label));
    }
  }

  // ---------------------------------------------------------------- charts (canvas, drawn here)

  function drawCharts() {
    if ($('fleet').hidden) return;
    const end = now();
    drawChart($('chart-rate'), end, [
      { values: hist.in, color: cssVar('--in'), fill: true },
      { values: hist.out, color: cssVar('--out'), fill: false },
    ]);
    drawChart($('chart-connected'), end, [{ values: hist.connected, color: cssVar('--up'), fill: true }]);
  }

  const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function drawChart(canvas, end, series) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (w === 0) return;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 44;
    const right = 8;
    const top = 6;
    const bottom = 20;
    const pw = w - left - right;
    const ph = h - top - bottom;
    let max = 0;
    for (const s of series) for (const v of s.values) max = Math.max(max, v);
    const yMax = niceCeiling(max);
    const start = end - HOUR;
    const x = (t) => left + ((t - start) / HOUR) * pw;
    const y = (v) => top + ph - (v / yMax) * ph;

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#667085';
    g.strokeStyle = '#eef0f3';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(left + pw, yy);
      g.stroke();
      g.fillText(fmt(v), left - 6, yy);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let m = 60; m >= 0; m -= 15) {
      g.textAlign = m === 0 ? 'right' : 'center';
      g.fillText(m === 0 ? 'now' : '−' + m + ' min', left + pw - (m / 60) * pw, top + ph + 5);
    }
    const t = hist.t;
    for (const s of series) {
      if (t.length === 0) continue;
      g.beginPath();
      let started = false;
      for (let i = 0; i < t.length; i++) {
        if (t[i] < start) continue;
        const px = x(t[i]);
        const py = y(s.values[i]);
        if (!started) {
          g.moveTo(px, py);
          started = true;
        } else {
          g.lineTo(px, py);
        }
      }
      if (!started) continue;
      g.strokeStyle = s.color;
      g.lineWidth = 1.6;
      g.stroke();
      if (s.fill) {
        g.lineTo(x(t[t.length - 1]), y(0));
        let firstT = t.find((v) => v >= start);
        g.lineTo(x(firstT), y(0));
        g.closePath();
        g.globalAlpha = 0.12;
        g.fillStyle = s.color;
        g.fill();
        g.globalAlpha = 1;
      }
    }
  }

  function niceCeiling(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // ---------------------------------------------------------------- a node's page

  let currentNode = null;
  let messagesTimer = null;
  let eventsTimer = null;

  function showNode(id) {
    currentNode = id;
    $('fleet').hidden = true;
    $('node').hidden = false;
    $('node-id').textContent = id;
    $('send-result').textContent = '';
    $('send-result').className = 'send-result';
    $('messages').textContent = '';
    $('events').textContent = '';
    $('timeline').textContent = '';
    $('timeline-start').textContent = '';
    refreshNode(true);
  }

  function refreshNode(all) {
    if (!currentNode) return;
    renderFacts(rows.get(currentNode));
    if (all) {
      loadMessages();
      loadEvents();
    }
  }

  function onCurrentNodeChanged(old, r) {
    renderFacts(r);
    if (!old || old.in !== r.in || old.lastAt !== r.lastAt) later('messages');
    if (!old || old.connects !== r.connects || old.state !== r.state) later('events');
  }

  // at most one reload a second of each list, however fast the node talks
  function later(what) {
    if (what === 'messages' && !messagesTimer) {
      messagesTimer = setTimeout(() => { messagesTimer = null; loadMessages(); }, 300);
    }
    if (what === 'events' && !eventsTimer) {
      eventsTimer = setTimeout(() => { eventsTimer = null; loadEvents(); }, 300);
    }
  }

  function renderFacts(r) {
    const st = $('node-state');
    const facts = $('node-facts');
    facts.textContent = '';
    if (!r) {
      st.className = 'state';
      st.textContent = 'unknown';
      return;
    }
    st.className = 'state ' + r.state;
    st.textContent = stateLabel(r.state);
    const n = now();
    const add = (label, value, title) => {
      const d = el('div');
      d.appendChild(el('dt', null, label));
      const dd = el('dd', null, value);
      if (title) dd.title = title;
      d.appendChild(dd);
      facts.appendChild(d);
    };
    add(r.state === 'up' ? 'Connected since' : 'Down since', r.since ? ago(n, r.since) : '—', r.since ? iso(r.since) : '');
    if (r.state !== 'up' && r.reason) add('Why', r.reason);
    add('Address', r.address || '—');
    add('Connections', String(r.connects));
    add('Reconnects, last hour', String(r.reconnects1h));
    add('Messages in', String(r.in));
    add('Messages out', String(r.out));
    add('Retransmissions', String(r.retx));
    add('Pending to node', String(r.pending));
    add('Last message', r.lastAt ? ago(n, r.lastAt) : '—', r.lastAt ? iso(r.lastAt) : '');
  }

  const nodePath = (id) => '/nodes/' + encodeURIComponent(id);

  async function loadMessages() {
    const id = currentNode;
    if (!id) return;
    const body = $('messages');
    try {
      const r = await api(nodePath(id) + '/messages?limit=50');
      if (id !== currentNode) return;
      body.textContent = '';
      if (!r.ok) {
        body.appendChild(messageRow('', '', (await r.json()).error));
        return;
      }
      const list = await r.json();
      if (list.length === 0) body.appendChild(messageRow('', '', 'No stored message.'));
      for (const m of list) body.appendChild(messageRow(m.receivedAt ? localTime(m.receivedAt) : '', m.messageId, m.payload));
    } catch (e) {
      if (e instanceof Unauthorized) showLogin(e.message);
    }
  }

  function messageRow(at, id, payload) {
    const tr = el('tr');
    tr.appendChild(el('td', null, at));
    tr.appendChild(el('td', null, String(id)));
    tr.appendChild(el('td', null, payload));
    return tr;
  }

  async function loadEvents() {
    const id = currentNode;
    if (!id) return;
    try {
      const r = await api(nodePath(id) + '/events?limit=200');
      if (id !== currentNode) return;
      const list = r.ok ? await r.json() : [];
      renderEvents(list);
      drawTimeline(list);
    } catch (e) {
      if (e instanceof Unauthorized) showLogin(e.message);
    }
  }

  function renderEvents(list) {
    const ol = $('events');
    ol.textContent = '';
    if (list.length === 0) ol.appendChild(el('li', null, 'No stored connection event.'));
    for (const e of list) {
      const li = el('li');
      li.appendChild(el('span', 'when', localTime(e.at)));
      li.appendChild(el('span', e.event === 'CONNECTED' ? 'CONNECTED' : 'DISCONNECTED', e.event));
      const extra = [e.reason, e.remoteAddress, e.connectCount ? 'connection ' + e.connectCount : null]
        .filter((v) => v).join(' · ');
      if (extra) li.appendChild(document.createTextNode(' ' + extra));
      ol.appendChild(li);
    }
  }

  // connected periods in green, disconnected ones in red, from a little before the oldest event shown (at least the
  // last ten minutes) to now; grey before the first event
  function drawTimeline(list) {
    const svg = $('timeline');
    svg.textContent = '';
    const events = list.slice().reverse().map((e) => ({ t: Date.parse(e.at), up: e.event === 'CONNECTED' }));
    const end = now();
    const oldest = events.length ? events[0].t : end;
    const start = Math.min(end - 10 * 60 * 1000, oldest - (end - oldest) * 0.05);
    // in percent of the width: the bars follow the page's width without a redraw
    const x = (t) => ((t - start) / (end - start)) * 100;
    const NS = 'http://www.w3.org/2000/svg';
    const rect = (from, to, cls, title) => {
      const r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', x(from) + '%');
      r.setAttribute('y', 4);
      r.setAttribute('width', Math.max(0.1, x(to) - x(from)) + '%');
      r.setAttribute('height', 22);
      r.setAttribute('class', cls);
      const tt = document.createElementNS(NS, 'title');
      tt.textContent = title;
      r.appendChild(tt);
      svg.appendChild(r);
    };
    let t = start;
    let up = null;
    for (const e of events) {
      rect(t, e.t, up === null ? 'unknown' : up ? 'up' : 'down',
        (up === null ? 'unknown' : up ? 'connected' : 'disconnected') + ' until ' + localTime(new Date(e.t).toISOString()));
      t = e.t;
      up = e.up;
    }
    rect(t, end, up === null ? 'unknown' : up ? 'up' : 'down', up === null ? 'no event' : up ? 'connected now' : 'disconnected now');
    $('timeline-start').textContent = localTime(new Date(start).toISOString());
  }

  async function send(ev) {
    ev.preventDefault();
    const id = currentNode;
    const line = $('send-line').value;
    const type = $('send-type').value;
    const out = $('send-result');
    const button = $('send-button');
    button.disabled = true;
    out.className = 'send-result';
    out.textContent = 'Sent, waiting for ' + id + ' to acknowledge it…';
    try {
      const r = await api(nodePath(id) + '/messages', {
        method: 'POST', headers: { 'Content-Type': type + '; charset=utf-8' }, body: line,
      });
      const body = await r.json();
      if (r.ok) {
        out.className = 'send-result ok';
        out.textContent = 'Delivered: ' + id + ' acknowledged ' + JSON.stringify(body.payload) + ' at '
          + new Date().toLocaleTimeString() + '.';
        $('send-line').value = '';
      } else {
        out.className = 'send-result fail';
        out.textContent = 'Not delivered (' + r.status + '): ' + body.error;
      }
    } catch (e) {
      if (e instanceof Unauthorized) {
        showLogin(e.message);
        return;
      }
      out.className = 'send-result fail';
      out.textContent = 'Not delivered: ' + e.message;
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- times and numbers

  function ago(n, t) {
    const s = Math.max(0, Math.round((n - t) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 48 * 3600) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
    return new Date(t).toLocaleDateString();
  }

  const iso = (t) => new Date(t).toISOString();
  const localTime = (s) => (s ? new Date(s).toLocaleString() : '');

  function fmt(v) {
    if (v >= 100 || Number.isInteger(v)) return String(Math.round(v));
    return v.toFixed(v >= 10 ? 1 : 2);
  }

  // ---------------------------------------------------------------- navigation and start

  function route() {
    const m = location.hash.match(/^#\/node\/(.+)$/);
    if (m) {
      showNode(decodeURIComponent(m[1]));
    } else {
      currentNode = null;
      $('node').hidden = true;
      $('fleet').hidden = false;
      rebuildView();
      drawCharts();
    }
  }

  function start() {
    $('login').hidden = true;
    $('forget').hidden = false;
    route();
    connect();
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromAddress();
    const probe = el('div', 'row');
    $('rows').appendChild(probe);
    rowHeight = probe.getBoundingClientRect().height || 30;
    probe.remove();

    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
      $('token-input').value = '';
      start();
    });
    $('forget').addEventListener('click', () => showLogin('The token is forgotten.'));
    $('viewport').addEventListener('scroll', () => renderRows(), { passive: true });
    window.addEventListener('resize', () => { renderRows(); drawCharts(); });
    window.addEventListener('hashchange', route);
    let filterTimer = null;
    $('filter').addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(rebuildView, 150);
    });
    $('state-filter').addEventListener('change', rebuildView);
    for (const b of document.querySelectorAll('.grid-head button')) {
      b.addEventListener('click', () => {
        const key = b.dataset.sort;
        sortDir = key === sortKey ? -sortDir : (key === 'id' || key === 'state' ? 1 : -1);
        sortKey = key;
        rebuildView();
      });
    }
    $('send-form').addEventListener('submit', send);
    // relative times move on even when nothing changes
    setInterval(() => {
      if (!$('fleet').hidden) renderRows();
      else if (currentNode) renderFacts(rows.get(currentNode));
    }, 1000);
    setInterval(drawCharts, 10000);

    if (token()) start();
    else showLogin('');
  });
})();
