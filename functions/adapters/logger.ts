// Structured logs (JSON on Lambda). Each invocation logs through its own child logger (runId, step,
// Lambda context), so keys never leak into the next invocation, nor into a concurrent one in the
// local stack, where every handler shares one process. Whatever is logged, task tokens, signatures,
// credentials and presigned URL queries are redacted on the way out.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/** Keys whose values are secrets (task tokens, webhook signatures, Authorization, API keys). */
const SECRET_KEY = /token|secret|signature|authorization|password|credential|cookie|api[-_]?key/i;
/** A presigned URL's query carries the signature, the access key id and (on Lambda) the session token. */
const SIGNED_URL = /(https?:\/\/[^\s"'?\\]+)\?[^\s"'\\]*X-Amz-[^\s"'\\]*/gi;
const SIGNED_PARAM = /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"'\\]*/gi;
/** Replicate API tokens and webhook signing secrets, wherever they appear in a string. */
const KNOWN_SECRETS = /\b(?:r8_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9+/=]{8,})/g;

export const REDACTED = '[redacted]';

/** JSON replacer for every log line: applied to each key and value at every depth. */
export function redact(key: string, value: unknown): unknown {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'boolean') return REDACTED;
  if (typeof value !== 'string') return value;
  return value.replace(SIGNED_URL, `$1?${REDACTED}`).replace(SIGNED_PARAM, `$1${REDACTED}`).replace(KNOWN_SECRETS, REDACTED);
}

let coldStart = true;

class LongshotLogger extends Logger {
  // Children must be LongshotLoggers too (see Powertools' createChild docs).
  protected override createLogger(options?: ConstructorOptions): Logger {
    return new LongshotLogger(options);
  }

  // A child per invocation would report every invocation as a cold start: the flag is per process.
  protected override getColdStart(): boolean {
    if (process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'on-demand') return false;
    const first = coldStart;
    coldStart = false;
    return first;
  }
}

const root = new LongshotLogger({ serviceName: 'longshot', jsonReplacerFn: redact });
const invocationLogger = new AsyncLocalStorage<Logger>();

/**
 * The logger to import everywhere: inside an invocation it is that invocation's child (with its
 * keys); outside one (module load, the local CLI) it is the root logger.
 */
export const logger: Logger = new Proxy(root, {
  get(target, property) {
    const active = invocationLogger.getStore() ?? target;
    const value = Reflect.get(active, property, active) as unknown;
    return typeof value === 'function' ? value.bind(active) : value;
  },
});

/** Runs one invocation with a fresh child logger (same level, replacer and persistent keys as the root). */
export function withInvocationLogger<T>(run: (log: Logger) => Promise<T>): Promise<T> {
  const child = root.createChild();
  return invocationLogger.run(child, () => run(child));
}
