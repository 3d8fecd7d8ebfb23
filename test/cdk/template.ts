// The synthesized stack (bundling skipped: no esbuild runs) and helpers to read it, shared by the
// template tests. synth() runs cdk-nag: it throws on any unacknowledged finding.
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../cdk/build-app';

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; Condition?: string };

export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

export interface SynthesizedStack {
  template: Template;
  resources: Record<string, Resource>;
  ofType: (type: string) => [string, Resource][];
  /** Project functions by construct name (`StartFromUpload`), with their logical id. */
  functionsByName: () => Record<string, Resource & { id: string }>;
  /** All policy statements attached to a role (by the logical id of a function or state machine). */
  statementsOf: (logicalId: string) => any[];
  actionsOf: (logicalId: string) => string[];
}

export function synthesize(context: Record<string, unknown> = {}): SynthesizedStack {
  const { app, stack } = buildApp({ ...SKIP_BUNDLING, ...context });
  app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const statementsOf = (logicalId: string) => {
    const roleRef = (resources[logicalId].Properties.Role ?? resources[logicalId].Properties.RoleArn)['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  return {
    template,
    resources,
    ofType,
    functionsByName: () =>
      Object.fromEntries(
        ofType('AWS::Lambda::Function')
          .filter(([id]) => /^[A-Z][A-Za-z]+Function[0-9A-F]{8}$/.test(id))
          .map(([id, r]) => [id.replace(/Function[0-9A-F]{8}$/, ''), { id, ...r }]),
      ),
    statementsOf,
    actionsOf: (logicalId) => statementsOf(logicalId).flatMap((s) => [s.Action].flat()),
  };
}

/** A bucket resource as a short name: the bucket itself, or the key pattern of `<bucket ARN>/pattern`. */
export function bucketResource(resource: any): string {
  if (resource?.['Fn::GetAtt']?.[1] === 'Arn' && /^Bucket[0-9A-F]{8}$/.test(resource['Fn::GetAtt'][0])) return 'bucket';
  const parts = resource?.['Fn::Join']?.[1];
  if (Array.isArray(parts) && parts.length === 2 && /^Bucket[0-9A-F]{8}$/.test(parts[0]?.['Fn::GetAtt']?.[0] ?? '')) return String(parts[1]).replace(/^\//, '');
  return JSON.stringify(resource);
}
