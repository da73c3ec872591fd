/**
 * An independent measure of the handler role's policies as IAM will count them, used to check the
 * construct's own estimate: template intrinsics are replaced by the longest values they can take.
 */
import { Template } from 'aws-cdk-lib/assertions';

/** The longest values the pseudo parameters take, so that measured sizes are upper bounds. */
const WORST_CASE: Record<string, string> = {
  'AWS::Partition': 'aws-iso-b',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
};

/** A policy document as IAM will see it once deployed: intrinsic functions replaced by worst-case values. */
function deployed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deployed);
  if (value && typeof value === 'object') {
    const node = value as Record<string, any>;
    if (node.Ref) return WORST_CASE[node.Ref] ?? 'x'.repeat(64);
    if (node['Fn::GetAtt']) return `arn:aws-iso-b:logs:ap-southeast-5:123456789012:log-group:${'x'.repeat(128)}:*`;
    if (node['Fn::Join']) return (node['Fn::Join'][1] as unknown[]).map((part) => deployed(part)).join(node['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, deployed(item)]));
  }
  return value;
}

/** What IAM counts against the role's 10,240 characters: names and documents without white space. */
export function rolePolicySize(template: Template): number {
  const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
  return (role.Properties.Policies as any[]).reduce(
    (sum, policy) => sum + policy.PolicyName.length + JSON.stringify(deployed(policy.PolicyDocument)).length,
    0,
  );
}
