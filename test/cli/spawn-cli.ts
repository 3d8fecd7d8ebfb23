// The real `longshot` command in a child process, with waits on its output and its exit (deadlines,
// never fixed sleeps).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { projectPath } from '../../functions/catalog';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process exited (Date.now()). */
  at: number;
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects after `ms` or on exit. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** Sends `signal` and resolves with the exit and how long it took. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<Exit & { tookMs: number }>;
}

export function startCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0', ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(process.execPath, [projectPath('bin/longshot.mjs'), ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((watch) => watch());
  child.stdout.on('data', (d) => ((stdout += d), notify()));
  child.stderr.on('data', (d) => ((stderr += d), notify()));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  let done = false;
  void exited.then(() => ((done = true), notify()));

  const waitFor = (pattern: RegExp, ms = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${ms} ms; stdout: ${stdout}\nstderr: ${stderr}`)), ms);
      const watch = () => {
        const match = (stdout + stderr).match(pattern);
        if (match) finish(null, match);
        else if (done) finish(new Error(`exited before ${pattern}; stdout: ${stdout}\nstderr: ${stderr}`));
      };
      const finish = (error: Error | null, match?: RegExpMatchArray) => {
        clearTimeout(timer);
        watchers.delete(watch);
        if (error) reject(error);
        else resolve(match!);
      };
      watchers.add(watch);
      watch();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGINT', ms = 10_000) => {
    const sent = Date.now();
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    const exit = await exited;
    clearTimeout(timer);
    return { ...exit, tookMs: exit.at - sent };
  };

  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited, stop };
}

/** Polls `probe` until it returns a value (not undefined) or `ms` passes. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
