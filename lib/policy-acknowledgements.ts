import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { StatementJson } from './connect-access-policy';

/**
 * Writes a policy resource the way policy checkers such as cdk-nag name their findings: literal text as
 * it is, `Ref` and `Fn::GetAtt` in angle brackets, `Fn::Join` joined. A finding's ID embeds this text,
 * so an acknowledgement must spell the resource the same way.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (node.Ref !== undefined) return `<${flatten(node.Ref)}>`;
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flatten(node['Fn::ImportValue']);
    if (node['Fn::Sub'] !== undefined) return flatten(node['Fn::Sub']);
  }
  return JSON.stringify(value);
}

/**
 * Acknowledges, on the role that holds them, each wildcard resource of the handler's Connect statements
 * (AwsSolutions-IAM5), with the reason it is there. Only the wildcards actually granted are acknowledged.
 */
export function acknowledgeWildcardResources(role: IConstruct, statements: readonly StatementJson[], reasonFor: (resource: string) => string): void {
  const stack = Stack.of(role);
  const acknowledged = new Set<string>();
  for (const statement of statements) {
    for (const resource of [statement.Resource].flat()) {
      const flat = flatten(stack.resolve(resource));
      if (!flat.includes('*') || acknowledged.has(flat)) continue;
      acknowledged.add(flat);
      try {
        Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason: reasonFor(flat) });
      } catch {
        // A dynamic reference's braces cannot be spelled in a rule ID; such a finding stays for the app to judge.
      }
    }
  }
}
