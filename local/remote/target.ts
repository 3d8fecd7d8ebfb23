// Where the commands send their API calls: --api <url>, or the ApiUrl output of the CloudFormation
// stack named by --stack (and, from the same outputs, the state machines for console links).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { isLoopbackHost } from '../loopback-only';
import { RemoteError } from './errors';

export interface RemoteTarget {
  /** Ends with '/': paths such as `runs/<id>` are resolved against it. */
  apiUrl: URL;
  /** The signing region. */
  region: string;
  /**
   * A loopback API (`longshot dev`, a test server) is signed when the credential chain has
   * credentials and called unsigned when it has none; any other API needs them.
   */
  loopback: boolean;
  stateMachineArn?: string;
  compareStateMachineArn?: string;
  /** How to name this target again on the command line (for hints). */
  flag: string;
}

export interface TargetOptions {
  stack?: string;
  api?: string;
  region?: string;
}

/** `longshot dev`'s default API: status and cancel go there when neither --stack nor --api is given. */
export const LOCAL_DEV_API = 'http://127.0.0.1:8787/';

export const isRemote = (opts: TargetOptions) => Boolean(opts.stack || opts.api);

/** abc123.execute-api.eu-west-1.amazonaws.com → eu-west-1. */
const regionOfApiHost = (hostname: string) => /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(hostname)?.[1];

function parseApiUrl(value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password) {
    throw new RemoteError(`--api ${JSON.stringify(value.slice(0, 200))}: give the API's URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/v1/ (the stack's ApiUrl output)`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function signingRegion(url: URL, explicit?: string): string {
  const fromEnvironment = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (isLoopbackHost(url.hostname)) return explicit ?? fromEnvironment ?? 'us-east-1';
  if (url.protocol !== 'https:') throw new RemoteError(`--api ${url.href}: signed requests go over https only (http is for longshot dev on 127.0.0.1)`);
  const region = explicit ?? regionOfApiHost(url.hostname) ?? fromEnvironment;
  if (!region) throw new RemoteError(`cannot tell the AWS region of ${url.host}: pass --region (e.g. us-east-1)`);
  return region;
}

export function apiTarget(api: string, region?: string): RemoteTarget {
  const apiUrl = parseApiUrl(api);
  return { apiUrl, region: signingRegion(apiUrl, region), loopback: isLoopbackHost(apiUrl.hostname), flag: `--api ${apiUrl.href}` };
}

type StackOutputs = Record<string, string>;

async function describeStackOutputs(client: CloudFormationClient, stack: string): Promise<StackOutputs> {
  let region = '(no region)';
  try {
    region = await client.config.region();
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const { name, message } = error as Error;
    if (/region is missing/i.test(message)) throw new RemoteError('no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)');
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      throw new RemoteError(`stack ${JSON.stringify(stack)} does not exist in ${region}: check the name (npx cdk deploy prints it; the default is Longshot) or pass --region`);
    }
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
      throw new RemoteError('no AWS credentials found to read the stack: run `aws configure` or `aws sso login`, or set AWS_PROFILE');
    }
    if (name === 'AccessDenied' || name === 'AccessDeniedException' || /not authorized/i.test(message)) {
      throw new RemoteError(`not allowed to read stack ${JSON.stringify(stack)} (cloudformation:DescribeStacks): use credentials that may, or pass --api <ApiUrl>`);
    }
    throw new RemoteError(`cannot read stack ${JSON.stringify(stack)} in ${region}: ${name}: ${message.split('\n')[0]}`);
  }
}

/** --stack: the API URL and state machines from the stack's outputs; the region is the client's. */
export async function stackTarget(stack: string, region?: string, client = new CloudFormationClient({ ...(region && { region }) })): Promise<RemoteTarget> {
  const outputs = await describeStackOutputs(client, stack);
  if (!outputs.ApiUrl) throw new RemoteError(`stack ${JSON.stringify(stack)} has no ApiUrl output: is it a longshot stack (npx cdk deploy)?`);
  const apiUrl = parseApiUrl(outputs.ApiUrl);
  return {
    apiUrl,
    region: signingRegion(apiUrl, region ?? (await client.config.region())),
    loopback: isLoopbackHost(apiUrl.hostname),
    stateMachineArn: outputs.StateMachineArn || undefined,
    compareStateMachineArn: outputs.CompareStateMachineArn || undefined,
    flag: `--stack ${stack}`,
  };
}

/** --stack or --api (both is a usage error); neither means the local `longshot dev` API. */
export async function resolveTarget(opts: TargetOptions, client?: CloudFormationClient): Promise<RemoteTarget> {
  if (opts.stack && opts.api) throw new RemoteError('give --stack <name> or --api <url>, not both');
  if (opts.stack) return stackTarget(opts.stack, opts.region, client);
  return apiTarget(opts.api ?? LOCAL_DEV_API, opts.region);
}
