// SigV4 for the deployed API (IAM-authorised, service execute-api): credentials from the standard AWS
// chain (environment, ~/.aws profiles, SSO, process, web identity, container and instance roles).
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { RemoteError } from './errors';

/** SHA-256 (or its HMAC when given a secret) from node's crypto, in the shape the signer takes. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export const CREDENTIALS_HINT = 'run `aws configure` or `aws sso login`, or set AWS_PROFILE';
export const NO_CREDENTIALS = `no AWS credentials found (environment, ~/.aws profiles, SSO, instance or container role): ${CREDENTIALS_HINT}`;

/** The chain, resolved once per process; no credentials at all is a RemoteError that says what to do. */
export function credentialChain(provider: AwsCredentialIdentityProvider = fromNodeProviderChain()): () => Promise<AwsCredentialIdentity> {
  let resolved: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    resolved ??= provider().catch((error: Error) => {
      resolved = undefined;
      throw new RemoteError(`${NO_CREDENTIALS} (${error.message.split('\n')[0].slice(0, 200)})`);
    });
    return resolved;
  };
}

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** The headers to send: the request's own, plus host, x-amz-date, (x-amz-security-token) and authorization. */
export async function signRequest(
  request: SignableRequest,
  options: { region: string; credentials: () => Promise<AwsCredentialIdentity>; signingDate?: Date },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const { url } = request;
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: options.signingDate },
  );
  return signed.headers;
}
