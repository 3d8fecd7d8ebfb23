// What each function may do, read from the synthesized template and held against what its code
// touches (written out here by hand, so a widened grant fails a test someone has to change).
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketResource, synthesize, type SynthesizedStack } from './template';

let stack: SynthesizedStack;
beforeAll(() => {
  stack = synthesize();
});

const MANIFEST_REFRESH = { get: ['runs/*/plan.json', 'runs/*/steps/*', 'runs/*/ending.json', 'runs/*/manifest.json', 'runs/*/spend.json'], put: ['runs/*/manifest.json'] };
const SPEND = 'runs/*/spend.json';
const REUSABLE = 'reusable/*';
const ENDING = 'runs/*/ending.json';
const STEP_UPDATE = { get: [...MANIFEST_REFRESH.get], put: ['runs/*/steps/*', ...MANIFEST_REFRESH.put] };
const CALLBACKS = 'runs/*/callbacks/*';
const COMPARE_REQUEST = 'compares/*/request.json';
const COMPARE_ENDING = 'compares/*/ending.json';
const COMPARE_RESULTS = ['compares/*/side-by-side.mp4', 'compares/*/comparison.*'];
const COMPARE_NOTIFY = 'compares/*/notify.json';
const COMPARE_NOTIFICATIONS = 'compares/*/notifications/*';

/** Object keys per function and action: GetObject, PutObject (with PutObjectTagging), AbortMultipartUpload. */
const EXPECTED: Record<string, { get: string[]; put: string[]; abort?: string[]; delete?: string[] }> = {
  Prepare: { get: ['inbox/*', ...MANIFEST_REFRESH.get], put: ['runs/*/storyboard.json', 'runs/*/plan.json', SPEND, ...MANIFEST_REFRESH.put] },
  // Seeds: a keyframe (strategy keyframes) is made from the stored anchor, seed 0.
  Anchor: { get: [CALLBACKS, 'runs/*/seeds/*', REUSABLE, ...STEP_UPDATE.get], put: [CALLBACKS, SPEND, ...STEP_UPDATE.put] },
  Clip: { get: [CALLBACKS, 'runs/*/seeds/*', 'runs/*/keyframes/*', REUSABLE, ...STEP_UPDATE.get], put: [CALLBACKS, SPEND, ...STEP_UPDATE.put] },
  Poll: { get: [CALLBACKS, SPEND], put: [CALLBACKS, SPEND] },
  StoreOutput: {
    get: ['inbox/*', 'images/*', REUSABLE, ...STEP_UPDATE.get],
    put: ['runs/*/anchor.png', 'runs/*/seeds/*', 'runs/*/keyframes/*', 'runs/*/scenes/*', REUSABLE, ...STEP_UPDATE.put],
    abort: ['runs/*/anchor.png', 'runs/*/seeds/*', 'runs/*/keyframes/*', 'runs/*/scenes/*', REUSABLE],
    // A reused output that does not decode is forgotten.
    delete: [REUSABLE],
  },
  // The stored clip and the seed (or keyframe) it started from, in; its finished segment out.
  FinishSegment: {
    get: ['runs/*/plan.json', 'runs/*/steps/*', 'runs/*/scenes/*', 'runs/*/seeds/*', 'runs/*/keyframes/*'],
    put: ['runs/*/segments/*'],
    abort: ['runs/*/segments/*'],
  },
  JoinFilm: {
    get: ['runs/*/segments/*', ...MANIFEST_REFRESH.get],
    put: ['runs/*/final.mp4', 'runs/*/contact-sheet.png', 'runs/*/drift-chart.png', 'runs/*/continuity.json', ENDING, ...MANIFEST_REFRESH.put],
    abort: ['runs/*/final.mp4', 'runs/*/contact-sheet.png', 'runs/*/drift-chart.png'],
    // A join that finds the run canceled meanwhile deletes the film it uploaded, nothing else.
    delete: ['runs/*/final.mp4', 'runs/*/contact-sheet.png', 'runs/*/drift-chart.png', 'runs/*/continuity.json'],
  },
  RecordFailure: { get: [CALLBACKS, ...MANIFEST_REFRESH.get], put: [CALLBACKS, SPEND, ENDING, ...MANIFEST_REFRESH.put] },
  Webhook: { get: [CALLBACKS, SPEND], put: [CALLBACKS, SPEND] },
  Api: {
    get: ['idempotency/*', 'runs/*/final.mp4', 'runs/*/contact-sheet.png', 'runs/*/drift-chart.png', 'runs/*/storyboard.json', CALLBACKS, ...MANIFEST_REFRESH.get, COMPARE_REQUEST, COMPARE_ENDING, ...COMPARE_RESULTS],
    put: ['idempotency/*', 'runs/*/notify.json', COMPARE_NOTIFY, CALLBACKS, SPEND, ENDING, ...MANIFEST_REFRESH.put],
  },
  StartFromUpload: { get: ['inbox/*', 'idempotency/*'], put: ['rejected/*', 'idempotency/*'] },
  // Reads how the run (or compare) ended and where to tell; writes only what it delivered.
  Notify: {
    get: [ENDING, 'runs/*/manifest.json', 'runs/*/notify.json', 'runs/*/notifications/*', COMPARE_ENDING, COMPARE_REQUEST, COMPARE_NOTIFY, COMPARE_NOTIFICATIONS],
    put: ['runs/*/notifications/*', COMPARE_NOTIFICATIONS],
  },
  // A run's ending, or a compare's (stopped or timed out from outside), create-only.
  ExecutionEnded: { get: [CALLBACKS, ...MANIFEST_REFRESH.get, COMPARE_ENDING], put: [CALLBACKS, SPEND, ENDING, ...MANIFEST_REFRESH.put, COMPARE_ENDING] },
  PrepareCompare: { get: [COMPARE_REQUEST], put: [COMPARE_REQUEST] },
  // The variants' manifests, seam reports and films in; the side-by-side, table and ending out.
  JoinComparison: {
    get: [COMPARE_REQUEST, COMPARE_ENDING, 'runs/*/manifest.json', 'runs/*/continuity.json', 'runs/*/final.mp4'],
    put: [...COMPARE_RESULTS, COMPARE_ENDING],
    abort: COMPARE_RESULTS,
  },
  RecordCompareFailure: { get: [COMPARE_ENDING], put: [COMPARE_ENDING] },
};

/** Bucket resources each S3 action of a function is allowed on. */
function s3Grants(functionId: string): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const statement of stack.statementsOf(functionId)) {
    expect(statement.Effect).toBe('Allow');
    for (const action of [statement.Action].flat().filter((a: string) => a.startsWith('s3:'))) {
      grants[action] ??= new Set();
      for (const resource of [statement.Resource].flat()) grants[action].add(bucketResource(resource));
    }
  }
  return Object.fromEntries(Object.entries(grants).map(([action, resources]) => [action, [...resources].sort()]));
}

const sorted = (keys: string[]) => [...new Set(keys)].sort();

describe('bucket access per function', () => {
  it('covers every deployed function', () => {
    expect(Object.keys(stack.functionsByName()).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s reads, writes and aborts uploads on exactly the keys its code touches', (name, expected) => {
    const grants = s3Grants(stack.functionsByName()[name].id);
    expect(grants['s3:GetObject'] ?? [], `${name} GetObject`).toEqual(sorted(expected.get));
    expect(grants['s3:PutObject'] ?? [], `${name} PutObject`).toEqual(sorted(expected.put));
    // The S3 adapter tags every object it writes (lifecycle retention): tagging goes with every write.
    expect(grants['s3:PutObjectTagging'] ?? [], `${name} PutObjectTagging`).toEqual(sorted(expected.put));
    expect(grants['s3:AbortMultipartUpload'] ?? [], `${name} AbortMultipartUpload`).toEqual(sorted(expected.abort ?? []));
    expect(grants['s3:DeleteObject'] ?? [], `${name} DeleteObject`).toEqual(sorted(expected.delete ?? []));
    // Lists names only; without it S3 answers 403 instead of 404 for a key not written yet.
    expect(grants['s3:ListBucket'], `${name} ListBucket`).toEqual(['bucket']);
    expect(Object.keys(grants).sort(), name).toEqual(
      ['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:PutObjectTagging', ...(expected.abort ? ['s3:AbortMultipartUpload'] : []), ...(expected.delete ? ['s3:DeleteObject'] : [])].sort(),
    );
  });

  it.each(Object.keys(EXPECTED))('%s never gets a whole prefix such as runs/* or the bucket’s objects', (name) => {
    const resources = Object.values(s3Grants(stack.functionsByName()[name].id)).flat();
    expect(resources, name).not.toContain('runs/*');
    expect(resources, name).not.toContain('*');
    expect(resources.filter((r) => r !== 'bucket' && !/^(inbox|images|rejected|idempotency|reusable)\/\*$|^(runs|compares)\/\*\/./.test(r)), name).toEqual([]);
  });

  it('lets the public webhook function touch callback records and the spend ledger only', () => {
    const grants = s3Grants(stack.functionsByName().Webhook.id);
    for (const action of ['s3:GetObject', 's3:PutObject']) expect(grants[action], action).toEqual(['runs/*/callbacks/*', 'runs/*/spend.json']);
  });
});

describe('Step Functions and secret access', () => {
  it('lets only the webhook (and, for a reused output, the start functions) send task results, and only the api and upload trigger start runs', () => {
    const fns = stack.functionsByName();
    const stateMachineId = stack.ofType('AWS::StepFunctions::StateMachine')[0][0];
    for (const [name, fn] of Object.entries(fns)) {
      const actions = stack.actionsOf(fn.id);
      expect(actions.includes('states:SendTaskSuccess'), name).toBe(['Webhook', 'Anchor', 'Clip'].includes(name));
      expect(actions.includes('states:SendTaskFailure'), name).toBe(name === 'Webhook');
      expect(actions.includes('states:StartExecution'), name).toBe(name === 'Api' || name === 'StartFromUpload');
    }
    const send = stack.statementsOf(fns.Webhook.id).find((s) => [s.Action].flat().includes('states:SendTaskSuccess'));
    expect(send.Resource).toEqual({ Ref: stateMachineId });
    // The start functions name the run state machine by its ARN string (it invokes them: a Ref would be a cycle).
    const machineName = stack.resources[stateMachineId].Properties.StateMachineName;
    for (const name of ['Anchor', 'Clip']) {
      const own = stack.statementsOf(fns[name].id).find((s) => [s.Action].flat().includes('states:SendTaskSuccess'));
      expect(JSON.stringify(own.Resource), name).toMatch(new RegExp(`:stateMachine:${machineName}"`));
    }
    const stop = stack.statementsOf(fns.Api.id).find((s) => [s.Action].flat().includes('states:StopExecution'));
    expect(JSON.stringify(stop.Resource)).toMatch(/:execution:/);
  });

  it('lets execution-ended describe executions of both machines, and nothing else in Step Functions', () => {
    const fn = stack.functionsByName().ExecutionEnded;
    const states = stack.statementsOf(fn.id).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('states:')));
    expect(states.flatMap((s) => [s.Action].flat())).toEqual(['states:DescribeExecution']);
    const [runMachine, compareMachine] = ['StateMachine', 'CompareStateMachine'].map((prefix) => stack.ofType('AWS::StepFunctions::StateMachine').find(([id]) => id.startsWith(prefix))![0]);
    const resources = states.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    const executionsOf = (machine: string) => resources.filter((r) => r.includes(`:execution:",{"Fn::GetAtt":["${machine}","Name"]},":*"`));
    expect(resources).toHaveLength(2);
    expect(executionsOf(runMachine)).toHaveLength(1);
    expect(executionsOf(compareMachine)).toHaveLength(1);
    // Which machine an event came from: the compare machine's ARN, as the api has it.
    expect(fn.Properties.Environment.Variables.COMPARE_STATE_MACHINE_ARN).toEqual({ Ref: compareMachine });
  });

  /** The secrets (by logical id prefix) a function may read. */
  const secretsReadBy = (functionId: string) =>
    stack
      .statementsOf(functionId)
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .map((s) => String(s.Resource.Ref).replace(/[0-9A-F]{8}$/, ''));

  it('gives the Replicate secret only to the functions that call Replicate, and the signing secret only to notify', () => {
    const fns = stack.functionsByName();
    for (const [name, fn] of Object.entries(fns)) {
      const callsReplicate = ['Anchor', 'Clip', 'Poll', 'Webhook', 'Api', 'RecordFailure', 'ExecutionEnded'].includes(name);
      expect(secretsReadBy(fn.id), name).toEqual(callsReplicate ? ['ReplicateSecret'] : name === 'Notify' ? ['NotifySigningSecret'] : []);
    }
  });
});

describe('run and compare notifications', () => {
  it('lets notify put events on the default bus only', () => {
    const put = stack.statementsOf(stack.functionsByName().Notify.id).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('events:')));
    expect(put).toHaveLength(1);
    expect(put[0].Action).toBe('events:PutEvents');
    expect(JSON.stringify(put[0].Resource)).toMatch(/:event-bus\/default"/);
  });

  it('lets exactly the ending writers invoke notify, the function itself and nothing else', () => {
    const fns = stack.functionsByName();
    const notifyArn = { 'Fn::GetAtt': [fns.Notify.id, 'Arn'] };
    for (const [name, fn] of Object.entries(fns)) {
      const invokes = stack.statementsOf(fn.id).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
      const writer = ['JoinFilm', 'RecordFailure', 'Api', 'ExecutionEnded', 'JoinComparison', 'RecordCompareFailure'].includes(name);
      expect(invokes.map((s) => s.Resource), name).toEqual(writer ? [notifyArn] : []);
      expect(fn.Properties.Environment.Variables.NOTIFY_FUNCTION_NAME, name).toEqual(writer ? { Ref: fns.Notify.id } : undefined);
    }
  });

  it('retries notify twice, then keeps the event in the alarmed failure queue', () => {
    const fns = stack.functionsByName();
    const config = stack.ofType('AWS::Lambda::EventInvokeConfig').find(([, r]) => r.Properties.FunctionName.Ref === fns.Notify.id);
    expect(config?.[1].Properties).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 });
    expect(JSON.stringify(config?.[1].Properties.DestinationConfig.OnFailure.Destination)).toMatch(/FailedEvents/);
  });

  it('generates the signing secret (nothing in the template) and reads it by ARN', () => {
    const [id, secret] = stack.ofType('AWS::SecretsManager::Secret').find(([key]) => key.startsWith('NotifySigningSecret'))!;
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(stack.functionsByName().Notify.Properties.Environment.Variables.NOTIFY_SECRET_ARN).toEqual({ Ref: id });
  });
});

describe('local-only switches', () => {
  it('never lets a deployed function notify loopback or plain http receivers', () => {
    for (const [name, fn] of Object.entries(stack.functionsByName())) {
      expect(fn.Properties.Environment.Variables.NOTIFY_ALLOW_LOOPBACK, name).toBeUndefined();
      expect(fn.Properties.Environment.Variables.NOTIFY_SIGNING_SECRET, name).toBeUndefined();
    }
  });
});
