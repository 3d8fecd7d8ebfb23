// CPU seconds of every ffmpeg/ffprobe child, per child, for the bench. The handlers and the emulator run
// in one process, so the process's own child totals (cutime/cstime) cannot tell finishing work from
// emulated generation. Instead FFMPEG_PATH/FFPROBE_PATH point at a small sh wrapper that runs the real
// binary, then prints the shell's `times` (user and system CPU of its reaped children, i.e. wait4's
// rusage of that one binary) with the owner (LONGSHOT_TOOL_OWNER: the emulator sets "emulator"),
// the tool and start/end on the /proc/uptime clock, one file per child.
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath, ffprobePath } from '../functions/adapters/binaries';

export interface ToolCpuSample {
  owner: string;
  tool: string;
  /** Wall-clock ms (Date.now() scale) when the child started and ended, to 10 ms. */
  startMs: number;
  endMs: number;
  cpuSeconds: number;
}

export interface ToolCpuMeter {
  samples(): Promise<ToolCpuSample[]>;
  /** Forgets the samples so far (the next samples() is what ran after). */
  clear(): Promise<void>;
  /** Restores FFMPEG_PATH/FFPROBE_PATH. */
  uninstall(): void;
}

const wrapper = (real: string, tool: string, logDir: string) => `#!/bin/sh
read t0 rest < /proc/uptime
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
'${real.replace(/'/g, `'\\''`)}' "$@" &
child=$!
wait "$child"
status=$?
read t1 rest < /proc/uptime
{ printf '%s ${tool} %s %s\\n' "\${LONGSHOT_TOOL_OWNER:-handler}" "$t0" "$t1"; times; } > '${logDir}/'$$
exit $status
`;

/** "0m1.230000s" (dash) or "0m1.230s" (bash) → seconds. */
const clockSeconds = (text: string) => {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`unexpected times output: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** One wrapper log: "owner tool t0 t1", the shell's own times, its children's times. */
export function parseToolCpuLog(text: string, uptimeToEpochMs: (uptime: number) => number): ToolCpuSample {
  const [head, , children] = text.trim().split('\n');
  const [owner, tool, t0, t1] = head.split(' ');
  const [user, system] = children.trim().split(/\s+/).map(clockSeconds);
  return { owner, tool, startMs: uptimeToEpochMs(Number(t0)), endMs: uptimeToEpochMs(Number(t1)), cpuSeconds: user + system };
}

const uptimeSeconds = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

/** Routes every later ffmpeg/ffprobe spawn of this process through the measuring wrapper (Linux only). */
export async function installToolCpuMeter(dir: string): Promise<ToolCpuMeter> {
  const logDir = join(dir, 'log');
  await mkdir(logDir, { recursive: true });
  const previous = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH };
  const paths = { FFMPEG_PATH: join(dir, 'ffmpeg'), FFPROBE_PATH: join(dir, 'ffprobe') };
  await writeFile(paths.FFMPEG_PATH, wrapper(ffmpegPath(), 'ffmpeg', logDir));
  await writeFile(paths.FFPROBE_PATH, wrapper(ffprobePath(), 'ffprobe', logDir));
  await chmod(paths.FFMPEG_PATH, 0o755);
  await chmod(paths.FFPROBE_PATH, 0o755);
  Object.assign(process.env, paths);
  const offsetMs = Date.now() - uptimeSeconds() * 1000;
  return {
    async samples() {
      const names = await readdir(logDir);
      const texts = await Promise.all(names.map((name) => readFile(join(logDir, name), 'utf8')));
      return texts.map((text) => parseToolCpuLog(text, (uptime) => offsetMs + uptime * 1000));
    },
    async clear() {
      await rm(logDir, { recursive: true, force: true });
      await mkdir(logDir, { recursive: true });
    },
    uninstall() {
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
