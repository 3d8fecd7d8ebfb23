// GET /runs on the deployed API: IAM-authorised like the other runs routes, with its two optional
// query parameters declared (the request validator checks declared parameters only).
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app';
import { Template } from 'aws-cdk-lib/assertions';

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;

beforeAll(() => {
  const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
  app.synth();
  resources = Template.fromStack(stack).toJSON().Resources;
});

describe('GET /runs', () => {
  it('is an IAM-authorised method on the runs resource with optional limit and nextToken', () => {
    const [runsId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === 'runs')!;
    const get = Object.values(resources).find(
      (r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod === 'GET' && r.Properties.ResourceId.Ref === runsId,
    );
    expect(get?.Properties).toMatchObject({
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.querystring.limit': false, 'method.request.querystring.nextToken': false },
    });
  });
});
