// The app as cdk synth builds it, shared with the tests: feature flags, the stack, cdk-nag.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LongshotStack } from './longshot-stack';

/** Behaviour this stack relies on, set here so tests (which read no cdk.json) build the same thing. */
export const FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
};

export function buildApp(context: Record<string, unknown> = {}, outdir?: string): { app: App; stack: LongshotStack } {
  const app = new App({ context: { ...FEATURE_FLAGS, ...context }, ...(outdir && { outdir }) });
  const retention = app.node.tryGetContext('longshot:intermediateRetentionDays');
  const stack = new LongshotStack(app, app.node.tryGetContext('longshot:stackName') ?? 'Longshot', {
    description: 'longshot: storyboard to cinematic video with LTX-2 on Replicate, orchestrated by Step Functions',
    intermediateRetentionDays: retention === undefined ? undefined : Number(retention),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
