// Nuri console: plain ES module, no framework. Data comes from /api/v1 with the bearer token;
// charts are ECharts (window.echarts, from the jar's /vendor). Live pages poll every 1.5 s.
const POLL_MS = 1500;
const main = document.getElementById('main');
let dict = {};
let lang = 'ko';
let timers = [];
let charts = [];
let aborters = [];

// ---------------------------------------------------------------- i18n
function t(key, vars = {}) {
  let s = dict[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll('{' + k + '}', v);
  return s;
}
async function setLang(l) {
  lang = l === 'en' ? 'en' : 'ko';
  dict = await (await fetch('/i18n/' + lang + '.json')).json();
  localStorage.setItem('nuri.lang', lang);
  document.documentElement.lang = lang;
  document.getElementById('lang').value = lang;
  document.querySelectorAll('[data-i18n]').forEach(e => e.textContent = t(e.dataset.i18n));
}
function preferredLang() {
  const saved = localStorage.getItem('nuri.lang');
  if (saved) return saved;
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  return langs[0].toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

// ---------------------------------------------------------------- API
const token = () => sessionStorage.getItem('nuri.token');
class ApiError extends Error { constructor(status, msg) { super(msg); this.status = status; } }
async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: { 'Authorization': 'Bearer ' + token(),
    ...(opts.body ? { 'Content-Type': 'application/json' } : {}), ...(opts.headers || {}) } });
  if (res.status === 401) { sessionStorage.removeItem('nuri.token'); location.hash = '#/login'; throw new ApiError(401, 'unauthorized'); }
  const text = await res.text();
  if (!res.ok) {
    let msg = text; try { msg = JSON.parse(text).message ?? text; } catch {}
    throw new ApiError(res.status, msg);
  }
  return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}
/** null when the endpoint does not exist (yet): the page shows "no data" instead of failing. */
async function optional(path) {
  try { return await api(path); } catch (e) { if (e.status === 404 || e.status === 405) return null; throw e; }
}
const appPath = (ns, app) => `/api/v1/namespaces/${encodeURIComponent(ns)}/apps/${encodeURIComponent(app)}`;

// ---------------------------------------------------------------- helpers
function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
const fmt = (v, d = 1) => v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d);
const pct = v => v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%';
const ms = v => typeof v === 'number' ? v : Date.parse(v);
const time = v => v ? new Date(ms(v)).toLocaleTimeString(lang) : '—';
const mib = b => b ? (b / 1048576).toFixed(0) + ' MiB' : '—';
function uptime(since) {
  if (!since) return '—';
  const s = Math.max(0, Math.floor((Date.now() - ms(since)) / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor(s % 3600 / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}
function table(cols, rows, rowAttrs = () => ({})) {
  if (!rows.length) return h('div', { class: 'nodata' }, t('common.nodata'));
  return h('table', {}, h('thead', {}, h('tr', {}, cols.map(c => h('th', {}, t(c))))),
    h('tbody', {}, rows.map((r, i) => h('tr', rowAttrs(i), r.map(c => h('td', {}, c))))));
}
function every(fn) {
  let stopped = false;
  const loop = async () => { if (stopped) return; try { await fn(); } catch (e) { if (e.status !== 401) console.warn(e); } if (!stopped) timers.push(setTimeout(loop, POLL_MS)); };
  loop();
  timers.push({ stop: () => stopped = true });
}
function chart(el, option) {
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption(option);
  charts.push(c);
  return c;
}
function cleanup() {
  timers.forEach(x => x.stop ? x.stop() : clearTimeout(x)); timers = [];
  charts.forEach(c => c.dispose()); charts = [];
  aborters.forEach(a => a.abort()); aborters = [];
}
async function confirmAction(text) {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  d.showModal();
  return new Promise(r => d.addEventListener('close', () => r(d.returnValue === 'yes'), { once: true }));
}
// Alerts: severities worst first; a badge is the count coloured by the worst severity among them.
const SEVERITIES = ['critical', 'warning', 'info'];
const worstSeverity = list => SEVERITIES.find(s => list.some(a => a.severity === s)) || null;
function alertBadge(list) {
  const worst = worstSeverity(list);
  return h('span', { class: 'alert-badge' + (worst ? ' sev-' + worst : ' none'), 'data-alerts': list.length,
    'data-severity': worst || '', title: worst ? t('sev.' + worst) : '' }, list.length);
}
function apdexClass(a) { return a === undefined || a === null ? '' : a >= 0.94 ? 'state-ok' : a >= 0.85 ? 'state-warn' : 'state-bad'; }

// ---------------------------------------------------------------- login
function loginPage() {
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: t('login.token') });
  const err = h('p', { class: 'error', id: 'login-error' });
  const form = h('form', { class: 'card login', on: { submit: async ev => {
    ev.preventDefault();
    const candidate = input.value.trim();
    // A plain fetch: api() would treat the 401 as "log in again" and redraw this form.
    const res = await fetch('/api/v1/version', { headers: { Authorization: 'Bearer ' + candidate } }).catch(() => null);
    if (res?.ok) { sessionStorage.setItem('nuri.token', candidate); if (location.hash === '#/') route(); else location.hash = '#/'; }
    else err.textContent = t('login.invalid');
  } } }, h('h2', {}, t('login.title')), input, h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')),
    h('p', { class: 'muted' }, t('login.hint')), err);
  main.replaceChildren(form);
  input.focus();
}

// ---------------------------------------------------------------- overview
function overviewPage() {
  const body = h('div', { id: 'overview' }, t('common.loading'));
  const note = h('p', { class: 'muted', id: 'apm-note' });
  const mapEl = h('div', { class: 'chart tall', id: 'servicemap' });
  const mapNote = h('p', { class: 'muted', id: 'servicemap-note' });
  main.replaceChildren(h('div', { class: 'card' }, h('h2', {}, t('overview.title')), note, body),
    h('div', { class: 'card' }, h('h3', {}, t('map.title')), mapNote, mapEl));
  const mapChart = serviceMapChart(mapEl);
  every(async () => {
    const m = await optional('/api/v1/apm/servicemap?seconds=300');
    mapNote.textContent = m === null ? t('common.nodata') + ' (/api/v1/apm/servicemap)' : m.edges.length ? '' : t('map.noEdges');
    if (m) showServiceMap(mapChart, m);
  });
  every(async () => {
    const [apps, apm, alerts] = await Promise.all([api('/api/v1/apps'), optional('/api/v1/apm/apps'),
      optional('/api/v1/alerts?state=firing&limit=1000')]);
    const byKey = new Map((apm || []).map(a => [a.namespace + '/' + a.app, a.current || {}]));
    note.textContent = apm === null ? t('overview.apmMissing') : '';
    const firing = (alerts || []).filter(a => a.state === 'firing');
    apps.sort((a, b) => (a.namespace + a.name).localeCompare(b.namespace + b.name));
    const rows = apps.map(a => {
      const c = byKey.get(a.namespace + '/' + a.name) || {};
      const own = firing.filter(x => x.namespace === a.namespace && x.app === a.name);
      return [h('a', { href: `#/app/${a.namespace}/${a.name}`, class: 'app-link' }, a.name), a.namespace,
        `${a.readyReplicas}/${a.replicas}`, a.revision, h('span', { class: apdexClass(c.apdex) }, fmt(c.apdex, 2)),
        h('span', { class: 'tps' }, fmt(c.tps)), fmt(c.p95Ms, 0), h('span', { class: c.errorRate > 0.05 ? 'state-bad' : '' }, pct(c.errorRate)),
        alertBadge(own)];
    });
    const state = a => { const c = byKey.get(a.namespace + '/' + a.name) || {};
      const worst = worstSeverity(firing.filter(x => x.namespace === a.namespace && x.app === a.name));
      return a.readyReplicas === 0 && a.replicas > 0 || c.errorRate > 0.05 || worst === 'critical' ? 'state-bad'
        : a.readyReplicas < a.replicas || (c.apdex !== undefined && c.apdex < 0.94) || worst ? 'state-warn' : 'state-ok'; };
    body.replaceChildren(table(['col.app', 'col.namespace', 'col.ready', 'col.revision', 'col.apdex', 'col.tps', 'col.p95', 'col.errorRate', 'col.alerts'],
      rows, i => ({ class: state(apps[i]), 'data-app': apps[i].name })));
  });
}

// ---------------------------------------------------------------- service map
// Who calls whom through the gateway (Pinpoint's server map): apps as nodes sized by TPS,
// calls as arrows labelled with their count and average time; red when errors occurred.
function serviceMapChart(el) {
  return chart(el, { animation: false, tooltip: {},
    series: [{ type: 'graph', layout: 'force', roam: true, draggable: true, force: { repulsion: 400, edgeLength: 160 },
      edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 10, label: { show: true, position: 'bottom' },
      edgeLabel: { show: true, fontSize: 11, formatter: p => p.data.text }, lineStyle: { width: 2, curveness: 0.15 },
      data: [], links: [] }] });
}
function showServiceMap(c, m) {
  const maxTps = Math.max(1, ...m.nodes.map(n => n.tps));
  const nodes = m.nodes.map(n => ({ name: n.id, value: n.tps, symbolSize: 24 + 30 * n.tps / maxTps,
    label: { formatter: `${n.app}\n${n.requests} ${t('map.requests')} · ${fmt(n.tps, 2)} tps` },
    itemStyle: { color: n.errorRate > 0.05 ? '#c62828' : n.errorRate > 0 ? '#f59e0b' : '#2563eb' },
    tooltip: { formatter: `${n.id}<br>TPS ${fmt(n.tps)} · p95 ${fmt(n.p95Ms, 0)} ms · ${t('col.errorRate')} ${pct(n.errorRate)}` } }));
  const links = m.edges.map(e => ({ source: e.from, target: e.to, text: `${e.requests} · ${fmt(e.avgMs, 0)} ms`,
    lineStyle: { color: e.errors > 0 ? '#c62828' : '#64748b' },
    tooltip: { formatter: `${e.from} → ${e.to}<br>${t('map.calls')} ${e.requests} · ${t('dash.errors')} ${e.errors}<br>avg ${fmt(e.avgMs)} ms · p95 ${fmt(e.p95Ms)} ms` } }));
  c.setOption({ series: [{ data: nodes, links }] });
}

// ---------------------------------------------------------------- trace view
// The gateway's spans of one trace as a waterfall: indented under their parent, bars placed on
// the trace's time line.
async function tracePage(traceId) {
  const box = h('div', { id: 'trace' }, t('common.loading'));
  main.replaceChildren(h('div', { class: 'card' }, h('h2', {}, t('trace.title')), h('p', { class: 'muted mono' }, traceId), box));
  const r = await optional('/api/v1/apm/traces/' + encodeURIComponent(traceId));
  if (!r) { box.replaceChildren(h('div', { class: 'nodata' }, t('trace.notFound'))); return; }
  const spans = r.spans;
  const depth = new Map();
  for (const s of spans) depth.set(s.spanId, s.parent && depth.has(s.parent) ? depth.get(s.parent) + 1 : 0);
  const t0 = Math.min(...spans.map(s => s.start));
  const total = Math.max(1, ...spans.map(s => s.start + s.durationMs - t0));
  box.replaceChildren(table(['col.app', 'col.path', 'col.status', 'col.duration', 'trace.timeline', 'col.instance'],
    spans.map(s => [h('span', { style: `padding-left:${depth.get(s.spanId) * 1.5}em` }, (depth.get(s.spanId) ? '↳ ' : '') + s.app),
      `${s.method} ${s.path}`, s.status, fmt(s.durationMs),
      h('div', { class: 'span-track' }, h('div', { class: 'span-bar' + (s.status >= 500 || s.status === 0 ? ' bad' : ''),
        style: `margin-left:${100 * (s.start - t0) / total}%;width:${Math.max(0.5, 100 * s.durationMs / total)}%` })),
      s.instance || '—']),
    i => ({ class: 'span-row', 'data-span': spans[i].spanId, 'data-parent': spans[i].parent || '' })));
}

// ---------------------------------------------------------------- app dashboard
// Request velocity plus Scouter's equalizer: requests under way by age. A right-hand bar that
// grows is a backend getting stuck, before any request fails.
const AGES = [['under3s', 'state-ok'], ['from3to8s', 'state-warn'], ['over8s', 'state-bad']];
function velocityKpi() {
  const bars = AGES.map(([k, cls]) => h('div', { class: 'eq-col ' + cls, title: t('dash.age.' + k) },
    h('div', { class: 'eq-n', id: 'eq-n-' + k }, '0'), h('div', { class: 'eq-track' }, h('div', { class: 'eq-bar', id: 'eq-' + k })),
    h('div', { class: 'eq-l' }, t('dash.age.' + k))));
  return h('div', { class: 'card kpi' }, h('div', { class: 'v', id: 'kpi-velocity' }, '—'), h('div', { class: 'l' }, t('dash.velocity')),
    h('div', { class: 'eq', id: 'kpi-ages', 'aria-label': t('dash.inFlightByAge') }, bars));
}
function showAges(ages) {
  if (!ages) return; // a server without the start hook
  const top = Math.max(1, ...AGES.map(([k]) => ages[k] || 0));
  for (const [k] of AGES) {
    document.getElementById('eq-n-' + k).textContent = fmt(ages[k] || 0, 0);
    document.getElementById('eq-' + k).style.height = Math.round(100 * (ages[k] || 0) / top) + '%';
  }
}
function appPage(ns, app) {
  const kpi = (id, label) => h('div', { class: 'card kpi' }, h('div', { class: 'v', id }, '—'), h('div', { class: 'l' }, t(label)));
  const el = cls => h('div', { class: 'chart ' + (cls || '') });
  const tpsEl = el(), rtEl = el(), usersEl = el(), resEl = el(), mapEl = el('tall');
  const txBox = h('div', { id: 'transactions' }, h('p', { class: 'muted' }, t('dash.selectHint')));
  const note = h('p', { class: 'muted', id: 'dash-note' });
  const routesBox = h('div', { id: 'routes' }, t('common.nodata'));
  const byInstBox = h('div', { id: 'by-instance' }, t('common.nodata'));
  const actions = actionBar(ns, app);
  main.replaceChildren(
    h('h2', {}, `${ns} / ${app}`), note, actions, autoscaleCard(ns, app),
    h('div', { class: 'kpis' }, velocityKpi(), kpi('kpi-apdex', 'dash.apdex'), kpi('kpi-tps', 'dash.tps'),
      kpi('kpi-users', 'dash.users'), kpi('kpi-rt', 'dash.response')),
    h('div', { class: 'grid' },
      h('div', { class: 'card' }, h('h3', {}, t('dash.tpsChart')), tpsEl),
      h('div', { class: 'card' }, h('h3', {}, t('dash.responseChart')), rtEl),
      h('div', { class: 'card' }, h('h3', {}, t('dash.usersChart')), usersEl),
      h('div', { class: 'card' }, h('h3', {}, t('dash.resources')), resEl)),
    h('div', { class: 'card' }, h('h3', {}, t('dash.tmap')), mapEl),
    h('div', { class: 'card' }, h('h3', {}, t('dash.transactions')), txBox),
    h('div', { class: 'grid' },
      h('div', { class: 'card' }, h('h3', {}, t('dash.routes')), routesBox),
      h('div', { class: 'card' }, h('h3', {}, t('dash.byInstance')), byInstBox)),
    instancesCard(ns, app), eventsCard(ns, app));
  const line = (names) => ({ animation: false, grid: { left: 50, right: 16, top: 24, bottom: 30 }, tooltip: { trigger: 'axis' },
    legend: { top: 0 }, xAxis: { type: 'time' }, yAxis: { type: 'value' },
    series: names.map(n => ({ name: n, type: 'line', showSymbol: false, data: [] })) });
  const tpsChart = chart(tpsEl, line(['TPS', t('dash.errors')]));
  const rtChart = chart(rtEl, line(['p95', 'avg']));
  const usersChart = chart(usersEl, line([t('dash.users')]));
  const resChart = chart(resEl, { animation: false, grid: { left: 50, right: 50, top: 24, bottom: 30 }, legend: { top: 0 }, tooltip: {},
    xAxis: { type: 'category', data: [] }, yAxis: [{ type: 'value', name: 'CPU %' }, { type: 'value', name: 'MiB' }],
    series: [{ name: 'CPU %', type: 'bar', data: [] }, { name: 'MiB', type: 'bar', yAxisIndex: 1, data: [] }] });
  let buckets = [0, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  const mapChart = chart(mapEl, { animation: false, grid: { left: 60, right: 16, top: 40, bottom: 50 }, tooltip: {},
    toolbox: { right: 8, feature: { brush: { type: ['rect', 'clear'] } } },
    brush: { toolbox: ['rect', 'clear'], xAxisIndex: 0, yAxisIndex: 0, throttleType: 'debounce', throttleDelay: 300 },
    xAxis: { type: 'time' }, yAxis: { type: 'category', name: 'ms', data: buckets.map(String) },
    visualMap: { min: 0, max: 10, dimension: 2, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, seriesIndex: 0,
      inRange: { color: ['#dbeafe', '#60a5fa', '#1d4ed8', '#0b1f5c'] } },
    series: [{ name: t('dash.count'), type: 'scatter', symbol: 'rect', symbolSize: [6, 14], data: [] },
      { name: t('dash.errors'), type: 'scatter', symbol: 'triangle', symbolSize: 8, itemStyle: { color: '#c62828' }, data: [] }] });
  // A brushed rectangle: time range on x, latency bucket range on y -> the transactions API.
  mapChart.on('brushEnd', ev => { // the user's gesture only, not the re-selection on each data update
    const area = ev.areas?.[0];
    if (!area?.coordRange) return;
    const [[x0, x1], [y0, y1]] = area.coordRange;
    const minMs = buckets[Math.max(0, Math.floor(y0))] ?? 0;
    const top = Math.min(buckets.length - 1, Math.ceil(y1));
    const maxMs = top + 1 < buckets.length ? buckets[top + 1] : 3600000;
    loadTransactions(ns, app, Math.floor(x0), Math.ceil(x1) + 1000, minMs, maxMs, txBox);
  });
  // The hour once, then only the last seconds each poll, merged by time: a poll stays small.
  let series = new Map();
  every(async () => {
    const m = await optional(appPath(ns, app) + '/metrics?seconds=' + (series.size ? 10 : 3600));
    if (!m) { note.textContent = t('common.nodata') + ' (/metrics)'; return; }
    note.textContent = '';
    const c = m.current || {};
    document.getElementById('kpi-velocity').textContent = `${fmt(c.inFlight, 0)} / ${fmt(c.arrivalRate)}`;
    showAges(c.inFlightByAge);
    const ap = document.getElementById('kpi-apdex'); ap.textContent = fmt(c.apdex, 2); ap.className = 'v ' + apdexClass(c.apdex);
    document.getElementById('kpi-tps').textContent = fmt(c.tps);
    document.getElementById('kpi-users').textContent = fmt(c.activeUsers, 0);
    document.getElementById('kpi-rt').textContent = fmt(c.avgMs, 0) + ' ms';
    // Per route and per instance over the same 10 s as the KPIs (current.routes / current.byInstance).
    const rows = (list, key) => (list || []).map(r => [r[key], fmt(r.tps), fmt(r.avgMs), fmt(r.p95Ms), pct(r.errorRate), r.requests]);
    const rowClass = list => i => ({ class: (list || [])[i]?.errorRate > 0 ? 'state-warn' : '' });
    if (c.routes) routesBox.replaceChildren(c.routes.length ? table(['col.route', 'col.tps', 'col.avg', 'col.p95', 'col.errorRate', 'col.requests'],
      rows(c.routes, 'route'), rowClass(c.routes)) : t('common.nodata'));
    if (c.byInstance) byInstBox.replaceChildren(c.byInstance.length ? table(['col.instance', 'col.tps', 'col.avg', 'col.p95', 'col.errorRate', 'col.requests'],
      rows(c.byInstance, 'instance'), rowClass(c.byInstance)) : t('common.nodata'));
    for (const p of m.series?.points || []) series.set(p.t, p);
    const cutoff = Date.now() - 3600_000;
    for (const k of series.keys()) { if (k >= cutoff) break; series.delete(k); }
    const pts = [...series.values()].sort((a, b) => a.t - b.t);
    tpsChart.setOption({ series: [{ data: pts.map(p => [p.t, p.tps]) }, { data: pts.map(p => [p.t, p.errors]) }] });
    rtChart.setOption({ series: [{ data: pts.map(p => [p.t, p.p95Ms]) }, { data: pts.map(p => [p.t, p.avgMs]) }] });
    usersChart.setOption({ series: [{ data: pts.map(p => [p.t, p.activeUsers]) }] });
    const inst = m.instances || [];
    resChart.setOption({ xAxis: { data: inst.map(i => i.id) }, series: [{ data: inst.map(i => +(i.cpuRatio * 100).toFixed(1)) },
      { data: inst.map(i => Math.round(i.memoryBytes / 1048576)) }] });
    const hm = await optional(appPath(ns, app) + '/heatmap');
    if (hm) {
      buckets = hm.latencyBucketsMs || buckets;
      const cells = hm.cells || [];
      const max = Math.max(1, ...cells.map(x => x.count));
      mapChart.setOption({ yAxis: { data: buckets.map(String) }, visualMap: { max },
        series: [{ data: cells.map(x => [x.t, x.b, x.count]) }, { data: cells.filter(x => x.errors > 0).map(x => [x.t, x.b, x.errors]) }] });
    }
  });
}
async function loadTransactions(ns, app, from, to, minMs, maxMs, box) {
  const q = new URLSearchParams({ from, to, minMs, maxMs, limit: 500 });
  const r = await optional(appPath(ns, app) + '/transactions?' + q);
  if (!r) { box.replaceChildren(h('div', { class: 'nodata' }, t('common.nodata') + ' (/transactions)')); return; }
  const tx = r.transactions || [];
  box.replaceChildren(h('p', { class: 'muted', id: 'tx-range' }, `${time(from)}–${time(to)}, ${minMs}–${maxMs} ms: ${tx.length}${r.truncated ? ' (' + t('dash.truncated') + ')' : ''}`),
    table(['col.time', 'col.path', 'col.status', 'col.duration', 'col.instance', 'col.trace'],
      tx.map(x => [time(x.time), `${x.method || ''} ${x.path}`, x.status, fmt(x.durationMs), x.instance || '—',
        x.traceId ? h('a', { href: '#/trace/' + x.traceId, class: 'mono trace-link' }, x.traceId.slice(0, 12) + '…') : '—']),
      i => ({ class: 'tx-row' + (tx[i].status >= 500 ? ' state-bad' : '') })));
}

// ---------------------------------------------------------------- actions
function actionBar(ns, app) {
  const replicas = h('input', { type: 'number', min: 0, max: 1000, id: 'replicas', style: 'width:5em' });
  api(appPath(ns, app)).then(a => replicas.value = a.replicas).catch(() => {});
  const run = async (text, call) => {
    if (!(await confirmAction(text))) return;
    const after = (await api(`/api/v1/events?namespace=${ns}&app=${app}&limit=1000`)).reduce((m, e) => Math.max(m, e.id), 0);
    const out = document.getElementById('action-result');
    try { await call(); out.textContent = t('action.done'); out.className = 'state-ok'; }
    catch (e) { out.textContent = t('action.failed') + ': ' + e.message; out.className = 'state-bad'; return; }
    // Show the events the action caused, as they arrive.
    const list = document.getElementById('action-events');
    let n = 0;
    const poll = async () => {
      const evs = await api(`/api/v1/events?namespace=${ns}&app=${app}&after=${after}&limit=100`);
      list.replaceChildren(...evs.map(e => h('li', { class: e.type === 'Warning' ? 'state-warn' : '' }, `${time(e.time)} ${e.reason}: ${e.message}`)));
      if (++n < 40) timers.push(setTimeout(poll, POLL_MS));
    };
    poll();
  };
  return h('div', { class: 'card toolbar noprint' },
    h('label', {}, t('action.replicas'), ' ', replicas),
    h('button', { id: 'do-scale', on: { click: () => run(t('confirm.scale', { app, n: replicas.value }),
      () => api(appPath(ns, app) + '/scale', { method: 'PUT', body: JSON.stringify({ replicas: Number(replicas.value) }) })) } }, t('action.scale')),
    h('button', { id: 'do-undo', on: { click: () => run(t('confirm.undo', { app }), () => api(appPath(ns, app) + '/rollout/undo', { method: 'POST' })) } }, t('action.undo')),
    h('button', { id: 'do-pause', on: { click: () => run(t('confirm.pause', { app }), () => api(appPath(ns, app) + '/rollout/pause', { method: 'POST' })) } }, t('action.pause')),
    h('button', { id: 'do-resume', on: { click: () => run(t('confirm.resume', { app }), () => api(appPath(ns, app) + '/rollout/resume', { method: 'POST' })) } }, t('action.resume')),
    h('span', { id: 'action-result' }),
    h('div', { style: 'flex-basis:100%' }, h('strong', {}, t('events.resulting')), h('ul', { id: 'action-events' })));
}

/** Shown only for an app with spec.autoscale: the count, bounds, panic, the last decisions; hand scaling is off. */
function autoscaleCard(ns, app) {
  const box = h('div', { class: 'card', id: 'autoscale', style: 'display:none' });
  every(async () => {
    const s = await optional(appPath(ns, app) + '/autoscale');
    if (!s) { box.style.display = 'none'; return; }
    box.style.display = '';
    const scale = document.getElementById('do-scale');
    if (scale) { scale.disabled = true; scale.title = t('autoscale.handOff'); }
    const min = s.effectiveMinReplicas > s.minReplicas ? `${s.effectiveMinReplicas} (${t('autoscale.schedule')})` : s.minReplicas;
    box.replaceChildren(h('h3', {}, t('autoscale.title')),
      h('p', { id: 'autoscale-summary', class: s.panicking ? 'state-warn' : '' },
        t('autoscale.summary', { n: s.replicas, ready: s.readyReplicas, min, max: s.maxReplicas }),
        s.panicking ? ' — ' + t('autoscale.panic') : ''),
      h('ul', { id: 'autoscale-decisions' }, ...(s.decisions || []).slice(0, 5).map(d =>
        h('li', {}, `${time(d.time)} ${d.from} → ${d.to}: ${d.reason}`))));
  });
  return box;
}

// ---------------------------------------------------------------- instances + logs
function instancesCard(ns, app) {
  const box = h('div', { id: 'instances' }, t('common.loading'));
  every(async () => {
    const q = ns ? `?namespace=${ns}&app=${app}` : '';
    const list = await api('/api/v1/instances' + q);
    const usage = new Map();
    if (ns) {
      const m = await optional(appPath(ns, app) + '/metrics?seconds=10');
      (m?.instances || []).forEach(i => usage.set(i.id, i));
    }
    list.sort((a, b) => (a.app + a.id).localeCompare(b.app + b.id));
    box.replaceChildren(table(['col.instance', 'col.app', 'col.state', 'col.revision', 'col.restarts', 'col.cpu', 'col.memory', 'col.uptime', 'col.actions'],
      list.map(i => { const u = usage.get(i.id); return [i.id, i.app, i.state, i.revision, i.restarts,
        u ? pct(u.cpuRatio) : '—', u ? mib(u.memoryBytes) : '—', uptime(i.startedAt),
        h('span', {}, h('button', { class: 'logs-btn', on: { click: () => showLogs(i.namespace, i.app, i.id) } }, t('inst.logs')), ' ',
          h('button', { class: 'restart-btn', on: { click: async () => {
            if (await confirmAction(t('confirm.restart', { id: i.id }))) await api(appPath(i.namespace, i.app) + `/instances/${i.id}/restart`, { method: 'POST' });
          } } }, t('action.restart')))]; }),
      idx => ({ class: list[idx].state === 'Ready' ? 'state-ok' : list[idx].state === 'Failed' ? 'state-bad' : 'state-warn', 'data-instance': list[idx].id })));
  });
  return h('div', { class: 'card' }, h('h3', {}, t('nav.instances')), box, h('div', { id: 'logs-box' }));
}
async function showLogs(ns, app, id) {
  aborters.forEach(a => a.abort()); aborters = [];
  const box = document.getElementById('logs-box');
  const pre = h('pre', { class: 'logs', id: 'logs' });
  const search = h('input', { type: 'search', placeholder: t('inst.search'), id: 'log-search' });
  const follow = h('input', { type: 'checkbox', id: 'log-follow' });
  let lines = [];
  const render = () => { const q = search.value.toLowerCase(); pre.textContent = lines.filter(l => !q || l.toLowerCase().includes(q)).join('\n');
    if (follow.checked) pre.scrollTop = pre.scrollHeight; };
  search.addEventListener('input', render);
  const base = appPath(ns, app) + '/logs?instance=' + encodeURIComponent(id) + '&tail=500';
  const load = async () => {
    aborters.forEach(a => a.abort()); aborters = [];
    if (!follow.checked) { lines = (await api(base)).split('\n'); render(); return; }
    // EventSource cannot send the Authorization header: read the SSE stream with fetch.
    const ac = new AbortController(); aborters.push(ac);
    const res = await fetch(base + '&follow=true', { headers: { Authorization: 'Bearer ' + token() }, signal: ac.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    lines = []; let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read(); if (done) break;
        buf += value; const parts = buf.split('\n\n'); buf = parts.pop();
        for (const p of parts) { const d = p.split('\n').find(l => l.startsWith('data:')); if (d) lines.push(JSON.parse(d.slice(5)).line); }
        if (lines.length > 5000) lines = lines.slice(-5000);
        render();
      }
    } catch (e) { if (e.name !== 'AbortError') throw e; }
  };
  follow.addEventListener('change', load);
  // Server-side search (GET .../logs/search): text or regex over the instance's log and its rotated
  // files, from a chosen time on; the box above then filters what is shown.
  const regex = h('input', { type: 'checkbox', id: 'log-regex' });
  const since = h('select', { id: 'log-since' }, ...['5m', '15m', '1h', '6h', '1d', ''].map(v =>
    h('option', { value: v, ...(v === '1h' ? { selected: true } : {}) }, v ? t('inst.since', { v }) : t('inst.sinceAll'))));
  const note = h('span', { class: 'muted', id: 'log-search-note' });
  const searchServer = async () => {
    follow.checked = false; aborters.forEach(a => a.abort()); aborters = [];
    const q = new URLSearchParams({ instance: id, limit: 1000 });
    if (search.value) q.set(regex.checked ? 'regex' : 'q', search.value);
    if (since.value) q.append('since', since.value);
    try {
      const r = await api(appPath(ns, app) + '/logs/search?' + q);
      lines = r.lines.slice().reverse().map(l => `${time(l.time)} ${l.line}`);
      note.textContent = t('inst.found', { n: r.lines.length }) + (r.truncated ? ' (' + t('dash.truncated') + ')' : '');
      note.className = 'muted';
      const keep = search.value; search.value = ''; render(); search.value = keep; // the server already matched
    } catch (e) { note.textContent = e.message; note.className = 'state-bad'; }
  };
  const go = h('button', { id: 'log-search-btn', on: { click: searchServer } }, t('inst.searchServer'));
  search.addEventListener('keydown', e => { if (e.key === 'Enter') searchServer(); });
  box.replaceChildren(h('div', { class: 'toolbar' }, h('strong', {}, `${t('inst.logs')}: ${id}`), search,
    h('label', {}, regex, t('inst.regex')), since, go, h('label', {}, follow, t('inst.follow')), note), pre);
  load();
}
function instancesPage() {
  main.replaceChildren(instancesCard(null, null));
}

// ---------------------------------------------------------------- events + alerts
function eventsCard(ns, app) {
  const box = h('div', {});
  every(async () => {
    const evs = await api(`/api/v1/events?limit=50${ns ? `&namespace=${ns}&app=${app}` : ''}`);
    box.replaceChildren(table(['col.time', 'col.type', 'col.reason', 'col.message'], evs.slice().reverse().map(e => [time(e.time), e.type, e.reason, e.message]),
      i => ({ class: evs.slice().reverse()[i].type === 'Warning' ? 'state-warn' : '' })));
  });
  return h('div', { class: 'card' }, h('h3', {}, t('events.events')), box);
}
function eventsPage() {
  const type = h('select', { id: 'f-type' }, h('option', { value: '' }, t('events.all')), h('option', { value: 'Normal' }, 'Normal'), h('option', { value: 'Warning' }, 'Warning'));
  const appSel = h('select', { id: 'f-app' }, h('option', { value: '' }, t('events.all')));
  const text = h('input', { type: 'search', id: 'f-text', placeholder: t('events.filterText') });
  const stateSel = h('select', { id: 'f-alert-state' }, h('option', { value: '' }, t('events.all')),
    ...['firing', 'pending', 'resolved'].map(s => h('option', { value: s }, t('alerts.' + s))));
  const sevSel = h('select', { id: 'f-severity' }, h('option', { value: '' }, t('events.all')),
    ...SEVERITIES.map(s => h('option', { value: s }, t('sev.' + s))));
  const alertsBox = h('div', { id: 'alerts' }), evBox = h('div', { id: 'events' });
  const alertCount = h('span', { id: 'alerts-firing' });
  main.replaceChildren(h('div', { class: 'card toolbar' }, h('label', {}, t('events.filterApp'), ' ', appSel), text),
    h('div', { class: 'card' }, h('div', { class: 'toolbar' }, h('h3', {}, t('events.alerts')), alertCount,
      h('label', {}, t('events.filterState'), ' ', stateSel), h('label', {}, t('events.filterSeverity'), ' ', sevSel)), alertsBox),
    h('div', { class: 'card' }, h('div', { class: 'toolbar' }, h('h3', {}, t('events.events')),
      h('label', {}, t('events.filterType'), ' ', type)), evBox));
  let evs = [], alerts = null;
  const rank = a => a.state === 'firing' ? 0 : a.state === 'pending' ? 1 : 2;
  const render = () => {
    const q = text.value.toLowerCase();
    const keep = e => (!appSel.value || e.namespace + '/' + e.app === appSel.value) && (!q || JSON.stringify(e).toLowerCase().includes(q));
    if (alerts === null) alertsBox.replaceChildren(h('div', { class: 'nodata' }, t('events.alertsMissing')));
    else {
      // Firing on top (worst severity first), then pending, then the recently resolved, newest first.
      const shownAlerts = alerts.filter(a => keep(a) && (!stateSel.value || a.state === stateSel.value) && (!sevSel.value || a.severity === sevSel.value))
        .sort((x, y) => rank(x) - rank(y) || SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity)
          || ms(y.resolvedAt || y.since) - ms(x.resolvedAt || x.since));
      const firing = alerts.filter(a => a.state === 'firing');
      alertCount.replaceChildren(t('alerts.firingCount', { n: firing.length }), ' ', alertBadge(firing));
      alertsBox.replaceChildren(table(['col.state', 'col.severity', 'col.rule', 'col.app', 'col.instance', 'col.since', 'col.resolvedAt', 'col.message'],
        shownAlerts.map(a => [t('alerts.' + a.state), h('span', { class: 'sev sev-' + a.severity }, t('sev.' + a.severity)), a.rule, a.app || '—',
          a.instance || '—', time(a.since), time(a.resolvedAt), a.summary]),
        i => ({ class: 'alert-row alert-' + shownAlerts[i].state + (shownAlerts[i].state === 'firing'
          ? (shownAlerts[i].severity === 'info' ? ' state-warn' : ' state-bad') : ' muted'), 'data-alert': shownAlerts[i].id })));
    }
    const shown = evs.filter(e => (!type.value || e.type === type.value) && keep(e)).reverse();
    evBox.replaceChildren(table(['col.time', 'col.app', 'col.type', 'col.reason', 'col.message'], shown.map(e => [time(e.time), e.app, e.type, e.reason, e.message]),
      i => ({ class: shown[i].type === 'Warning' ? 'state-warn' : '' })));
  };
  [type, appSel, text, stateSel, sevSel].forEach(x => x.addEventListener('input', render));
  every(async () => {
    [evs, alerts] = await Promise.all([api('/api/v1/events?limit=500'), optional('/api/v1/alerts?state=all&limit=200')]);
    const apps = [...new Set([...evs, ...(alerts || [])].filter(e => e.app).map(e => e.namespace + '/' + e.app))].sort();
    if (appSel.options.length - 1 !== apps.length) {
      const v = appSel.value;
      appSel.replaceChildren(h('option', { value: '' }, t('events.all')), ...apps.map(a => h('option', { value: a }, a)));
      appSel.value = v;
    }
    render();
  });
}

// ---------------------------------------------------------------- self-diagnosis (seed S8)
const FAILURE_REASONS = ['Exited', 'FailedStart', 'Unhealthy', 'Unready', 'RolloutFailed', 'RolledBack', 'CanaryFailed'];
async function evidence() {
  const ev = {};
  const events = await api('/api/v1/events?limit=1000');
  const failures = events.filter(e => e.type === 'Warning' && FAILURE_REASONS.includes(e.reason));
  const reasons = [...new Set(failures.map(e => e.reason))].join(', ') || '—';
  ev[2] = { yes: failures.length > 0, text: t('ev.q2', { n: failures.length, reasons }) };
  const apps = await api('/api/v1/apps');
  // Q3: p95 during the busiest 10% of seconds against the median p95, per app; the worst app counts.
  let worst = null;
  for (const a of apps.slice(0, 50)) {
    const m = await optional(appPath(a.namespace, a.name) + '/metrics?seconds=3600');
    const pts = (m?.series?.points || []).filter(p => p.requests > 0);
    if (pts.length < 10) continue;
    const med = arr => { const s = arr.slice().sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
    const base = med(pts.map(p => p.p95Ms));
    const peaks = pts.slice().sort((x, y) => y.tps - x.tps).slice(0, Math.max(1, Math.floor(pts.length / 10)));
    const peak = med(peaks.map(p => p.p95Ms));
    const slow = peak > 2 * base || peak > (m.apdexThresholdMs || 500);
    if (!worst || peak / Math.max(1, base) > worst.ratio) worst = { ratio: peak / Math.max(1, base), yes: slow, text: t('ev.q3', { peak: fmt(peak, 0), base: fmt(base, 0), app: a.name }) };
  }
  ev[3] = worst || { yes: null, text: t('ev.q3none') };
  // Q9 and Q10 from the deploy history (revisions of every app).
  const created = [];
  for (const a of apps.slice(0, 50)) {
    const hist = await optional(appPath(a.namespace, a.name) + '/rollout/history');
    (hist?.revisions || []).forEach(r => created.push(ms(r.createdAt)));
  }
  ev[9] = { yes: created.length <= apps.length, text: t('ev.q9', { n: created.length, apps: apps.length }) };
  created.sort((x, y) => x - y);
  const gaps = created.slice(1).map((c, i) => (c - created[i]) / 86400000).sort((x, y) => x - y);
  ev[10] = gaps.length ? { yes: gaps[Math.floor(gaps.length / 2)] > 7, text: t('ev.q10', { days: fmt(gaps[Math.floor(gaps.length / 2)], 1) }) }
    : { yes: null, text: t('ev.q10none') };
  return ev;
}
async function diagnosisPage() {
  const answers = JSON.parse(sessionStorage.getItem('nuri.diag') || '{}');
  const scoreEl = h('div', { class: 'score', id: 'diag-score' });
  const recEl = h('p', { id: 'diag-rec' });
  const list = h('div', { id: 'questions' });
  main.replaceChildren(h('div', { class: 'card' }, h('h2', {}, t('diag.title')), h('p', {}, t('diag.intro')),
    h('p', { class: 'muted' }, new Date().toLocaleString(lang)), list, scoreEl, recEl,
    h('button', { id: 'diag-print', on: { click: () => window.print() } }, t('diag.print'))));
  const update = () => {
    const yes = Object.values(answers).filter(v => v === true).length;
    scoreEl.textContent = `${t('diag.score')}: ${yes} / 10`;
    recEl.textContent = yes >= 6 ? t('diag.recommended') : t('diag.notRecommended');
    recEl.className = yes >= 6 ? 'state-ok' : 'muted';
    sessionStorage.setItem('nuri.diag', JSON.stringify(answers));
  };
  const render = ev => {
    list.replaceChildren(...Array.from({ length: 10 }, (_, k) => {
      const n = k + 1;
      if (answers[n] === undefined && ev[n]?.yes !== undefined && ev[n].yes !== null) answers[n] = ev[n].yes;
      const radio = (val, label) => h('label', {}, h('input', { type: 'radio', name: 'q' + n, value: String(val), id: `q${n}-${val ? 'yes' : 'no'}`,
        checked: answers[n] === val, on: { change: () => { answers[n] = val; update(); } } }), label);
      return h('div', { class: 'q', 'data-q': n }, h('div', { class: 'text' }, `${n}. ${t('diag.q' + n)}`,
        ev[n] ? h('div', { class: 'evidence' }, `${t('diag.evidence')}: ${ev[n].text}`) : null),
        radio(true, t('diag.yes')), radio(false, t('diag.no')));
    }));
    update();
  };
  render({});
  try { render(await evidence()); } catch (e) { console.warn(e); }
  list.dataset.evidence = 'loaded';
}

// ---------------------------------------------------------------- routing
async function route() {
  cleanup();
  let hash = location.hash;
  if (hash.startsWith('#token=')) {
    // Scripted login: the fragment never reaches the server; drop it from the address bar.
    sessionStorage.setItem('nuri.token', decodeURIComponent(hash.slice(7)));
    history.replaceState(null, '', location.pathname + '#/');
    hash = '#/';
  }
  const loggedIn = !!token();
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('logout').hidden = !loggedIn;
  if (!loggedIn || hash === '#/login') { if (loggedIn && hash === '#/login') { location.hash = '#/'; return; } loginPage(); return; }
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.getAttribute('href') === '#/' + (parts[0] || '')));
  if (parts[0] === 'app' && parts.length >= 3) appPage(parts[1], parts[2]);
  else if (parts[0] === 'trace' && parts[1]) tracePage(parts[1]);
  else if (parts[0] === 'instances') instancesPage();
  else if (parts[0] === 'events') eventsPage();
  else if (parts[0] === 'diagnosis') diagnosisPage();
  else overviewPage();
}
document.getElementById('lang').addEventListener('change', async e => { await setLang(e.target.value); route(); });
document.getElementById('logout').addEventListener('click', () => { sessionStorage.removeItem('nuri.token'); if (location.hash === '#/login') route(); else location.hash = '#/login'; });
window.addEventListener('hashchange', route);
await setLang(preferredLang());
route();
