import { RemovalPolicy, Stack, aws_logs as logs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectUserIdentity, ConnectUserIdentityProvider } from '../../lib';
import { EXAMPLE, newStack, userIdFor } from '../support/stacks';

/** The provider's log group in a stack's template. */
function providerLogGroup(stack: Stack): Record<string, any> {
  const groups = Object.entries(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'));
  const found = groups.filter(([id]) => id.startsWith('ConnectUserIdentityProviderLogGroup'));
  expect(found).toHaveLength(1);
  return found[0][1];
}

function declareUser(stack: Stack, index = 0): void {
  new ConnectUserIdentity(stack, `User${index}`, { instanceId: EXAMPLE.instanceId, userId: userIdFor(index), identityInfo: { lastName: `Last${index}` } });
}

/** The synth errors of a stack. */
function synthMessage(stack: Stack): string {
  try {
    Template.fromStack(stack);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('ConnectUserIdentityProvider.configure', () => {
  test('without it, the log group keeps a year of logs and is retained', () => {
    // GIVEN a stack with one user and no settings
    const stack = newStack();
    declareUser(stack);
    // THEN the log group is as it always was
    expect(providerLogGroup(stack)).toMatchObject({ Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test.each([
    ['before', true],
    ['after', false],
  ])('sets log retention and removal policy when called %s the users are declared', (_, first) => {
    // GIVEN the stack configured before or after its users
    const stack = newStack();
    const configure = () => ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.TWO_WEEKS, removalPolicy: RemovalPolicy.DESTROY });
    if (first) configure();
    declareUser(stack, 0);
    declareUser(stack, 1);
    if (!first) configure();

    // THEN the one provider's log group has the settings
    expect(providerLogGroup(stack)).toMatchObject({ Properties: { RetentionInDays: 14 }, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(ConnectUserIdentityProvider.configure(stack, {})).toBe(ConnectUserIdentityProvider.of(stack));
  });

  test('keeps logs forever with RetentionDays.INFINITE, as logs.LogGroup renders it', () => {
    const stack = newStack();
    declareUser(stack);
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.INFINITE });
    expect(providerLogGroup(stack).Properties?.RetentionInDays).toBeUndefined();
    expect(providerLogGroup(stack).DeletionPolicy).toBe('Retain');
  });

  test('a second call may add a setting or repeat one', () => {
    // GIVEN two calls: one for retention, one for the removal policy and the same retention
    const stack = newStack();
    declareUser(stack);
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_MONTH });
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // THEN both apply
    expect(providerLogGroup(stack)).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
  });

  test('fails synth when two calls give one setting different values', () => {
    // GIVEN two parts of an app that disagree on the retention
    const stack = newStack();
    declareUser(stack);
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_MONTH });
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_WEEK });
    // THEN synth says so, naming both values
    expect(synthMessage(stack)).toContain(
      '[TestStack/ConnectUserIdentityProvider] ConnectUserIdentityProvider.configure gave logRetention two values in this stack (30 and 7)',
    );
  });

  test('applies to the stack of the scope it is given, and no other', () => {
    // GIVEN two stacks of one app, one configured through a construct inside it
    const stack = newStack();
    const other = new Stack(stack.node.scope as any, 'Other');
    declareUser(stack);
    declareUser(other);
    ConnectUserIdentityProvider.configure(stack.node.findChild('User0'), { removalPolicy: RemovalPolicy.DESTROY });
    // THEN only that stack's log group is deleted with it
    expect(providerLogGroup(stack).DeletionPolicy).toBe('Delete');
    expect(providerLogGroup(other).DeletionPolicy).toBe('Retain');
  });
});

describe('ConnectUserIdentityProvider.configure: the work ledger', () => {
  /** The provider's ledger table in a stack's template. */
  function ledger(stack: Stack): Record<string, any> {
    const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    return tables[0];
  }

  test('is deleted with the stack by default, whatever the log group does', () => {
    const stack = newStack();
    declareUser(stack);
    ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_MONTH });
    expect(ledger(stack).DeletionPolicy).toBe('Delete');
  });

  test('follows a removal policy given to the stack, as the log groups do', () => {
    const stack = newStack();
    declareUser(stack);
    ConnectUserIdentityProvider.configure(stack, { removalPolicy: RemovalPolicy.RETAIN });
    expect(ledger(stack)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(providerLogGroup(stack).DeletionPolicy).toBe('Retain');
  });
});
