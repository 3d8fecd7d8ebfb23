// The same handler modules the Lambdas run, by catalog name (imported, not re-implemented).
import { handler as prepare } from '../functions/handlers/prepare';
import { handler as anchor } from '../functions/handlers/anchor';
import { handler as clip } from '../functions/handlers/clip';
import { handler as poll } from '../functions/handlers/poll';
import { handler as storeOutput } from '../functions/handlers/store-output';
import { handler as joinFilm } from '../functions/handlers/join-film';
import { handler as finishSegment } from '../functions/handlers/finish-segment';
import { handler as recordFailure } from '../functions/handlers/record-failure';
import { handler as webhook } from '../functions/handlers/webhook';
import { handler as api } from '../functions/handlers/api';
import { handler as startFromUpload } from '../functions/handlers/start-from-upload';
import { handler as notify } from '../functions/handlers/notify';
import { handler as executionEnded } from '../functions/handlers/execution-ended';
import { handler as prepareCompare } from '../functions/handlers/prepare-compare';
import { handler as joinComparison } from '../functions/handlers/join-comparison';
import { handler as recordCompareFailure } from '../functions/handlers/record-compare-failure';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandler = (event: any) => Promise<unknown>;

export const HANDLERS: Record<string, AnyHandler> = {
  prepare,
  anchor,
  clip,
  poll,
  'store-output': storeOutput,
  'finish-segment': finishSegment,
  'join-film': joinFilm,
  'record-failure': recordFailure,
  webhook,
  api,
  'start-from-upload': startFromUpload,
  notify,
  'execution-ended': executionEnded,
  'prepare-compare': prepareCompare,
  'join-comparison': joinComparison,
  'record-compare-failure': recordCompareFailure,
};
