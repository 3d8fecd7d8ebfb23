// h('p', {class: 'x', onclick: fn}, 'text', child): elements from data without innerHTML, so
// titles and prompts from storyboards are always text.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export const usd = (value) => (value === null || value === undefined ? '—' : `$${Number(value).toFixed(value < 1 ? 3 : 2)}`);

export const number = (value, digits = 2) => (value === null || value === undefined ? '—' : Number(value).toFixed(digits));

export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '—');

/** Rebuilds `container`'s content only when `key` changed: a playing video or a focused button stays. */
export function keyed(container, key, build) {
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  container.replaceChildren(...[build()].flat().filter(Boolean));
}
