// One run: actions, the step timeline, seed frames, clips, the film, continuity and cost. Polled
// while it runs; media sections are rebuilt only when what they show changes (a playing video
// keeps playing, a focused button keeps focus).
import { api, ApiError, follow } from './api.js';
import { h, keyed, number, time, usd } from './dom.js';
import { timeline } from './timeline.js';

const POLL_MS = 1000;

function section(id, title) {
  const body = h('div', { class: 'section-body' });
  return { element: h('section', { id: `${id}-section`, 'aria-labelledby': `${id}-heading` }, h('h3', { id: `${id}-heading` }, title), body), body };
}

/** Anchor, keyframes and each scene's last frame (the seed the next scene starts from). */
function seedFrames(report) {
  const frames = [];
  const urls = report.stepUrls ?? {};
  const steps = report.manifest?.steps ?? [];
  for (const { step } of steps) {
    const u = urls[step] ?? {};
    if (step === 'anchor' && u.output) frames.push({ key: step, label: 'anchor', src: u.output });
    if (step.startsWith('keyframe-') && u.output) frames.push({ key: step, label: step, src: u.output });
    if (step.startsWith('scene-') && u.seed) frames.push({ key: `${step}-seed`, label: `${step} last frame`, src: u.seed });
  }
  return frames;
}

function figures(film) {
  const rows = [];
  for (const [name, value] of Object.entries(film.continuity ?? {})) {
    if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) rows.push([`${name}.${k}`, v]);
    else rows.push([name, value]);
  }
  return h('table', { class: 'figures' }, h('caption', {}, 'Continuity figures (docs/continuity.md)'), h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'number' ? number(v, 3) : String(v))))));
}

function costView(manifest) {
  const cost = manifest?.cost;
  if (!cost) return h('p', { class: 'hint' }, 'No cost yet.');
  const scale = Math.max(cost.estimateUsd ?? 0, cost.budgetUsd ?? 0, cost.usd + cost.runningUsd, 0.001);
  const bar = (value, cls, label) => {
    const element = h('div', { class: `bar ${cls}`, title: `${label}: ${usd(value)}` });
    element.style.width = `${Math.min(100, (100 * value) / scale).toFixed(1)}%`; // CSSOM: allowed by the page's CSP, unlike style=""
    return element;
  };
  return [
    h('dl', { class: 'cost' },
      h('dt', {}, 'spent'), h('dd', { dataset: { cost: 'usd' } }, usd(cost.usd)),
      h('dt', {}, 'running (held at list price)'), h('dd', {}, usd(cost.runningUsd)),
      h('dt', {}, 'estimate'), h('dd', {}, usd(cost.estimateUsd)),
      h('dt', {}, 'budget'), h('dd', {}, cost.budgetUsd === null ? 'none' : usd(cost.budgetUsd)),
      h('dt', {}, 'steps reused'), h('dd', {}, String(cost.reusedSteps))),
    h('div', { class: 'bars', 'aria-hidden': 'true' }, bar(cost.estimateUsd ?? 0, 'estimate', 'estimate'), bar(cost.usd + cost.runningUsd, 'actual', 'spent and running')),
    h('table', { class: 'predictions' },
      h('caption', {}, 'Predictions'),
      h('thead', {}, h('tr', {}, ['step', 'attempt', 'prediction', 'status', 'held', 'cost'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, (manifest.predictions ?? []).map((p) => h('tr', {}, h('td', {}, p.step), h('td', {}, String(p.attempt)), h('td', {}, p.predictionId ?? '—'), h('td', {}, p.status ?? 'running'), h('td', {}, usd(p.reservedUsd)), h('td', {}, usd(p.usd)))))),
  ];
}

function actions(runId, onChange, say) {
  const act = (label, run) => h('button', { type: 'button', onclick: async (event) => {
    event.currentTarget.disabled = true;
    try {
      say(await run());
      onChange();
    } catch (error) {
      say(error instanceof ApiError ? `${error.status}: ${error.body?.message ?? error.body?.error} ${(error.body?.problems ?? []).join('; ')}` : String(error));
      onChange();
    }
  } }, label);
  const cancel = act('Cancel run', async () => `canceled: ${(await api('DELETE', `/runs/${runId}`)).status}`);
  const resume = act('Resume', async () => {
    const started = await api('POST', `/runs/${runId}/resume`, {});
    location.hash = `run=${started.runId}`;
    return `resumed as ${started.runId}`;
  });
  const scene = h('input', { id: 'regenerate-scene', type: 'number', min: 1, value: 1, inputmode: 'numeric' });
  const prompt = h('input', { id: 'regenerate-prompt', type: 'text', placeholder: 'keep the prompt' });
  const regenerate = act('Regenerate scene', async () => {
    const body = { scene: Number(scene.value), ...(prompt.value.trim() && { prompt: prompt.value.trim() }) };
    const started = await api('POST', `/runs/${runId}/regenerate`, body);
    location.hash = `run=${started.runId}`;
    return `regenerating as ${started.runId}`;
  });
  const element = h('div', { class: 'actions' }, cancel, resume,
    h('span', { class: 'regenerate' }, h('label', { for: 'regenerate-scene' }, 'scene'), scene, h('label', { for: 'regenerate-prompt' }, 'new prompt'), prompt, regenerate));
  const update = (status) => {
    cancel.disabled = status !== 'running';
    resume.disabled = status === 'running' || status === 'succeeded';
    regenerate.disabled = status === 'running';
  };
  return { element, update, scene };
}

/** Shows run `runId` in `container` until the returned stop() is called. */
export function mountRun(container, runId) {
  const message = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const heading = h('h2', { id: 'run-title' }, runId);
  const status = h('p', { class: 'run-status' });
  const sections = Object.fromEntries(
    [['steps', 'Steps'], ['film', 'Film'], ['seeds', 'Seed frames'], ['clips', 'Clips'], ['continuity', 'Continuity'], ['cost', 'Estimated and actual cost']].map(([id, title]) => [id, section(id, title)]),
  );
  let following;
  const refresh = () => following.refresh();
  const controls = actions(runId, refresh, (text) => (message.textContent = text));
  container.replaceChildren(h('article', { class: 'run', 'aria-labelledby': 'run-title', dataset: { runId } }, heading, status, controls.element, message, ...Object.values(sections).map((s) => s.element)));

  function render(report) {
    const manifest = report.manifest;
    heading.textContent = manifest?.title ?? runId;
    status.replaceChildren(h('span', { class: `badge status-${report.status}`, dataset: { runStatus: report.status } }, report.status), ` ${runId} · started ${time(report.execution?.startDate ?? manifest?.createdAt)}`, manifest ? ` · ${manifest.scenesDone}/${manifest.scenesTotal} scenes` : '', manifest?.origin ? ` · ${manifest.origin.kind} of ${manifest.origin.parentRunId}` : '', report.error ? ` · ${report.error.error}: ${report.error.cause}` : '');
    controls.update(report.status);
    if (manifest?.scenesTotal) controls.scene.max = manifest.scenesTotal;
    sections.steps.body.replaceChildren(timeline(report));
    sections.cost.body.replaceChildren(...[costView(manifest)].flat());
    const frames = seedFrames(report);
    keyed(sections.seeds.body, frames.map((f) => f.key).join(','), () => (frames.length ? h('ol', { class: 'strip' }, frames.map((f) => h('li', {}, h('figure', {}, h('img', { src: f.src, alt: f.label, loading: 'lazy' }), h('figcaption', {}, f.label))))) : h('p', { class: 'hint' }, 'No frames yet.')));
    const clips = (manifest?.steps ?? []).filter((s) => s.step.startsWith('scene-') && report.stepUrls?.[s.step]?.output);
    keyed(sections.clips.body, clips.map((c) => c.step).join(','), () => (clips.length ? h('ol', { class: 'strip clips' }, clips.map((c) => h('li', {}, h('figure', {}, h('video', { src: report.stepUrls[c.step].output, controls: true, preload: 'metadata', 'aria-label': `${c.step} clip` }), h('figcaption', {}, c.step))))) : h('p', { class: 'hint' }, 'No clips yet.')));
    keyed(sections.film.body, report.urls.film ? 'film' : 'none', () => (report.urls.film ? [h('video', { id: 'film', src: report.urls.film, controls: true, preload: 'auto', 'aria-label': 'The film' }), report.urls.contactSheet ? h('p', {}, h('a', { href: report.urls.contactSheet, target: '_blank', rel: 'noopener' }, 'Contact sheet')) : null] : h('p', { class: 'hint' }, report.status === 'running' ? 'The film appears when the scenes are joined.' : 'No film.')));
    keyed(sections.continuity.body, manifest?.film ? 'film' : 'none', () => (manifest?.film ? [figures(manifest.film), report.urls.driftChart ? h('img', { class: 'drift', src: report.urls.driftChart, alt: 'Drift chart: each scene’s colour distance from the anchor' }) : null] : h('p', { class: 'hint' }, 'Measured when the film is joined.')));
  }

  following = follow(
    () => api('GET', `/runs/${runId}`),
    render,
    (error) => (message.textContent = error instanceof ApiError && error.status === 404 ? `No run ${runId}.` : `Could not load the run: ${error.message}`),
    POLL_MS,
  );
  return following.stop;
}
