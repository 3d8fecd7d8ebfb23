// A compare (GET /compares/{id}): its variants side by side, each with its run's film, then the
// side-by-side film and the comparison rows once the compare has joined them.
import { api, ApiError, follow } from './api.js';
import { h, keyed, number, usd } from './dom.js';

const POLL_MS = 1500;

function variantColumn(variant, report) {
  const film = report?.urls?.film;
  return h('li', { class: 'variant', dataset: { runId: variant.runId } },
    h('h3', {}, variant.label),
    h('p', {}, h('span', { class: `badge status-${variant.status}` }, variant.status), ` ${variant.scenesDone ?? 0}/${variant.scenesTotal ?? '?'} scenes · `, h('a', { href: `#run=${variant.runId}` }, 'open run')),
    film ? h('video', { src: film, controls: true, preload: 'metadata', 'aria-label': `${variant.label} film` }) : h('p', { class: 'hint' }, 'No film yet.'));
}

function rowsTable(rows) {
  const columns = ['label', 'outcome', 'filmSeconds', 'clips', 'estimatedUsd', 'meanSeamSsim', 'renderSeconds'];
  const cell = (row, column) => (column === 'estimatedUsd' ? usd(row[column]) : typeof row[column] === 'number' ? number(row[column]) : String(row[column] ?? '—'));
  return h('table', { class: 'predictions' }, h('caption', {}, 'Comparison'),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, 'max seam ΔE'))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {}, cell(row, c))), h('td', {}, number(row.continuity?.maxSeamDeltaE))))));
}

/** Shows compare `compareId` in `container` until the returned stop() is called. */
export function mountCompare(container, compareId) {
  const heading = h('h2', { id: 'compare-title' }, compareId);
  const status = h('p', { class: 'run-status', role: 'status' });
  const variants = h('ol', { class: 'variants', 'aria-label': 'Variants side by side' });
  const results = h('div', { class: 'section-body' });
  container.replaceChildren(h('article', { class: 'run', 'aria-labelledby': 'compare-title' }, heading, status, variants, h('section', { 'aria-labelledby': 'sbs-heading' }, h('h3', { id: 'sbs-heading' }, 'Side by side'), results)));

  async function load() {
    const report = await api('GET', `/compares/${compareId}`);
    const runs = await Promise.all(report.variants.map((v) => api('GET', `/runs/${v.runId}`).catch(() => null)));
    return { status: report.status, report, runs };
  }

  function show({ report, runs }) {
    heading.textContent = report.title ? `${report.title} (compare)` : compareId;
    status.replaceChildren(h('span', { class: `badge status-${report.status}`, dataset: { runStatus: report.status } }, report.status), ` ${compareId}`, report.ending?.failure ? ` · ${report.ending.failure.error}: ${report.ending.failure.cause}` : '');
    const key = report.variants.map((v, i) => `${v.runId}:${v.status}:${v.scenesDone}:${Boolean(runs[i]?.urls?.film)}`).join(',');
    keyed(variants, key, () => report.variants.map((v, i) => variantColumn(v, runs[i])));
    keyed(results, report.results ? 'results' : 'none', () => (report.results
      ? [h('video', { id: 'side-by-side', src: report.results.urls.sideBySide, controls: true, preload: 'metadata', 'aria-label': 'The variants’ films side by side' }), rowsTable(report.results.rows)]
      : h('p', { class: 'hint' }, 'The side-by-side film appears when every variant has ended.')));
  }

  const showError = (error) =>
    (status.textContent = error instanceof ApiError && error.status === 404 ? `No compare ${compareId}.` : `Could not load the compare: ${error.message}`);
  return follow(load, show, showError, POLL_MS).stop;
}
