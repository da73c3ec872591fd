/**
 * What a synthesized stack weighs: the bytes of its templates (nested ones too) as written, its
 * resources, the characters of its handler role's IAM policies as IAM counts them (names and documents,
 * no white space) once deployed, with the template's intrinsics replaced by realistic values, and its
 * dynamic references.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Realistic deploy-time values: a commercial-partition account in a common region. */
export const DEPLOYED = { partition: 'aws', region: 'eu-west-2', account: '123456789012', urlSuffix: 'amazonaws.com' } as const;

export interface TemplateMetrics {
  /** Every template of the cloud assembly: the stack's, and nested stacks' if any. */
  readonly templates: number;
  /** Their bytes in all. */
  readonly bytes: number;
  /** The bytes of the largest one (CloudFormation takes at most 1,000,000 through S3). */
  readonly largestTemplateBytes: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  /**
   * The inline policies of the role of the function that serves the design's custom resources, and
   * the AWS::IAM::Policy resources attached to it: what counts against IAM's 10,240 characters.
   */
  readonly handlerRolePolicyChars: number;
  /** `{{resolve:...}}` dynamic references in all templates (CloudFormation allows 60 a template). */
  readonly dynamicReferences: number;
  /** File assets other than the handler's code (a roster's declaration files): how many, and their bytes. */
  readonly declarationFiles: number;
  readonly declarationFileBytes: number;
}

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

/** Measures the stack `stackName` of a cloud assembly; `resourceType` names the design's custom resources. */
export function assemblyMetrics(assemblyDir: string, stackName: string, resourceType: string): TemplateMetrics {
  const templateFiles = readdirSync(assemblyDir).filter((file) => file.endsWith('.template.json'));
  const texts = templateFiles.map((file) => readFileSync(path.join(assemblyDir, file), 'utf8'));
  const sizes = templateFiles.map((file) => statSync(path.join(assemblyDir, file)).size);
  const templates: Template[] = texts.map((text) => JSON.parse(text));
  const resourcesByType: Record<string, number> = {};
  for (const template of templates) {
    for (const resource of Object.values(template.Resources)) resourcesByType[resource.Type] = (resourcesByType[resource.Type] ?? 0) + 1;
  }
  const main: Template = JSON.parse(readFileSync(path.join(assemblyDir, `${stackName}.template.json`), 'utf8'));
  const declarationFiles = readdirSync(assemblyDir).filter((file) => file.startsWith('asset.') && file.endsWith('.json'));
  return {
    templates: templateFiles.length,
    bytes: sizes.reduce((sum, size) => sum + size, 0),
    largestTemplateBytes: Math.max(...sizes),
    resources: Object.values(resourcesByType).reduce((sum, count) => sum + count, 0),
    resourcesByType,
    handlerRolePolicyChars: handlerRolePolicyChars(main, stackName, resourceType),
    dynamicReferences: texts.reduce((sum, text) => sum + (text.match(/\{\{resolve:/g)?.length ?? 0), 0),
    declarationFiles: declarationFiles.length,
    declarationFileBytes: declarationFiles.reduce((sum, file) => sum + statSync(path.join(assemblyDir, file)).size, 0),
  };
}

/**
 * Follows the custom resources' ServiceToken to their function and its role, and counts that role's
 * inline policies and the AWS::IAM::Policy resources attached to it (0 without such resources).
 */
function handlerRolePolicyChars(template: Template, stackName: string, resourceType: string): number {
  const resources = template.Resources;
  const served = Object.values(resources).find((resource) => resource.Type === resourceType);
  const functionId = served?.Properties?.ServiceToken?.['Fn::GetAtt']?.[0];
  const roleId = resources[functionId]?.Properties?.Role?.['Fn::GetAtt']?.[0];
  if (typeof roleId !== 'string') return 0;
  const render = (value: unknown) => JSON.stringify(deployedValue(value, template, stackName));
  let chars = 0;
  for (const policy of resources[roleId]?.Properties?.Policies ?? []) chars += String(policy.PolicyName).length + render(policy.PolicyDocument).length;
  for (const { Type: type, Properties: properties = {} } of Object.values(resources)) {
    if (type !== 'AWS::IAM::Policy' || !(properties.Roles ?? []).some((role: any) => role?.Ref === roleId)) continue;
    chars += String(deployedValue(properties.PolicyName, template, stackName)).length + render(properties.PolicyDocument).length;
  }
  return chars;
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
