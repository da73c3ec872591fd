import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * IAM limits the inline policies of one role to 10,240 characters in all (white space not counted).
 * The handler's policies are kept under three quarters of that, so a template always deploys.
 */
export const ROLE_POLICY_SIZE_LIMIT = 10_240;
export const ROLE_POLICY_SIZE_BUDGET = Math.floor(ROLE_POLICY_SIZE_LIMIT * 0.75);

/**
 * The longest values the pseudo parameters can take, so that an estimate is an upper bound; any other
 * value only known at deploy time is taken to be as long as a UUID, the form of Connect's IDs.
 */
const PSEUDO_PARAMETER_LENGTHS: Record<string, number> = {
  'AWS::Partition': 'aws-us-gov'.length,
  'AWS::Region': 'ap-southeast-5'.length + 2,
  'AWS::AccountId': 12,
};
const OTHER_TOKEN_LENGTH = 36;

/** One declared user that the handler must be allowed to read and update. */
export interface ManagedUser {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The bare instance ID; `undefined` when it is only known at deploy time (a token or dynamic reference that could be an ID or an ARN). */
  readonly instanceId?: string;
  /** The user ID (a literal or a token); `undefined` when the user is found by username at deploy time. */
  readonly userId?: string;
}

/** An IAM policy statement as it appears in a template. */
export interface StatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string | string[];
  readonly Resource: string | string[];
}

/** How widely the Connect statements grant: per user, per instance, or per account and region. */
export type PolicyScope = 'user' | 'instance' | 'account';

/**
 * The estimated size, in characters, of what IAM counts for a policy once deployed: its name and its
 * document without white space, with every deploy-time value at its longest.
 */
export function estimatePolicySize(scope: IConstruct, name: string, document: unknown): number {
  return policySize(name, placeholders(Stack.of(scope).resolve(document)));
}

/** What IAM counts for a policy free of deploy-time values: its name and its document without white space. */
function policySize(name: string, document: unknown): number {
  return name.length + JSON.stringify(document).length;
}

/** A resolved template value with every intrinsic replaced by a string as long as its longest value. */
function placeholders(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(placeholders);
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(placeholders(part))).join(delimiter);
  }
  if (typeof node.Ref === 'string' || node['Fn::GetAtt'] || node['Fn::ImportValue'] || node['Fn::Select'] || node['Fn::Sub']) {
    return 'x'.repeat(PSEUDO_PARAMETER_LENGTHS[node.Ref as string] ?? OTHER_TOKEN_LENGTH);
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, placeholders(item)]));
}

/**
 * The users with each deploy-time value replaced by a literal as long as the longest value it can take
 * (see {@link estimatePolicySize}), one literal per distinct token so that distinct values stay
 * distinct. Their statements measure as the deployed ones do, without resolving a document that lists
 * every user: each token is resolved once, however many users share it.
 */
function withStandIns(construct: IConstruct, users: readonly ManagedUser[]): ManagedUser[] {
  const stack = Stack.of(construct);
  const standIns = new Map<string, string>();
  const standIn = (value: string): string => {
    if (!Token.isUnresolved(value)) return value;
    let literal = standIns.get(value);
    if (literal === undefined) {
      const longest = String(placeholders(stack.resolve(value)));
      const tag = `${standIns.size.toString(36)}~`;
      literal = tag.length <= longest.length ? tag + longest.slice(tag.length) : longest;
      standIns.set(value, literal);
    }
    return literal;
  };
  return users.map((user) => ({
    partition: standIn(user.partition),
    region: standIn(user.region),
    account: standIn(user.account),
    instanceId: user.instanceId === undefined ? undefined : standIn(user.instanceId),
    userId: user.userId === undefined ? undefined : standIn(user.userId),
  }));
}

/** Wraps statements into a policy document. */
export function policyDocument(statements: readonly StatementJson[]): { Version: '2012-10-17'; Statement: StatementJson[] } {
  return { Version: '2012-10-17', Statement: [...statements] };
}

/** Distinct values, sorted: a policy does not change when declarations are reordered. */
function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Where an instance lives: its partition, region and account (literals or tokens). */
export type ArnParts = Pick<ManagedUser, 'partition' | 'region' | 'account'>;

/** `arn:<partition>:connect:<region>:<account>:instance/<instanceId>`; `*` for any instance. */
export function instanceArn(parts: ArnParts, instanceId: string): string {
  return `arn:${parts.partition}:connect:${parts.region}:${parts.account}:instance/${instanceId}`;
}

/** A Connect user's ARN: `<instance ARN>/agent/<userId>`; `*` for any user. */
export function userArn(parts: ArnParts, instanceId: string, userId: string): string {
  return `${instanceArn(parts, instanceId)}/agent/${userId}`;
}

/**
 * The Connect statements for the handler, scoped as narrowly as the given scope allows:
 * - `user`: each declared user's ARN (users found by username: their instance's agents);
 * - `instance`: the agents of each declared instance;
 * - `account`: the agents of any instance in each declared account and region.
 * An instance only known at deploy time is always granted as `instance/*` in its account and region.
 * Without `write`, the statements only read (a drift check that does not correct); with `list`, they also
 * list each declared instance's users (a drift check).
 */
export function connectStatements(users: readonly ManagedUser[], scope: PolicyScope, options: { write?: boolean; list?: boolean } = {}): StatementJson[] {
  const write = options.write ?? true;
  const instanceOf = (user: ManagedUser) => (scope === 'account' || user.instanceId === undefined ? '*' : user.instanceId);
  const agentResources = unique(
    users.map((user) =>
      userArn(user, instanceOf(user), scope === 'user' && user.userId !== undefined ? user.userId : '*'),
    ),
  );
  const instanceResources = unique(users.map((user) => instanceArn(user, instanceOf(user))));
  const statements: StatementJson[] = [
    write
      ? { Sid: 'ReadAndUpdateDeclaredUsers', Effect: 'Allow', Action: ['connect:DescribeUser', 'connect:UpdateUserIdentityInfo'], Resource: agentResources }
      : { Sid: 'ReadDeclaredUsers', Effect: 'Allow', Action: 'connect:DescribeUser', Resource: agentResources },
    { Sid: 'ReadIdentityManagementType', Effect: 'Allow', Action: 'connect:DescribeInstance', Resource: instanceResources },
    ...(options.list ? [{ Sid: 'ListInstanceUsers', Effect: 'Allow' as const, Action: 'connect:ListUsers', Resource: instanceResources }] : []),
  ];
  const searched = users.filter((user) => user.userId === undefined);
  if (searched.length > 0) {
    statements.push({
      Sid: 'FindUsersByUsername',
      Effect: 'Allow',
      // SearchUsers for a few users, ListUsers (on the instance) for many: see core/user-sync.ts.
      Action: ['connect:ListUsers', 'connect:SearchUsers'],
      Resource: unique(searched.flatMap((user) => [instanceArn(user, instanceOf(user)), userArn(user, instanceOf(user), '*')])),
    });
  }
  return statements;
}

/**
 * Chooses the narrowest scope whose policies, with the other policies of the role, stay within
 * {@link ROLE_POLICY_SIZE_BUDGET}. Decided at synth, from the rendered size.
 */
export function chooseScope(
  construct: IConstruct,
  users: readonly ManagedUser[],
  policyName: string,
  otherPoliciesSize: number,
): PolicyScope {
  const measured = withStandIns(construct, users);
  for (const scope of ['user', 'instance'] as const) {
    const size = policySize(policyName, policyDocument(connectStatements(measured, scope)));
    if (size + otherPoliciesSize <= ROLE_POLICY_SIZE_BUDGET) return scope;
  }
  return 'account';
}
