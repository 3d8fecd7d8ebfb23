// The real AWS CLI against the local Step Functions API: the operations people use to look at
// runs answer in AWS's shapes, pagination and filters included. Skipped only when no `aws` exists.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { ASL_PATH } from '../../functions/catalog';
import { finishedAndCanceledRuns } from '../support/listed-runs';

const hasAwsCli = spawnSync('aws', ['--version']).status === 0;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: LocalStack;
let machine: string;
let succeeded: string;
let aborted: string;

/** Runs `aws stepfunctions <args>` against the local endpoint; resolves with its parsed JSON output. */
function aws(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      ['stepfunctions', ...args, '--endpoint-url', stack.sfnEndpoint, '--region', 'us-east-1', '--output', 'json'],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
      (error, stdout, stderr) => (error ? reject(new Error(`aws ${args[0]} failed: ${stderr}`)) : resolve(stdout.trim() ? JSON.parse(stdout) : {})),
    );
  });
}


const arnOf = (name: string) => stack.engine.list().find((e) => e.name === name)!.executionArn;

describe.skipIf(!hasAwsCli)('AWS CLI against longshot’s local Step Functions (skipped when `aws` is not installed: apt-get install awscli)', () => {
  beforeAll(async () => {
    stack = await startLocalStack();
    machine = stack.engine.stateMachineArn;
    ({ finished: succeeded, canceled: aborted } = await finishedAndCanceledRuns(stack, ['CLI listed film', 'CLI stopped film']));
  }, 60_000);
  afterAll(() => stack?.stop());

  it('list-state-machines names the run and compare state machines', async () => {
    const { stateMachines } = await aws(['list-state-machines']);
    expect(stateMachines).toEqual([
      expect.objectContaining({ stateMachineArn: machine, name: 'longshot', type: 'STANDARD' }),
      expect.objectContaining({ stateMachineArn: stack.compareEngine.stateMachineArn, name: 'longshot-compare', type: 'STANDARD' }),
    ]);
  });

  it('describe-state-machine returns the ASL file with local function ARNs substituted', async () => {
    const described = await aws(['describe-state-machine', '--state-machine-arn', machine]);
    expect(described).toMatchObject({ stateMachineArn: machine, status: 'ACTIVE', type: 'STANDARD' });
    const definition = JSON.parse(described.definition);
    expect(definition.StartAt).toBe(JSON.parse(readFileSync(ASL_PATH, 'utf8')).StartAt);
    expect(described.definition).not.toMatch(/\$\{/);
  });

  it('describe-state-machine-for-execution answers for an execution', async () => {
    const described = await aws(['describe-state-machine-for-execution', '--execution-arn', arnOf(succeeded)]);
    expect(described).toMatchObject({ stateMachineArn: machine, name: 'longshot' });
    expect(JSON.parse(described.definition).States).toBeDefined();
  });

  it.each([
    ['SUCCEEDED', () => succeeded, () => aborted],
    ['ABORTED', () => aborted, () => succeeded],
  ])('list-executions --status-filter %s lists only those', async (status, included, excluded) => {
    const { executions } = await aws(['list-executions', '--state-machine-arn', machine, '--status-filter', status]);
    const names = executions.map((e: any) => e.name);
    expect(names).toContain(included());
    expect(names).not.toContain(excluded());
    expect(executions.every((e: any) => e.status === status)).toBe(true);
  });

  it('list-executions pages with --max-results and --next-token, newest first', async () => {
    const all = stack.engine.list().map((e) => e.name).reverse();
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await aws(['list-executions', '--state-machine-arn', machine, '--no-paginate', '--max-results', '1', ...(token ? ['--next-token', token] : [])]);
      expect(page.executions).toHaveLength(1);
      names.push(page.executions[0].name);
      token = page.nextToken;
    } while (token && names.length <= all.length);
    expect(names).toEqual(all);
  });

  it('get-execution-history returns AWS-shaped events from the engine’s history', async () => {
    const { events } = await aws(['get-execution-history', '--execution-arn', arnOf(succeeded)]);
    expect(events[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' });
    expect(events.map((e: any) => e.id)).toEqual(events.map((_: unknown, i: number) => i + 1));
    expect(events).toContainEqual(expect.objectContaining({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Prepare' } }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'MapIterationStarted', mapIterationStartedEventDetails: { name: 'Scenes', index: 0 } }));
  });

  it('get-execution-history of a stopped run ends with ExecutionAborted and its cause', async () => {
    const { events } = await aws(['get-execution-history', '--execution-arn', arnOf(aborted), '--reverse-order', '--no-paginate', '--max-results', '1']);
    expect(events).toEqual([expect.objectContaining({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'RunCanceled', cause: expect.stringMatching(/DELETE/) } })]);
  });

  it('start-execution without --name gets a generated (UUID) name, as on AWS', async () => {
    const { executionArn } = await aws(['start-execution', '--state-machine-arn', machine, '--input', '{}']);
    const { name } = await aws(['describe-execution', '--execution-arn', executionArn]);
    expect(name).toMatch(UUID);
    expect(executionArn).toBe(`${machine.replace(':stateMachine:', ':execution:')}:${name}`);
  });

  it('an unknown execution is ExecutionDoesNotExist', async () => {
    await expect(aws(['describe-state-machine-for-execution', '--execution-arn', `${machine.replace(':stateMachine:', ':execution:')}:nope`])).rejects.toThrow(/ExecutionDoesNotExist/);
  });
});
