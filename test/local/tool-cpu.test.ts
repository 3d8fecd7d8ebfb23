// The bench's CPU accounting: one sample per ffmpeg/ffprobe child with its own CPU seconds and owner.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { ffmpeg as emulatorFfmpeg } from '../../local/replicate-emulator/run-tool';
import { installToolCpuMeter, parseToolCpuLog, type ToolCpuMeter } from '../../local/tool-cpu';

/** This process's reaped children's CPU (cutime + cstime), in seconds (USER_HZ is 100 on Linux). */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

let dir: string;
let meter: ToolCpuMeter;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tool-cpu-'));
  meter = await installToolCpuMeter(dir);
});
afterAll(async () => {
  meter?.uninstall();
  await rm(dir, { recursive: true, force: true });
});

describe('tool CPU meter', () => {
  it('measures a known x264 encode as the CPU its process accrued, owned by the handlers', async () => {
    const before = await childCpuSeconds();
    const started = Date.now();
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25:d=3', '-c:v', 'libx264', '-preset', 'veryfast', '-f', 'null', '-']);
    const ended = Date.now();
    const accrued = (await childCpuSeconds()) - before;
    const samples = await meter.samples();
    expect(samples).toHaveLength(1);
    const [sample] = samples;
    expect(sample).toMatchObject({ owner: 'handler', tool: 'ffmpeg' });
    expect(sample.cpuSeconds).toBeGreaterThan(0.2);
    // The wrapper shell itself costs a few ms; everything else the process reaped is this ffmpeg.
    expect(sample.cpuSeconds).toBeCloseTo(accrued, 1);
    expect(sample.cpuSeconds).toBeLessThanOrEqual(accrued + 0.01);
    expect(sample.startMs).toBeGreaterThanOrEqual(started - 50);
    expect(sample.endMs).toBeLessThanOrEqual(ended + 50);
  });

  it('tags the emulator’s ffmpeg children as the emulator’s', async () => {
    await emulatorFfmpeg(['-f', 'lavfi', '-i', 'color=c=black:s=64x64:d=0.2', '-f', 'null', '-'], 'probe');
    expect((await meter.samples()).map((s) => s.owner).sort()).toEqual(['emulator', 'handler']);
  });

  it.each([
    ['dash', 'handler ffmpeg 100.25 102.75\n0m0.000000s 0m0.001000s\n1m2.500000s 0m0.250000s\n'],
    ['bash', 'handler ffmpeg 100.25 102.75\n0m0.000s 0m0.001s\n1m2.500s 0m0.250s\n'],
  ])('parses the %s times format into the children’s user + system seconds', (_shell, text) => {
    expect(parseToolCpuLog(text, (uptime) => uptime * 1000)).toEqual({
      owner: 'handler', tool: 'ffmpeg', startMs: 100_250, endMs: 102_750, cpuSeconds: 62.75,
    });
  });
});
