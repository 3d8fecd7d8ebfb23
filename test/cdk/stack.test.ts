// The deployed stack, asserted on the synthesized template (bundling skipped: no esbuild runs).
// Least privilege, alarms/logs and Task timeouts have their own files next to this one.
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app';
import { ASL_PATH, COMPARE_ASL_PATH, FUNCTIONS, taskFunctionsOf } from '../../functions/catalog';
import { SKIP_BUNDLING, synthesize, type Resource, type SynthesizedStack } from './template';

let stack: SynthesizedStack;
let template: Template;

beforeAll(() => {
  stack = synthesize();
  template = stack.template;
});

const ofType = (type: string) => stack.ofType(type);
const functionsByName = () => stack.functionsByName();
const actionsOf = (id: string) => stack.actionsOf(id);

describe('bucket', () => {
  it('is private, encrypted, SSL-only and sends EventBridge notifications', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'longshot-bucket/' }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'longshot-bucket/' }),
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires intermediates by tag after the configured days and keeps films', () => {
    const { stack } = buildApp({ ...SKIP_BUNDLING, 'longshot:intermediateRetentionDays': 3 });
    const rules = Template.fromStack(stack).findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } });
    const [bucket] = Object.values(rules) as Resource[];
    const lifecycle = bucket.Properties.LifecycleConfiguration.Rules;
    expect(lifecycle).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'ExpireIntermediates', ExpirationInDays: 3, TagFilters: [{ Key: 'longshot-retention', Value: 'intermediate' }] }),
        expect.objectContaining({ Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        // Outputs kept for reuse are a prefix of their own, expired like intermediates.
        expect.objectContaining({ Id: 'ExpireReusableOutputs', Prefix: 'reusable/', ExpirationInDays: 3 }),
      ]),
    );
    // No rule expires everything (the films under runs/ stay).
    expect(lifecycle.filter((r: any) => r.ExpirationInDays && !r.TagFilters && !r.Prefix)).toEqual([]);
  });
});

describe('functions', () => {
  it('deploys every catalog function on nodejs22.x with tracing and project defaults', () => {
    const fns = functionsByName();
    expect(Object.keys(fns).sort()).toEqual(
      FUNCTIONS.map((f) => f.name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())).sort(),
    );
    for (const [name, fn] of Object.entries(fns)) {
      expect(fn.Properties.Runtime, name).toBe('nodejs22.x');
      expect(fn.Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables.LONGSHOT_BUCKET, name).toBeDefined();
      expect(fn.Properties.Environment.Variables, name).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'longshot', POWERTOOLS_METRICS_NAMESPACE: 'longshot' });
    }
  });

  it('ships ffmpeg only to the media functions, on x86_64, sized for 1080p clips and a 60 s film', () => {
    const fns = functionsByName();
    for (const [name, fn] of Object.entries(fns)) {
      const media = ['StoreOutput', 'FinishSegment', 'JoinFilm', 'JoinComparison'].includes(name);
      expect(fn.Properties.Architectures, name).toEqual([media ? 'x86_64' : 'arm64']);
      expect(fn.Properties.Environment.Variables.FFMPEG_PATH, name).toBe(media ? '/var/task/bin/ffmpeg' : undefined);
    }
    expect(fns.JoinFilm.Properties).toMatchObject({ MemorySize: 4096, Timeout: 900, EphemeralStorage: { Size: 2048 } });
    expect(fns.JoinComparison.Properties).toMatchObject({ MemorySize: 4096, Timeout: 900, EphemeralStorage: { Size: 2048 } });
    expect(fns.StoreOutput.Properties).toMatchObject({ MemorySize: 4096, Timeout: 300, EphemeralStorage: { Size: 2048 } });
    expect(fns.FinishSegment.Properties).toMatchObject({ MemorySize: 4096, Timeout: 300, EphemeralStorage: { Size: 2048 } });
  });

  it('keeps the Replicate token out of environment variables: only the secret ARN is passed', () => {
    for (const [name, fn] of Object.entries(functionsByName())) {
      const env = JSON.stringify(fn.Properties.Environment.Variables);
      expect(env, name).not.toMatch(/REPLICATE_API_TOKEN|REPLICATE_WEBHOOK_SECRET|r8_/);
    }
    const fns = functionsByName();
    for (const name of ['Anchor', 'Clip', 'Poll', 'Webhook', 'Api', 'RecordFailure', 'ExecutionEnded']) {
      expect(fns[name].Properties.Environment.Variables.LONGSHOT_SECRET_ARN, name).toEqual({ Ref: expect.stringMatching(/^ReplicateSecret/) });
      expect(actionsOf(fns[name].id), name).toContain('secretsmanager:GetSecretValue');
    }
    for (const name of ['Prepare', 'StoreOutput', 'FinishSegment', 'JoinFilm', 'StartFromUpload']) {
      expect(actionsOf(fns[name].id), name).not.toContain('secretsmanager:GetSecretValue');
    }
  });

  it('gives the clip and anchor functions the webhook URL, built from the API id', () => {
    const fns = functionsByName();
    for (const name of ['Anchor', 'Clip']) {
      expect(JSON.stringify(fns[name].Properties.Environment.Variables.WEBHOOK_URL), name).toMatch(/execute-api.*\/v1\/webhooks\/replicate/);
    }
  });
});

describe('state machine', () => {
  it('is a Standard workflow from the ASL file with logging (no execution data) and X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('substitutes every ${…} placeholder of the ASL with a function ARN and leaves none over', () => {
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
    const asl = readFileSync(ASL_PATH, 'utf8');
    const placeholders = [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
    expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(placeholders);
    for (const value of Object.values(machine.Properties.DefinitionSubstitutions)) {
      expect(value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Function[0-9A-F]{8}$/), 'Arn'] });
    }
    // The definition is the ASL file itself, uploaded as an asset; CloudFormation substitutes on deploy.
    expect(machine.Properties.DefinitionS3Location).toBeDefined();
    const rendered = Object.keys(machine.Properties.DefinitionSubstitutions).reduce((text, key) => text.split(`\${${key}}`).join('ARN'), asl);
    expect(rendered).not.toMatch(/\$\{/);
  });

  it('may invoke exactly the task functions', () => {
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
    const roleRef = machine.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().includes('lambda:InvokeFunction'));
    const invoked = new Set(statements.flatMap((s: any) => [s.Resource].flat()).map((r: any) => (r['Fn::GetAtt'] ?? r['Fn::Join'][1][0]['Fn::GetAtt'])[0]));
    const expected = taskFunctionsOf('run').length;
    expect(invoked.size).toBe(expected);
  });
});

describe('compare state machine', () => {
  const compareMachine = () => ofType('AWS::StepFunctions::StateMachine').find(([id]) => id.startsWith('CompareStateMachine'))!;
  const roleStatements = () => {
    const roleRef = compareMachine()[1].Properties.RoleArn['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  const runMachineId = () => ofType('AWS::StepFunctions::StateMachine').find(([id]) => id.startsWith('StateMachine'))![0];

  it('is a Standard workflow from compare.asl.json with the same logging (no execution data) and X-Ray', () => {
    const [, machine] = compareMachine();
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: expect.objectContaining({ Level: 'ALL', IncludeExecutionData: false }),
    });
    const placeholders = [...new Set([...readFileSync(COMPARE_ASL_PATH, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
    expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(placeholders);
    expect(machine.Properties.DefinitionSubstitutions.RunStateMachineArn).toEqual({ Ref: runMachineId() });
  });

  it('may invoke exactly its own task functions', () => {
    const invoke = roleStatements().filter((s: any) => [s.Action].flat().includes('lambda:InvokeFunction'));
    const invoked = new Set(invoke.flatMap((s: any) => [s.Resource].flat()).map((r: any) => (r['Fn::GetAtt'] ?? r['Fn::Join'][1][0]['Fn::GetAtt'])[0]));
    expect([...invoked].map((id) => id.replace(/Function[0-9A-F]{8}$/, '')).sort()).toEqual(['JoinComparison', 'PrepareCompare', 'RecordCompareFailure']);
  });

  it('may start the run machine and follow its executions as startExecution.sync needs, nothing more', () => {
    const statements = roleStatements().filter((s: any) => ![s.Action].flat().some((a: string) => a.startsWith('lambda:') || a.startsWith('xray:') || a.startsWith('logs:')));
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: runMachineId() } }),
      expect.objectContaining({ Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) }),
      expect.objectContaining({ Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'] }),
    ]);
    expect(JSON.stringify(statements[1].Resource)).toContain(':execution:');
    expect(JSON.stringify(statements[1].Resource)).toContain(`"${runMachineId()}","Name"`);
    expect(JSON.stringify(statements[2].Resource)).toContain(':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
  });
});

describe('API Gateway', () => {
  const method = (httpMethod: string, pathPart: string) => {
    const resourceId = ofType('AWS::ApiGateway::Resource').find(([, r]) => r.Properties.PathPart === pathPart)![0];
    return ofType('AWS::ApiGateway::Method').find(([, m]) => m.Properties.HttpMethod === httpMethod && m.Properties.ResourceId.Ref === resourceId)![1];
  };

  it('requires IAM for runs and leaves only the signed webhook public', () => {
    expect(method('POST', 'runs').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method('GET', '{runId}').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method('DELETE', '{runId}').Properties.AuthorizationType).toBe('AWS_IAM');
    const webhook = method('POST', 'replicate').Properties;
    expect(webhook.AuthorizationType).toBe('NONE');
    expect(webhook.RequestParameters).toMatchObject({ 'method.request.querystring.run': true, 'method.request.header.webhook-signature': true });
    expect(webhook.RequestValidatorId).toBeDefined();
    expect(method('POST', 'runs').Properties.RequestModels).toBeDefined();
  });

  it('throttles, traces, and writes access logs without query strings', () => {
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0];
    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(stage.Properties.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, DataTraceEnabled: false });
    const format = stage.Properties.AccessLogSetting.Format as string;
    expect(format).toContain('$context.requestId');
    expect(format).not.toMatch(/querystring|requestOverride|\$input/i);
  });
});

describe('upload trigger, alarm and outputs', () => {
  it('hands every object under inbox/ to start-from-upload through EventBridge, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'inbox/' }] } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 } })],
    });
  });

  it('records runs and compares that end outside their failure paths, from Step Functions status changes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^StateMachine') }, { Ref: Match.stringLikeRegexp('^CompareStateMachine') }],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExecutionEndedFunction'), 'Arn'] } })],
    });
  });

  it('alarms on failed or timed-out executions, with an optional e-mail subscription', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut' })]),
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    template.hasParameter('AlarmEmail', { Default: '' });
    template.hasResource('AWS::SNS::Subscription', { Condition: 'HasAlarmEmail' });
  });

  it('outputs the API URL, bucket, state machine ARN, console link and secret', () => {
    for (const name of ['ApiUrl', 'WebhookUrl', 'BucketName', 'StateMachineArn', 'ConsoleUrl', 'SecretArn']) template.hasOutput(name, {});
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('passes with every acknowledgement carrying a reason (synth above would have thrown)', async () => {
    const { REASONS, objectKeyReasons } = await import('../../cdk/nag-acknowledgements');
    for (const [id, reason] of Object.entries({ ...REASONS, ...objectKeyReasons('Bucket83908E77') })) expect(reason.length, id).toBeGreaterThan(30);
  });

  it('is really checking: an unacknowledged finding fails the synth', () => {
    const { app, stack } = buildApp(SKIP_BUNDLING);
    new s3.Bucket(stack, 'UnloggedBucket'); // no SSL enforcement, no access logs
    expect(() => app.synth()).toThrow(/AwsSolutions-S(1|10)/);
  });
});
