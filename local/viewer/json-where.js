// Where JSON text first breaks. Browsers' JSON.parse messages differ (recent Chromium names no
// position), so the page finds the offset itself: a strict JSON reader that only tracks positions.

/** The offset of the first character that makes `text` invalid JSON, or null when it is valid. */
export function firstJsonError(text) {
  let i = 0;
  const fail = () => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') (/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)) ? (i += 4) : fail());
        else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const numberAt = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail();
    i += match[0].length;
  };
  const list = (close, item) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === ',') (i++, space());
      else if (text[i] === close) return void i++;
      else fail();
    }
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === '{') list('}', () => (text[i] === '"' ? string() : fail(), space(), text[i] === ':' ? i++ : fail(), value()));
    else if (c === '[') list(']', value);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else numberAt();
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (position) {
    if (typeof position !== 'number') throw position;
    return Math.min(position, text.length);
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
