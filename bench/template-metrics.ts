/**
 * What a synthesized template weighs: its bytes as written, its resources, and the characters of its
 * IAM policies as IAM counts them (names and documents, no white space) once deployed, with the
 * template's intrinsics replaced by realistic values.
 */
import { readFileSync, statSync } from 'node:fs';

/** Realistic deploy-time values: a commercial-partition account in a common region. */
export const DEPLOYED = { partition: 'aws', region: 'eu-west-2', account: '123456789012', urlSuffix: 'amazonaws.com' } as const;

export interface TemplateMetrics {
  readonly bytes: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  /** Every IAM policy document of the template (trust policies too), names included. */
  readonly iamPolicyChars: number;
  /** The largest sum, over one role, of its inline policies and the AWS::IAM::Policy attached to it. */
  readonly largestRoleInlineChars: number;
}

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

export function templateMetrics(templateFile: string, stackName: string): TemplateMetrics {
  const template: Template = JSON.parse(readFileSync(templateFile, 'utf8'));
  const resources = Object.entries(template.Resources);
  const resourcesByType: Record<string, number> = {};
  for (const [, resource] of resources) resourcesByType[resource.Type] = (resourcesByType[resource.Type] ?? 0) + 1;

  const render = (value: unknown) => JSON.stringify(deployedValue(value, template, stackName));
  const inlineByRole = new Map<string, number>();
  const addInline = (role: string, chars: number) => inlineByRole.set(role, (inlineByRole.get(role) ?? 0) + chars);
  let iamPolicyChars = 0;
  for (const [logicalId, { Type: type, Properties: properties = {} }] of resources) {
    if (type === 'AWS::IAM::Role') {
      iamPolicyChars += render(properties.AssumeRolePolicyDocument).length;
      for (const policy of properties.Policies ?? []) {
        const chars = String(policy.PolicyName).length + render(policy.PolicyDocument).length;
        iamPolicyChars += chars;
        addInline(logicalId, chars);
      }
    } else if (type === 'AWS::IAM::Policy') {
      const chars = String(deployedValue(properties.PolicyName, template, stackName)).length + render(properties.PolicyDocument).length;
      iamPolicyChars += chars;
      for (const role of properties.Roles ?? []) if (typeof role?.Ref === 'string') addInline(role.Ref, chars);
    } else if (type === 'AWS::IAM::ManagedPolicy') {
      iamPolicyChars += String(properties.ManagedPolicyName ?? '').length + render(properties.PolicyDocument).length;
    }
  }
  return {
    bytes: statSync(templateFile).size,
    resources: resources.length,
    resourcesByType,
    iamPolicyChars,
    largestRoleInlineChars: Math.max(0, ...inlineByRole.values()),
  };
}

/** The name CloudFormation generates for a resource without one: stack name, logical ID, random suffix. */
function generatedName(stackName: string, logicalId: string, maxLength = 64): string {
  const suffix = 'A1B2C3D4E5F6';
  return `${stackName}-${logicalId}`.slice(0, maxLength - suffix.length - 1) + `-${suffix}`;
}

/** A template value as it would be once deployed: pseudo parameters, Ref, GetAtt, Join and Sub resolved. */
function deployedValue(value: unknown, template: Template, stackName: string): unknown {
  const recurse = (item: unknown) => deployedValue(item, template, stackName);
  if (Array.isArray(value)) return value.map(recurse);
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, any>;
  const { partition, region, account, urlSuffix } = DEPLOYED;
  const pseudo: Record<string, string> = {
    'AWS::Partition': partition,
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::URLSuffix': urlSuffix,
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d`,
  };
  if (typeof node.Ref === 'string') return pseudo[node.Ref] ?? physicalName(node.Ref, template, stackName);
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [logicalId, attribute] = node['Fn::GetAtt'];
    const name = physicalName(logicalId, template, stackName);
    if (attribute !== 'Arn') return name;
    switch (template.Resources[logicalId]?.Type) {
      case 'AWS::Logs::LogGroup':
        return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
      default:
        return `arn:${partition}:service:${region}:${account}:resource/${name}`;
    }
  }
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'];
    return (parts as unknown[]).map((part) => String(recurse(part))).join(delimiter);
  }
  if (typeof node['Fn::Sub'] === 'string') {
    return node['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) => String(recurse({ Ref: name })));
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, recurse(item)]));
}

function physicalName(logicalId: string, _template: Template, stackName: string): string {
  return generatedName(stackName, logicalId);
}
