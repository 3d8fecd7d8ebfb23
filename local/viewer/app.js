// The viewer's entry: the live list of runs (GET /runs), the compares started from this page, and
// the selected run or compare (#run=<id>, #compare=<id>).
import { api } from './api.js';
import { h, usd } from './dom.js';
import { mountRun } from './run-view.js';
import { mountCompare } from './compare-view.js';
import { mountStartForm } from './start-form.js';

const LIST_POLL_MS = 1500;
const COMPARES_KEY = 'longshot.compares';

const runsList = document.getElementById('runs');
const comparesList = document.getElementById('compares');
const detail = document.getElementById('detail');
const connection = document.getElementById('connection');

const selected = () => Object.fromEntries(new URLSearchParams(location.hash.slice(1)));

function runItem(run, current) {
  const scenes = run.scenesTotal ? ` · ${run.scenesDone}/${run.scenesTotal}` : '';
  return h('li', { dataset: { runId: run.runId, status: run.status } },
    h('a', { href: `#run=${run.runId}`, 'aria-current': current ? 'page' : undefined },
      h('span', { class: 'title' }, run.title ?? run.runId),
      h('span', { class: 'meta' }, h('span', { class: `badge status-${run.status}` }, run.status), `${scenes} · ${usd(run.cost?.usd)}`)));
}

let lastList = '';
async function refreshRuns() {
  try {
    const page = await api('GET', '/runs?limit=50');
    connection.textContent = '';
    const current = selected().run;
    const key = JSON.stringify([current, page.runs.map((r) => [r.runId, r.status, r.scenesDone, r.cost?.usd, r.title])]);
    if (key !== lastList) {
      lastList = key;
      runsList.replaceChildren(...(page.runs.length ? page.runs.map((run) => runItem(run, run.runId === current)) : [h('li', { class: 'hint' }, 'No runs yet.')]));
    }
  } catch (error) {
    connection.textContent = `The local API does not answer (${error.message}); is \`longshot dev\` running?`;
  }
  setTimeout(refreshRuns, LIST_POLL_MS);
}

const knownCompares = () => JSON.parse(localStorage.getItem(COMPARES_KEY) ?? '[]');

function rememberCompare(compareId) {
  const compares = [compareId, ...knownCompares().filter((id) => id !== compareId)].slice(0, 20);
  localStorage.setItem(COMPARES_KEY, JSON.stringify(compares));
  renderCompares();
}

function renderCompares() {
  const current = selected().compare;
  const compares = knownCompares();
  comparesList.replaceChildren(...(compares.length ? compares.map((id) => h('li', {}, h('a', { href: `#compare=${id}`, 'aria-current': id === current ? 'page' : undefined }, id))) : [h('li', { class: 'hint' }, 'None yet.')]));
}

let stopView = () => undefined;
function route() {
  stopView();
  const { run, compare } = selected();
  lastList = '';
  renderCompares();
  if (run) stopView = mountRun(detail, run);
  else if (compare) stopView = mountCompare(detail, compare);
  else {
    stopView = () => undefined;
    detail.replaceChildren(h('p', { class: 'empty' }, 'Pick a run on the left, or start one.'));
  }
}

document.getElementById('open-compare').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = new FormData(event.currentTarget).get('compareId')?.toString().trim();
  if (id) {
    rememberCompare(id);
    location.hash = `compare=${id}`;
  }
});

mountStartForm((started) => {
  if (started.compareId) rememberCompare(started.compareId);
  location.hash = started.runId ? `run=${started.runId}` : `compare=${started.compareId}`;
});
window.addEventListener('hashchange', route);
route();
void refreshRuns();
