// Start a run (or a compare) from pasted or dropped JSON. The page checks it against the published
// schema first (schema-check.js); the server's 400 problems (model rules, budget) are shown the
// same way: each problem next to its field in an outline of the document.
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { childPath, parseServerProblem, validate } from './schema-check.js';
import { firstJsonError, lineAndColumn } from './json-where.js';

let schemaPromise;
const loadSchema = () => (schemaPromise ??= fetch('/storyboard.schema.json').then((r) => r.json()));

/** The document and what it starts, or the JSON syntax problem. */
function read(text) {
  try {
    const document = JSON.parse(text);
    const compare = document && typeof document === 'object' && !Array.isArray(document) && 'variants' in document;
    return { document, compare };
  } catch (error) {
    const position = firstJsonError(text);
    return { syntax: error.message, where: position === null ? null : { position, ...lineAndColumn(text, position) } };
  }
}

/** A storyboard path inside a compare's body ({storyboard, variants}). */
const inStoryboard = (path) => (path ? `storyboard.${path}` : 'storyboard');

async function problemsOf(parsed) {
  const schema = await loadSchema();
  if (!parsed.compare) return validate(schema, parsed.document);
  if (!('storyboard' in parsed.document)) return [{ path: 'storyboard', message: 'required: a compare is {"storyboard": {…}, "variants": ["ltx-2-fast:chain", …]}' }];
  return validate(schema, parsed.document.storyboard).map((p) => ({ ...p, path: inStoryboard(p.path) }));
}

const preview = (value) => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/** The deepest path that exists in `document` for a problem's path (a missing field's parent). */
function existingPath(document, path) {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  let node = document;
  let at = '';
  for (const part of parts) {
    const key = Array.isArray(node) ? Number(part) : part;
    if (node === null || typeof node !== 'object' || !(key in node)) break;
    node = node[key];
    at = childPath(at, key);
  }
  return at;
}

function problemItems(problems) {
  return problems.map((p) => h('p', { class: 'problem' }, p.shownAs ? h('code', {}, `${p.shownAs}: `) : null, p.message));
}

/** The document as a nested list; each problem sits under the field it is about. */
function outline(document, problems) {
  const byPath = new Map();
  for (const problem of problems) {
    const at = existingPath(document, problem.path);
    const rest = problem.path.slice(at.length).replace(/^\./, '');
    if (!byPath.has(at)) byPath.set(at, []);
    byPath.get(at).push({ ...problem, shownAs: rest || null });
  }
  const node = (name, value, path) => {
    const own = byPath.get(path) ?? [];
    const container = value !== null && typeof value === 'object';
    const children = container
      ? h('ul', {}, Object.entries(value).map(([k, v]) => node(Array.isArray(value) ? `[${k}]` : k, v, childPath(path, Array.isArray(value) ? Number(k) : k))))
      : null;
    return h('li', { class: own.length ? 'field has-problem' : 'field', dataset: { path } }, h('code', { class: 'name' }, name), container ? null : h('span', { class: 'value' }, ` ${preview(value)}`), problemItems(own), children);
  };
  return h('ul', { class: 'outline', 'aria-label': 'Storyboard fields and their problems' }, node('storyboard', document, ''));
}

function showSyntax(target, textarea, parsed) {
  const where = parsed.where ? ` (line ${parsed.where.line}, column ${parsed.where.column})` : '';
  const goTo = parsed.where
    ? h('button', { type: 'button', onclick: () => (textarea.focus(), textarea.setSelectionRange(parsed.where.position, parsed.where.position + 1)) }, 'Show where')
    : null;
  target.replaceChildren(h('div', { class: 'problems', role: 'alert', dataset: { path: '' } }, h('p', { class: 'problem' }, `Not valid JSON${where}: ${parsed.syntax}`), goTo));
}

function showProblems(target, document, problems, heading) {
  target.replaceChildren(h('div', { class: 'problems', role: 'alert' }, h('p', {}, heading), outline(document, problems)));
}

/** Checks the textarea; true when the page found no problem (shown in `target`). */
async function checkInto(textarea, target) {
  const parsed = read(textarea.value);
  if (parsed.syntax) {
    showSyntax(target, textarea, parsed);
    return null;
  }
  const problems = await problemsOf(parsed);
  if (problems.length) {
    showProblems(target, parsed.document, problems, `${problems.length} problem(s) found against the storyboard schema; nothing was started.`);
    return null;
  }
  target.replaceChildren(h('p', { class: 'ok' }, `Matches the storyboard schema (the server checks the model's rules when it starts).`));
  return parsed;
}

/** A 400's problems ("scenes[0].duration: …", "ltx-2-pro:chain: scenes[0]…") at their fields. */
function serverProblems(parsed, body) {
  return (body?.problems ?? [body?.message ?? 'refused']).map((line) => {
    const variant = /^([a-z0-9.-]+:[a-z]+): (.*)$/s.exec(line);
    const problem = parseServerProblem(variant ? variant[2] : line);
    const path = parsed.compare && problem.path && !problem.path.startsWith('storyboard') && !problem.path.startsWith('variants') ? inStoryboard(problem.path) : problem.path;
    return { path, message: variant ? `${variant[1]}: ${problem.message}` : problem.message };
  });
}

async function start(textarea, target, onStarted) {
  const parsed = await checkInto(textarea, target);
  if (!parsed) return;
  try {
    const started = await api('POST', parsed.compare ? '/compares' : '/runs', textarea.value);
    target.replaceChildren(h('p', { class: 'ok', role: 'status' }, `Started ${started.runId ?? started.compareId}.`));
    onStarted(parsed.compare ? { compareId: started.compareId } : { runId: started.runId });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const problems = serverProblems(parsed, error.body);
    showProblems(target, parsed.document, problems, `The server refused it (${error.status} ${error.body?.error ?? ''}): ${error.body?.message ?? ''}`);
  }
}

/** Wires the form: paste/type, drop or choose a file, Check, Start. */
export function mountStartForm(onStarted) {
  const textarea = document.getElementById('storyboard-json');
  const target = document.getElementById('start-problems');
  const fileInput = document.getElementById('storyboard-file');
  const loadFile = async (file) => {
    textarea.value = await file.text();
    await checkInto(textarea, target);
  };
  textarea.addEventListener('dragover', (event) => (event.preventDefault(), textarea.classList.add('dropping')));
  textarea.addEventListener('dragleave', () => textarea.classList.remove('dropping'));
  textarea.addEventListener('drop', (event) => {
    event.preventDefault();
    textarea.classList.remove('dropping');
    const file = event.dataTransfer?.files?.[0];
    if (file) void loadFile(file);
  });
  fileInput.addEventListener('change', () => fileInput.files?.[0] && void loadFile(fileInput.files[0]));
  document.getElementById('check-storyboard').addEventListener('click', () => void checkInto(textarea, target));
  const startButton = document.getElementById('start-storyboard');
  startButton.addEventListener('click', async () => {
    startButton.disabled = true;
    try {
      await start(textarea, target, onStarted);
    } finally {
      startButton.disabled = false;
    }
  });
}
