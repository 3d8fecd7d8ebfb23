// --stack resolves the API URL, region and state machines from the stack's outputs (CloudFormation mocked).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { apiTarget, resolveTarget } from '../../local/remote/target';
import { consoleUrl } from '../../local/remote/follow';

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/';
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:LongshotRuns';
const outputs = (list: Record<string, string>) => ({ Stacks: [{ StackName: 'Longshot', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: Object.entries(list).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
const client = () => new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'TESTKEYID', secretAccessKey: 'test-secret-not-real' } });

describe('--stack', () => {
  it('takes the API URL, region and state machines from the stack outputs', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Longshot' }).resolves(outputs({ ApiUrl: API_URL, StateMachineArn: MACHINE, CompareStateMachineArn: `${MACHINE}Compare` }));
    const target = await resolveTarget({ stack: 'Longshot' }, client());
    expect(target).toMatchObject({ region: 'eu-west-1', loopback: false, stateMachineArn: MACHINE, compareStateMachineArn: `${MACHINE}Compare`, flag: '--stack Longshot' });
    expect(target.apiUrl.href).toBe(API_URL);
  });

  it('an unknown stack says so, naming the region', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(resolveTarget({ stack: 'Nope' }, client())).rejects.toThrow(
      'stack "Nope" does not exist in eu-west-1: check the name (npx cdk deploy prints it; the default is Longshot) or pass --region',
    );
  });

  it('a stack without ApiUrl is not a longshot stack', async () => {
    cfn.on(DescribeStacksCommand).resolves(outputs({ BucketName: 'b' }));
    await expect(resolveTarget({ stack: 'Other' }, client())).rejects.toThrow('stack "Other" has no ApiUrl output');
  });

  it('--stack and --api together is a usage error', async () => {
    await expect(resolveTarget({ stack: 'Longshot', api: API_URL })).rejects.toThrow('give --stack <name> or --api <url>, not both');
  });
});

describe('--api', () => {
  it.each([
    [API_URL.slice(0, -1), API_URL],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787/'],
  ])('%s is called as %s', (given, href) => {
    expect(apiTarget(given).apiUrl.href).toBe(href);
  });

  it("signs for the region in an execute-api host name", () => {
    expect(apiTarget(API_URL).region).toBe('eu-west-1');
  });

  it('refuses plain http to anything but this machine (signatures go over https)', () => {
    expect(() => apiTarget('http://api.example.com/v1/', 'us-east-1')).toThrow('signed requests go over https only');
  });
});

describe('console URL', () => {
  it("derives the execution's page from the state machine and the run id", () => {
    expect(consoleUrl(undefined, MACHINE, 'run-1')).toBe(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:LongshotRuns:run-1',
    );
  });

  it('has none for a longshot dev execution', () => {
    expect(consoleUrl('arn:aws:states:us-east-1:000000000000:execution:LongshotRuns:run-1')).toBeNull();
  });
});
