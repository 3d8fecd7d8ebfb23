// ffmpeg/ffprobe locations and one way to run them. FFMPEG_PATH/FFPROBE_PATH win because esbuild
// bundles break the installer packages' own path lookup (the Lambda bundle copies the binaries).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { MediaToolError } from '../domain/errors';

const require = createRequire(import.meta.url);

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs a binary to completion; a non-zero exit throws MediaToolError with the stderr tail. */
export function runTool(
  bin: string,
  args: string[],
  options: { signal?: AbortSignal; label?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      // Keep memory bounded on chatty runs: only the tail matters for diagnostics.
      if (err.length > 400) err.splice(0, err.length - 200);
    });
    child.on('error', (error) =>
      reject(new MediaToolError(`${options.label ?? bin} could not run: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const tail = stderr.trim().split('\n').slice(-8).join('\n');
      reject(
        new MediaToolError(
          `${options.label ?? 'ffmpeg'} exited with ${signal ?? code}: ${tail || '(no output)'}`,
        ),
      );
    });
  });
}

export const runFfmpeg = (args: string[], options?: { signal?: AbortSignal; label?: string }) =>
  runTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-y', ...args], { label: 'ffmpeg', ...options });

export const runFfprobe = (args: string[], options?: { signal?: AbortSignal }) =>
  runTool(ffprobePath(), ['-hide_banner', ...args], { label: 'ffprobe', ...options });

/** A TTF that ships with the npm install (Lambda and fresh machines have no system fonts). */
export function defaultFontFile(): string {
  return process.env.LONGSHOT_FONT_FILE || require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
}
