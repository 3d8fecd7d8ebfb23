// Memory, timeout and /tmp of each Lambda, as plain numbers: the stack deploys them and `npm run bench`
// prices a film with them (docs/bench.md justifies each figure from measured times and file sizes).
// ffmpeg's speed scales with memory: Lambda gives one vCPU per 1,769 MB.

export interface FunctionSizing {
  memoryMb: number;
  timeoutSeconds: number;
  /** /tmp; 512 MB is free. */
  ephemeralMb: number;
}

/** What a function gets unless it is listed below. */
const DEFAULT_SIZING: FunctionSizing = { memoryMb: 512, timeoutSeconds: 30, ephemeralMb: 512 };

// The ASL gives each Task at least its function's timeout plus a margin (test/cdk/timeouts.test.ts).
export const FUNCTION_SIZING: Record<string, Partial<FunctionSizing>> = {
  prepare: { timeoutSeconds: 60 },
  'store-output': { memoryMb: 4096, timeoutSeconds: 300, ephemeralMb: 2048 },
  'finish-segment': { memoryMb: 4096, timeoutSeconds: 300, ephemeralMb: 2048 },
  'join-film': { memoryMb: 4096, timeoutSeconds: 900, ephemeralMb: 2048 },
  // 4 attempts of at most 10 s each, with 2 s + 8 s + 32 s of backoff between them.
  notify: { timeoutSeconds: 120 },
  'record-failure': { timeoutSeconds: 120 },
  // Downloads the variants' films and draws one 640×360-per-tile film of the longest's length.
  'join-comparison': { memoryMb: 4096, timeoutSeconds: 900, ephemeralMb: 2048 },
};

export const sizingOf = (name: string): FunctionSizing => ({ ...DEFAULT_SIZING, ...FUNCTION_SIZING[name] });

