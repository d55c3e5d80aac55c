#include "console/assets.h"

namespace massmigration::web::internal {

// While a page shows a live run, it asks PREFIX/api/status for fresh figures every
// data-refresh-ms and updates the cells (data-key, data-alias) and counts in place. It writes
// only text and attributes (textContent, never markup), and stops once nothing is live.
const std::string_view kConsoleScript = R"JS('use strict';
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix || '';
  const interval = Number(body.dataset.refreshMs) || 2500;
  const liveStatuses = new Set(['RUNNING', 'PAUSING', 'CANCELLING']);
  const previous = new Map();

  function statusClass(status) {
    return 'status-' + status.toLowerCase().replace(/_/g, '-');
  }

  function etaText(seconds) {
    if (seconds >= 3600) return 'ETA ' + Math.floor(seconds / 3600) + 'h ' + Math.floor((seconds % 3600) / 60) + 'm';
    if (seconds >= 60) return 'ETA ' + Math.floor(seconds / 60) + 'm ' + (seconds % 60) + 's';
    return 'ETA ' + seconds + 's';
  }

  function updateCell(cell, status, progress, details, now) {
    const badge = cell.querySelector('.badge');
    badge.textContent = status;
    badge.className = 'badge ' + statusClass(status);
    const bar = cell.querySelector('.progress');
    if (progress) {
      bar.hidden = false;
      const meter = bar.querySelector('progress');
      const total = progress.total === null ? 0 : progress.total;
      meter.max = Math.max(total, 1);
      meter.value = progress.done;
      let figures = progress.total === null ? progress.done + ' rows'
          : progress.done + '/' + total + ' rows (' + (total > 0 ? Math.floor(progress.done * 100 / total) : 100) + '%)';
      const key = cell.dataset.key + ' ' + cell.dataset.alias;
      const before = previous.get(key);
      if (before && liveStatuses.has(status) && now > before.at && progress.done >= before.done) {
        const rate = (progress.done - before.done) * 1000 / (now - before.at);
        figures += ', ' + Math.round(rate) + ' rows/s';
      }
      previous.set(key, {done: progress.done, at: now});
      bar.querySelector('.figures').textContent = figures;
    }
    const eta = details && details.eta_seconds !== null ? etaText(details.eta_seconds) : '';
    cell.querySelector('.eta').textContent = eta;
  }

  // A detail page's records and buttons depend on the status: when one changes, they are
  // fetched anew and swapped in (markup the server escaped), without reloading the page.
  function refreshSections() {
    fetch(location.href, {credentials: 'same-origin'})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, 'text/html');
        const now = fresh.querySelectorAll('section.database');
        document.querySelectorAll('section.database').forEach(function (section, i) {
          if (now[i]) section.replaceWith(document.importNode(now[i], true));
        });
        const trail = fresh.querySelector('table.trail');
        const shown = document.querySelector('table.trail');
        if (trail && shown) shown.replaceWith(document.importNode(trail, true));
      })
      .catch(function () {});
  }

  function apply(migrations) {
    const now = Date.now();
    const counts = new Map();
    let live = false;
    let changed = false;
    for (const migration of migrations) {
      for (const [alias, status] of Object.entries(migration.databases)) {
        counts.set(status, (counts.get(status) || 0) + 1);
        if (liveStatuses.has(status)) live = true;
        const selector = '.cell[data-key="' + CSS.escape(migration.key) + '"][data-alias="' + CSS.escape(alias) + '"]';
        for (const cell of document.querySelectorAll(selector)) {
          changed = changed || cell.querySelector('.badge').textContent !== status;
          updateCell(cell, status, migration.progress && migration.progress[alias],
                     migration.details && migration.details[alias], now);
        }
      }
    }
    for (const count of document.querySelectorAll('.count[data-status]')) {
      count.textContent = String(counts.get(count.dataset.status) || 0);
    }
    if (changed && document.querySelector('section.database')) refreshSections();
    return live;
  }

  function poll() {
    fetch(prefix + '/api/status', {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (response) {
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json();
      })
      .then(function (migrations) {
        body.dataset.live = apply(migrations) ? 'true' : 'false';
        if (body.dataset.live === 'true') setTimeout(poll, interval);
      })
      .catch(function () { setTimeout(poll, interval * 2); });
  }

  if (body.dataset.live === 'true') setTimeout(poll, interval);
})();
)JS";

const std::string_view kFavicon =
    R"SVG(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2330"/><path d="M3 11h10M3 8h7M3 5h4" stroke="#8fb1ff" stroke-width="2"/></svg>)SVG";

const std::string_view kConsoleStyle = R"CSS(:root {
  --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --paper: #ffffff; --wash: #f4f6fa;
  --accent: #2452c7;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--wash); }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.5rem; background: var(--ink); color: #fff; }
header.top .brand { color: #fff; font-weight: 600; text-decoration: none; margin-right: auto; }
header.top .user { opacity: .85; }
header.top button.link { background: none; border: 1px solid rgba(255,255,255,.4); color: #fff; }
main { max-width: 1200px; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .6rem; }
a { color: var(--accent); }
form.inline { display: inline; }
button, .button { font: inherit; padding: .3rem .75rem; border: 1px solid var(--line); border-radius: 4px; background: var(--paper); color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
button:disabled { opacity: .45; cursor: not-allowed; }
button.danger { background: #b3261e; border-color: #b3261e; color: #fff; }
.filters { display: flex; gap: 1rem; align-items: end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.counts { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
table { border-collapse: collapse; width: 100%; background: var(--paper); border: 1px solid var(--line); }
th, td { text-align: left; padding: .5rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--wash); font-size: .85rem; color: var(--muted); }
tbody th { font-weight: 500; }
.description { color: var(--muted); font-size: .85rem; font-weight: normal; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 3px; font-size: .75rem; font-weight: 600; letter-spacing: .02em; background: #e3e7ee; color: #394150; }
.status-applied { background: #d8f0dd; color: #1b5e2b; }
.status-running, .status-pausing, .status-cancelling { background: #dbe6ff; color: #1f3f9a; }
.status-paused { background: #fff1c7; color: #7a5600; }
.status-stalled, .status-errored, .status-unknown { background: #fbd9d6; color: #8c1d16; }
.status-cancelled { background: #ece3f7; color: #55307e; }
.status-not-allowed { background: transparent; color: #9aa2b1; font-weight: 400; }
.progress { display: block; margin-top: .3rem; font-size: .8rem; color: var(--muted); }
progress { width: 9rem; height: .6rem; vertical-align: middle; }
.eta { font-size: .8rem; color: var(--muted); }
.notice { background: #e7f3ea; border: 1px solid #b9dcc2; padding: .5rem .75rem; border-radius: 4px; }
.problem { background: #fdecea; border: 1px solid #f3c2bd; padding: .5rem .75rem; border-radius: 4px; }
pre.error { white-space: pre-wrap; word-break: break-word; background: #fdecea; padding: .75rem; border-radius: 4px; }
dl.facts, dl.record { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
section.database { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: .25rem 1rem 1rem; margin-top: 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .75rem; }
form.login { display: flex; flex-direction: column; gap: .75rem; max-width: 20rem; }
form.login label { display: flex; flex-direction: column; }
input { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
)CSS";

}  // namespace massmigration::web::internal
