// Options and values the commands share, with the checks that make a wrong one a usage error.
import { InvalidArgumentError, Option } from 'commander';
import { EMULATOR_DRIFT_MODES, isEmulatorLatency, type EmulatorDrift } from './replicate-emulator';
import { LIMITS } from '../functions/domain/storyboard';

/** A problem with the command line: one line says what to do (exit 2). */
export class UsageError extends Error {}

/** What the commands share: the exit code they set and the Ctrl-C signal. */
export interface Session {
  exitCode: number;
  signal: AbortSignal;
}

export const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number 0–65535');
  return n;
};

export const replicateOption = () =>
  new Option('--replicate <where>', 'emulator (offline) or live (needs REPLICATE_API_TOKEN)').choices(['emulator', 'live']).default('emulator');

export const emulatorDriftOption = () =>
  new Option('--emulator-drift <mode>', 'realistic: emulated clips drift like real chained models (colour creep, static heads, loudness); none: they copy their input')
    .choices([...EMULATOR_DRIFT_MODES])
    .default('realistic');

export const latencySeconds = (value: string) => {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!isEmulatorLatency(n)) throw new InvalidArgumentError('a number of seconds ≥ 0 (e.g. 8 or 0.5)');
  return n;
};

export const emulatorLatencyOption = () =>
  new Option('--emulator-latency <seconds>', 'least time each emulated prediction takes, as Replicate\'s model time (0: as fast as ffmpeg renders)')
    .argParser(latencySeconds)
    .default(0);

export const emulatorFaultOption = () =>
  new Option('--emulator-fault <step:kind>', 'every prediction of a step (anchor, keyframe-N, scene-N) gets a fault: fail, 429, slow, drop-webhook or corrupt; repeatable')
    .argParser((value: string, previous: string[] = []) => [...previous, value]);

export const emulatorOptions = (opts: { fullSize?: boolean; emulatorDrift: EmulatorDrift; emulatorLatency: number }) => ({
  fullSize: Boolean(opts.fullSize),
  drift: opts.emulatorDrift,
  latencySeconds: opts.emulatorLatency,
});

export const dollars = (value: string) => {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!(n > 0 && n <= LIMITS.maxBudgetUsd)) throw new InvalidArgumentError(`a budget in US dollars, more than 0 and at most ${LIMITS.maxBudgetUsd}`);
  return n;
};

export const sceneNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a scene number: 1, 2, 3…');
  return n;
};
