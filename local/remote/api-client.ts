// The longshot API as the CLI calls it: SigV4-signed for a deployed stack, plain for `longshot dev`.
// 403 (and network failures) become one line that says what to do; everything else is the caller's.
import { randomUUID } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { RemoteError } from './errors';
import { CREDENTIALS_HINT, credentialChain, signRequest } from './sigv4';
import type { RemoteTarget } from './target';

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface RawResponse {
  status: number;
  contentType: string | null;
  text: string;
  /** Whether the request went out signed (a loopback API is also called without credentials). */
  signed: boolean;
}

export interface ApiClientOptions {
  /** The credential chain (tests pass their own). */
  credentials?: () => Promise<AwsCredentialIdentity>;
}

/** A loopback API without credentials is called unsigned: do not wait long for an instance role there. */
const LOOPBACK_CHAIN = { timeout: 250, maxRetries: 0 };

function parseBody(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { message: text.slice(0, 500) };
  }
}

export class ApiClient {
  private readonly credentials: () => Promise<AwsCredentialIdentity>;

  constructor(
    readonly target: RemoteTarget,
    options: ApiClientOptions = {},
  ) {
    this.credentials = options.credentials ?? credentialChain(fromNodeProviderChain(target.loopback ? LOOPBACK_CHAIN : {}));
  }

  url(path: string): URL {
    return new URL(path.replace(/^\/+/, ''), this.target.apiUrl);
  }

  /** The headers to send: signed when there are credentials; a loopback API also takes none. */
  async headersFor(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<{ headers: Record<string, string>; signed: boolean }> {
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await this.credentials();
    } catch (error) {
      if (this.target.loopback) return { headers, signed: false };
      throw error;
    }
    const signed = await signRequest({ method, url, headers, body }, { region: this.target.region, credentials: async () => credentials });
    // fetch sets Host itself, from the same URL the signature covers.
    const { host: _host, ...rest } = signed;
    return { headers: rest, signed: true };
  }

  /** Sends one request as it is (signed when there are credentials); only an unreachable API throws. */
  async send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const url = this.url(path);
    const prepared = await this.headersFor(method, url, headers, body);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: prepared.headers, body });
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const hint = this.target.loopback ? '; is `longshot dev` running there?' : '; check the URL and your network';
      throw new RemoteError(`cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}${hint}`);
    }
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text(), signed: prepared.signed };
  }

  /** A JSON call; 401/403 become a RemoteError that says what to do. */
  async call(method: string, path: string, payload?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse> {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const headers = { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...extraHeaders };
    const raw = await this.send(method, path, body, headers);
    const result = { status: raw.status, body: parseBody(raw.text) };
    if (result.status === 403 || result.status === 401) throw this.refusal(method, this.url(path), result, raw.signed);
    return result;
  }

  private refusal(method: string, url: URL, { status, body }: ApiResponse, signed: boolean): RemoteError {
    const said = String(body.message ?? body.Message ?? body.error ?? '').split('\n')[0].slice(0, 200);
    const hint = signed
      ? `use AWS credentials allowed execute-api:Invoke on this API, for region ${this.target.region} (check them with \`aws sts get-caller-identity\`)`
      : `it takes SigV4-signed requests and no AWS credentials were found: ${CREDENTIALS_HINT}`;
    return new RemoteError(`the API refused ${method} ${url.pathname} (${status}${said ? `: ${said}` : ''}): ${hint}`);
  }

  /** POSTs that start runs carry an Idempotency-Key: a repeated request starts nothing new. */
  post(path: string, payload: unknown): Promise<ApiResponse> {
    return this.call('POST', path, payload, { 'idempotency-key': randomUUID() });
  }
}

/** An answer the command did not expect: say what came back, in one line. */
export function unexpected(what: string, { status, body }: ApiResponse): RemoteError {
  return new RemoteError(`${what} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
}
