// A small JSON Schema checker for the storyboard schema (docs/storyboard.schema.json), so the page
// can show problems before anything is sent. It knows only the keywords that schema uses and
// throws on any other, so it never passes a document it did not really check. Model rules (which
// durations a model accepts, the budget against the estimate) are the server's: its 400 problems
// are shown the same way. Paths are written like the server's: scenes[0].duration.

const ANNOTATIONS = new Set(['$schema', 'default', 'description', 'title', 'examples', '$comment']);
const KEYWORDS = new Set([
  'type', 'properties', 'additionalProperties', 'required', 'enum', 'const', 'anyOf',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'items', 'pattern',
]);

export class UnsupportedSchemaError extends Error {
  name = 'UnsupportedSchemaError';
}

/** `scenes` + 0 → scenes[0]; `` + title → title. */
export const childPath = (path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

const typeOf = (value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function hasType(value, type) {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeOf(value) === type;
}

const show = (value) => JSON.stringify(value);

function checkKeywords(schema) {
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword) && !ANNOTATIONS.has(keyword)) throw new UnsupportedSchemaError(`schema keyword ${keyword} is not supported by this checker`);
  }
}

function checkNumber(schema, value, path, problems) {
  if (schema.minimum !== undefined && value < schema.minimum) problems.push({ path, message: `must be at least ${schema.minimum}` });
  if (schema.maximum !== undefined && value > schema.maximum) problems.push({ path, message: `must be at most ${schema.maximum}` });
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) problems.push({ path, message: `must be more than ${schema.exclusiveMinimum}` });
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) problems.push({ path, message: `must be less than ${schema.exclusiveMaximum}` });
}

function checkString(schema, value, path, problems) {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) problems.push({ path, message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters` });
  if (schema.maxLength !== undefined && length > schema.maxLength) problems.push({ path, message: `must be at most ${schema.maxLength} characters (is ${length})` });
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) problems.push({ path, message: `must match ${schema.pattern}` });
}

function checkArray(schema, value, path, problems) {
  if (schema.minItems !== undefined && value.length < schema.minItems) problems.push({ path, message: `must have at least ${schema.minItems} item(s)` });
  if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push({ path, message: `must have at most ${schema.maxItems} items (has ${value.length})` });
  if (schema.items) value.forEach((item, i) => check(schema.items, item, childPath(path, i), problems));
}

function checkObject(schema, value, path, problems) {
  for (const name of schema.required ?? []) {
    if (!(name in value)) problems.push({ path: childPath(path, name), message: 'required' });
  }
  const properties = schema.properties ?? {};
  for (const [name, item] of Object.entries(value)) {
    if (name in properties) check(properties[name], item, childPath(path, name), problems);
    else if (schema.additionalProperties === false) problems.push({ path: childPath(path, name), message: `not a field here; allowed: ${Object.keys(properties).join(', ')}` });
    else if (schema.additionalProperties) check(schema.additionalProperties, item, childPath(path, name), problems);
  }
}

const describe = (schema) => ('const' in schema ? show(schema.const) : schema.type === 'object' ? 'an object' : schema.type ? `a ${schema.type}` : 'another value');

/** anyOf: fine if one branch passes; else the problems of the branch of the value's own type. */
function checkAnyOf(schema, value, path, problems) {
  const results = schema.anyOf.map((branch) => {
    const found = [];
    check(branch, value, path, found);
    return { branch, found };
  });
  if (results.some((r) => r.found.length === 0)) return;
  const sameType = results.find((r) => r.branch.type && hasType(value, r.branch.type) && !('const' in r.branch));
  if (sameType) problems.push(...sameType.found);
  else problems.push({ path, message: `must be ${schema.anyOf.map(describe).join(' or ')}` });
}

/** Adds {path, message} for each way `value` breaks `schema`. */
export function check(schema, value, path, problems) {
  checkKeywords(schema);
  if (schema.anyOf) checkAnyOf(schema, value, path, problems);
  if (schema.type && !hasType(value, schema.type)) {
    problems.push({ path, message: `must be ${schema.type === 'integer' ? 'a whole number' : `a ${schema.type}`} (is ${typeOf(value)})` });
    return;
  }
  if ('const' in schema && value !== schema.const) problems.push({ path, message: `must be ${show(schema.const)}` });
  if (schema.enum && !schema.enum.includes(value)) problems.push({ path, message: `must be one of ${schema.enum.map(show).join(', ')}` });
  if (typeof value === 'number') checkNumber(schema, value, path, problems);
  if (typeof value === 'string') checkString(schema, value, path, problems);
  if (Array.isArray(value)) checkArray(schema, value, path, problems);
  else if (typeOf(value) === 'object') checkObject(schema, value, path, problems);
}

/** Every problem of `document` against `schema`, as [{path, message}] ('' is the whole document). */
export function validate(schema, document) {
  const problems = [];
  check(schema, document, '', problems);
  return problems;
}

/** The server's problem lines ("scenes[0].duration: 7 s is not accepted …") as {path, message}. */
export function parseServerProblem(line) {
  const match = /^([A-Za-z0-9_$.[\]-]+|\(body\)|\(root\)): (.*)$/s.exec(line);
  if (!match) return { path: '', message: line };
  const path = match[1] === '(body)' || match[1] === '(root)' ? '' : match[1];
  return { path, message: match[2] };
}
