// A run's steps laid out like the state machine (statemachine/longshot.asl.json): Prepare, the
// anchor, the Keyframes map (strategy keyframes), the Scenes map (one iteration per scene: clip,
// store, segment), JoinFilm, and the failure path when the run ended without a film.
import { h, time } from './dom.js';

const STATUS_LABEL = { waiting: 'generating', stored: 'stored', failed: 'failed', canceled: 'canceled', pending: 'not started', skipped: 'skipped', running: 'running' };

function node(name, state, status, details = []) {
  return h(
    'li',
    { class: `step status-${status}`, dataset: { step: name, status } },
    h('span', { class: 'step-name' }, name),
    h('span', { class: 'step-state' }, state),
    h('span', { class: 'step-status' }, STATUS_LABEL[status] ?? status),
    details.filter(Boolean).map((d) => h('span', { class: 'step-detail' }, d)),
  );
}

function stepNode(manifest, step, state) {
  const record = manifest.steps.find((s) => s.step === step);
  if (!record) {
    const ended = manifest.status !== 'running';
    return node(step, state, ended ? 'skipped' : 'pending');
  }
  const details = [
    record.attempts > 1 ? `${record.attempts} attempts` : record.attempts === 1 ? '1 attempt' : null,
    record.reused ? 'reused (no cost)' : null,
    record.predictTimeSec ? `${record.predictTimeSec.toFixed(1)} s on the model` : null,
    record.storedAt ? `stored ${time(record.storedAt)}` : null,
    record.corrections?.frozenHeadFrames ? `${record.corrections.frozenHeadFrames} frozen head frames trimmed` : null,
    record.corrections?.gainDb ? `gain ${record.corrections.gainDb.toFixed(1)} dB` : null,
    record.error ? `${record.error.error}: ${record.error.cause}` : null,
  ];
  return node(step, state, record.status, details);
}

function joinNode(manifest) {
  if (manifest.film) return node('join-film', 'JoinFilm', 'stored', [`${manifest.film.durationSec.toFixed(1)} s, ${manifest.film.width}×${manifest.film.height}`]);
  if (manifest.failure?.state === 'JoinFilm') return node('join-film', 'JoinFilm', 'failed', [`${manifest.failure.error}: ${manifest.failure.cause}`]);
  if (manifest.currentStep === 'join-film') return node('join-film', 'JoinFilm', 'running');
  return node('join-film', 'JoinFilm', manifest.status === 'running' ? 'pending' : 'skipped');
}

function group(label, note, items) {
  return h('li', { class: 'map' }, h('span', { class: 'map-label' }, label, note ? h('span', { class: 'hint' }, ` ${note}`) : null), h('ol', { class: 'map-items' }, items));
}

const range = (count) => Array.from({ length: count }, (_, i) => i + 1);

/** The ordered list of steps; `manifest` is GET /runs/{id}'s manifest (null before Prepare wrote it). */
export function timeline(report) {
  const manifest = report.manifest;
  if (!manifest) return h('p', { class: 'hint' }, 'Preparing: no manifest yet.');
  const prepared = manifest.scenesTotal > 0;
  const items = [node('prepare', 'Prepare', prepared ? 'stored' : manifest.status === 'running' ? 'running' : 'failed', [prepared ? `${manifest.strategy}, ${manifest.model}` : null])];
  items.push(stepNode(manifest, 'anchor', 'Anchor → StoreAnchor'));
  if (manifest.strategy === 'keyframes') {
    items.push(group('Keyframes', 'map, in parallel', range(manifest.scenesTotal).map((n) => stepNode(manifest, `keyframe-${n}`, 'Keyframe → StoreKeyframe'))));
  }
  const order = manifest.strategy === 'chain' ? 'map, in order: each scene starts from the last frame of the one before' : 'map, in parallel';
  items.push(group('Scenes', order, range(manifest.scenesTotal).map((n) => stepNode(manifest, `scene-${n}`, 'Clip → StoreClip → segment'))));
  items.push(joinNode(manifest));
  if (manifest.failure) items.push(node('record-failure', 'RecordFailure', manifest.status === 'canceled' ? 'canceled' : 'failed', [`${manifest.failure.state}: ${manifest.failure.error}`, manifest.failure.cause]));
  return h('ol', { class: 'timeline', 'aria-label': 'Steps, in state machine order' }, items);
}
