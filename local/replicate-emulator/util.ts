// Small pure helpers shared by the emulator: ids, hashing, durations, text wrapping, ffmpeg escaping.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

// One escaping rule for filter values, the product's (picture recipes) and the emulator's.
export { filterValue } from '../../functions/domain/picture-recipes';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Replicate prediction ids are 26 lowercase base32 characters. */
export function predictionId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}

export function webhookMessageId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/** Deterministic bytes from arbitrary parts: colours, tones and motion all derive from this. */
export function hashBytes(...parts: unknown[]): Buffer {
  return createHash('sha256').update(parts.map((p) => String(p)).join('|')).digest();
}

/** Parses Go-style durations as Replicate's Cancel-After takes them: "15m", "30s", "1m30s", "500ms". */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(trimmed); match; match = re.exec(trimmed)) {
    const value = Number(match[1]);
    const unit = match[2];
    total += unit === 'h' ? value * 3_600_000 : unit === 'm' ? value * 60_000 : unit === 's' ? value * 1000 : value;
    consumed = re.lastIndex;
  }
  if (!trimmed || consumed !== trimmed.length) return undefined;
  return total;
}

/** Greedy word wrap; long words are hard-split so drawtext never overflows the frame. */
export function wrapText(text: string, charsPerLine: number, maxLines: number): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    while (word.length > charsPerLine) {
      if (line) lines.push(line), (line = '');
      lines.push(word.slice(0, charsPerLine));
      word = word.slice(charsPerLine);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= charsPerLine) line += ` ${word}`;
    else lines.push(line), (line = word);
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1].slice(0, Math.max(0, charsPerLine - 1))}…`;
    return kept.join('\n');
  }
  return lines.join('\n');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Fetches the `image` input (http(s) or data: URL); a failure fails the prediction like Replicate. */
export async function download(url: string, path: string, signal: AbortSignal): Promise<void> {
  const shown = url.length > 120 ? `${url.slice(0, 120)}…` : url;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]) });
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`Could not download input image ${shown}: ${cause?.code ?? cause?.message ?? String(error)}`);
  }
  if (!response.ok) throw new Error(`Could not download input image ${shown}: HTTP ${response.status}`);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
}
