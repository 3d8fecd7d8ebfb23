// ffmpeg/ffprobe runner for the emulator. Unlike the shared runTool, an abort SIGKILLs the child and
// settles only once it has exited, so cancel()/stop() never leave a renderer writing into workDir.
import { spawn } from 'node:child_process';
import { ffmpegPath, ffprobePath } from '../../functions/adapters/binaries';

function run(bin: string, args: string[], label: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    // The owner tag lets the bench tell emulated generation from finishing work (local/tool-cpu.ts).
    const env = { ...process.env, LONGSHOT_TOOL_OWNER: 'emulator' };
    // Lowest CPU priority: the emulator stands in for Replicate's GPUs, which take no CPU from the
    // handlers; at normal priority its renders would slow the finishing that overlaps them.
    const [command, argv] = process.platform === 'win32' ? [bin, args] : ['nice', ['-n', '19', bin, ...args]];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(-4000)));
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new Error(`${label} could not run: ${error.message}`));
    });
    child.on('close', (code, killed) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const tail = err.trim().split('\n').slice(-6).join('\n');
      reject(new Error(`${label} exited with ${killed ?? code}: ${tail}`));
    });
  });
}

export const ffmpeg = (args: string[], label: string, signal?: AbortSignal) =>
  run(ffmpegPath(), ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args], label, signal);

export const ffprobe = (args: string[], signal?: AbortSignal) =>
  run(ffprobePath(), ['-hide_banner', ...args], 'ffprobe', signal);
