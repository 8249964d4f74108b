/**
 * The dashboard: one self-contained page (no build step, no external assets) that polls
 * `/api/v1/status` every two seconds and can force a sync. Everything shown is escaped. When the
 * operator wants a token for syncs, the page asks for it once and keeps it in the tab's sessionStorage.
 * Its headers allow only its own inline style and script (by hash), requests to its own origin, and no
 * framing.
 */
import { createHash } from 'node:crypto';

const STYLE = `
  :root { --bg:#0f1419; --panel:#171d24; --text:#d7dde4; --muted:#8b96a3; --line:#26303a;
          --ok:#3fb950; --warn:#d29922; --bad:#f85149; --info:#58a6ff; --idle:#8b96a3; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); background:var(--panel); }
  header h1 { font-size:16px; margin:0; letter-spacing:.02em; }
  header .spacer { flex:1; }
  main { padding:16px 20px; }
  .sources, .counts { display:flex; flex-wrap:wrap; gap:8px; margin-bottom:12px; }
  .chip { padding:4px 10px; border-radius:12px; background:var(--panel); border:1px solid var(--line); font-size:12px; }
  .chip b { font-weight:600; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { color:var(--muted); font-weight:500; font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
  tr.job { cursor:pointer; }
  tr.job:hover { background:#1b232c; }
  code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
  .phase { font-weight:600; }
  .Healthy, .Synced { color:var(--ok); } .Progressing, .OutOfSync { color:var(--info); }
  .Degraded, .Suspended { color:var(--warn); } .Invalid, .Error { color:var(--bad); } .Pruned { color:var(--idle); }
  .msg { color:var(--muted); max-width:44em; white-space:pre-wrap; }
  button { background:#21262d; color:var(--text); border:1px solid #363b42; border-radius:6px; padding:4px 10px; cursor:pointer; font-size:12px; }
  button:hover { border-color:var(--info); }
  input[type=search] { background:var(--bg); color:var(--text); border:1px solid var(--line); border-radius:6px; padding:5px 8px; width:16em; }
  .details td { background:#12181e; }
  .details ul { margin:4px 0; padding-left:18px; }
  #error { color:var(--bad); }
  #token-form:not([hidden]) { display:flex; gap:6px; }
  input[type=password] { background:var(--bg); color:var(--text); border:1px solid var(--line); border-radius:6px; padding:5px 8px; width:12em; }
`;

const SCRIPT = `
(() => {
  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' }[c]));
  const short = (sha) => sha ? esc(String(sha).slice(0, 8)) : '';
  const open = new Set();
  let last = null;

  function lastMessage(job) {
    if (job.lastError) return job.lastError.reason + ': ' + job.lastError.message;
    const c = (job.conditions || []).slice().sort((a, b) => String(b.lastTransitionTime).localeCompare(String(a.lastTransitionTime)))[0];
    return c ? c.reason + ': ' + c.message : '';
  }

  function render(status) {
    const filter = document.getElementById('filter').value.trim().toLowerCase();
    // An operator of several clusters names each job's and source's cluster: a column, and the filter matches it.
    const several = status.sources.some((s) => s.cluster != null);
    const cols = several ? 8 : 7;
    document.getElementById('cluster-col').hidden = !several;
    document.getElementById('sources').innerHTML = status.sources.map((s) =>
      '<span class="chip" data-source="' + esc(s.name) + '"' + (s.cluster != null ? ' data-cluster="' + esc(s.cluster) + '"' : '') + '>' + (s.cluster != null ? esc(s.cluster) + ': ' : '') + '<b>' + esc(s.name) + '</b> ' + esc(s.branch) + ' @ <span class="mono">' + short(s.lastProcessedCommit || s.lastFetchedCommit) + '</span> ' +
      (s.healthy ? '<span class="Healthy">healthy</span>' : '<span class="Error">' + esc(s.lastError ? s.lastError.message : 'unhealthy') + '</span>') + '</span>').join('');
    const counts = {};
    for (const j of status.jobs) counts[j.phase] = (counts[j.phase] || 0) + 1;
    document.getElementById('counts').innerHTML = Object.keys(counts).sort().map((p) =>
      '<span class="chip"><span class="phase ' + esc(p) + '">' + esc(p) + '</span> ' + counts[p] + '</span>').join('');
    const rows = [];
    for (const j of status.jobs.slice().sort((a, b) => a.key.localeCompare(b.key) || String(a.cluster || '').localeCompare(String(b.cluster || '')))) {
      if (filter && !(j.key + ' ' + (j.spec || '') + ' ' + j.phase + ' ' + (j.cluster || '')).toLowerCase().includes(filter)) continue;
      const id = j.cluster != null ? j.cluster + ' ' + j.key : j.key;
      rows.push('<tr class="job" data-key="' + esc(id) + '">' + (several ? '<td class="mono cluster">' + esc(j.cluster || '') + '</td>' : '') + '<td class="mono">' + esc(j.key) + '</td><td class="phase ' + esc(j.phase) + '">' + esc(j.phase) + '</td>' +
        '<td class="mono">' + esc(j.spec || '') + '</td><td class="mono">' + short(j.desiredCommit) + '</td><td>' + esc(j.jobVersion == null ? '' : j.jobVersion) + '</td>' +
        '<td class="msg">' + esc(lastMessage(j)) + '</td><td><button type="button" data-sync="' + esc(j.key) + '">Sync</button></td></tr>');
      if (open.has(id)) {
        rows.push('<tr class="details"><td colspan="' + cols + '"><b>Conditions</b><ul>' + (j.conditions || []).map((c) =>
          '<li>' + esc(c.type) + '=' + esc(c.status) + ' <i>' + esc(c.reason) + '</i> ' + esc(c.message) + ' <span class="mono">' + esc(c.lastTransitionTime) + '</span></li>').join('') + '</ul>' +
          (j.lastDiff && j.lastDiff.length ? '<b>Last diff</b><pre class="mono">' + esc(j.lastDiff.join('\\n')) + '</pre>' : '') +
          '<b>History</b><ul>' + (j.history || []).slice().reverse().map((h) =>
          '<li><span class="mono">' + esc(h.time) + '</span> ' + esc(h.event) + ': ' + esc(h.message) + '</li>').join('') + '</ul></td></tr>');
      }
    }
    document.getElementById('jobs').innerHTML = rows.join('') || '<tr><td colspan="' + cols + '" class="msg">no jobs</td></tr>';
  }

  async function refresh() {
    try {
      const res = await fetch('api/v1/status', { cache: 'no-store' });
      if (!res.ok) throw new Error('status ' + res.status);
      last = await res.json();
      render(last);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      document.getElementById('error').textContent = '';
    } catch (e) {
      document.getElementById('error').textContent = 'cannot reach the operator (' + e.message + ')';
    }
  }

  // The sync token is asked for once, when the operator first refuses a sync, and kept for this tab only.
  const TOKEN_KEY = 'nomadguard.syncToken';
  const tokenForm = document.getElementById('token-form');
  const tokenInput = document.getElementById('token');
  let pending = null;

  function askToken(body, message) {
    pending = body;
    tokenForm.hidden = false;
    tokenInput.value = '';
    tokenInput.focus();
    document.getElementById('error').textContent = message;
  }

  async function sync(body) {
    const headers = { 'content-type': 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = 'Bearer ' + token;
    const res = await fetch('api/v1/sync', { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      askToken(body, token ? 'the sync token was refused: enter it again' : 'this operator needs a token to sync');
      return;
    }
    if (!res.ok && res.status !== 202) document.getElementById('error').textContent = 'sync refused (' + res.status + ')';
    setTimeout(refresh, 300);
  }

  tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    tokenInput.value = '';
    tokenForm.hidden = true;
    document.getElementById('error').textContent = '';
    const body = pending;
    pending = null;
    if (body) sync(body);
  });

  document.getElementById('jobs').addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-sync]');
    if (button) { ev.stopPropagation(); sync({ jobs: [button.dataset.sync] }); return; }
    const row = ev.target.closest('tr.job');
    if (!row) return;
    const key = row.dataset.key;
    if (open.has(key)) open.delete(key); else open.add(key);
    if (last) render(last);
  });
  document.getElementById('sync-all').addEventListener('click', () => sync({ all: true }));
  document.getElementById('filter').addEventListener('input', () => { if (last) render(last); });
  refresh();
  setInterval(refresh, 2000);
})();
`;

/** A CSP source for an inline element whose text is exactly `s`. */
const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** Response headers of the dashboard page. */
export const DASHBOARD_HEADERS: Record<string, string> = {
  'content-security-policy': `default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nomadguard</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>nomadguard</h1>
  <span id="updated" class="mono"></span>
  <span id="error"></span>
  <span class="spacer"></span>
  <form id="token-form" hidden><input id="token" type="password" autocomplete="off" placeholder="sync token" aria-label="sync token"><button type="submit">Use token</button></form>
  <input id="filter" type="search" placeholder="filter jobs" aria-label="filter jobs">
  <button id="sync-all" type="button">Sync all</button>
</header>
<main>
  <div id="sources" class="sources"></div>
  <div id="counts" class="counts"></div>
  <table aria-label="jobs">
    <thead><tr><th id="cluster-col" hidden>Cluster</th><th>Job</th><th>Phase</th><th>Spec</th><th>Commit</th><th>Version</th><th>Last message</th><th></th></tr></thead>
    <tbody id="jobs"></tbody>
  </table>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
