import { CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConnectUserIdentity, RESOURCE_TYPE } from '../../lib';
import { EXAMPLE, newStack, stackWithUsers, synthErrors, userIdFor } from '../support/stacks';

const MARY = { firstName: 'Mary', lastName: 'Major', email: 'marym@example.com' };

describe('resources', () => {
  test('one handler function serves every declared user of a stack', () => {
    // GIVEN a stack declaring three users
    const template = Template.fromStack(stackWithUsers(3));
    // THEN there is one function, one role, one log group and three custom resources
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs(RESOURCE_TYPE, 3);
  });

  test('the handler runs on the newest Node.js runtime, on arm64, with its own log group', () => {
    const template = Template.fromStack(stackWithUsers(1));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  test('each user is a custom resource carrying only the declared fields', () => {
    // GIVEN a declaration of two fields
    const stack = newStack();
    new ConnectUserIdentity(stack, 'Mary', { ...EXAMPLE, identityInfo: { lastName: 'Major', mobile: '+12065550100' } });
    // THEN the resource has them, and no key for the others
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('Handler'), 'Arn'] },
      InstanceId: EXAMPLE.instanceId,
      UserId: EXAMPLE.userId,
      IdentityInfo: Match.exact({ LastName: 'Major', Mobile: '+12065550100' }),
      ServiceTimeout: '960',
    });
  });

  test('nothing but CloudFormation, through the service token, can invoke the handler', () => {
    const template = Template.fromStack(stackWithUsers(2));
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  test('exposes the user ARN, from the stack or from an instance ARN', () => {
    // GIVEN one user named by instance ID in an environment, and one by instance ARN
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-2' } });
    const byId = new ConnectUserIdentity(stack, 'ById', { ...EXAMPLE, identityInfo: MARY });
    const byArn = new ConnectUserIdentity(stack, 'ByArn', {
      instanceId: `arn:aws:connect:us-west-2:222222222222:instance/${EXAMPLE.instanceId}`,
      userId: EXAMPLE.userId,
      identityInfo: MARY,
    });
    // THEN the ARNs carry the right region and account, and the bare instance ID
    expect(stack.resolve(byId.userArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:connect:eu-west-2:111111111111:instance/${EXAMPLE.instanceId}/agent/${EXAMPLE.userId}`]],
    });
    expect(byArn.userArn).toBe(`arn:aws:connect:us-west-2:222222222222:instance/${EXAMPLE.instanceId}/agent/${EXAMPLE.userId}`);
    expect(byArn.instanceId).toBe(EXAMPLE.instanceId);
    expect(byArn.userId).toBe(EXAMPLE.userId);
  });

  test('a user named by username exposes the resolved ID and ARN as attributes', () => {
    const stack = newStack();
    const agent = new ConnectUserIdentity(stack, 'Agent', { instanceId: EXAMPLE.instanceId, username: 'marym', identityInfo: MARY });
    expect(stack.resolve(agent.userId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Agent/), 'UserId'] });
    expect(stack.resolve(agent.userArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Agent/), 'UserArn'] });
  });
});

describe('permissions', () => {
  const connectStatements = (template: Template) => {
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    return roles[0].Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
  };

  test('the role may call only the Connect actions the handler uses, write only its own logs, and keep only its own ledger', () => {
    const template = Template.fromStack(stackWithUsers(2));
    const statements = connectStatements(template);
    const actions = statements.flatMap((statement: any) => [statement.Action].flat()).sort();
    expect(actions).toEqual([
      'cloudformation:DescribeStackResource',
      'connect:DescribeInstance',
      'connect:DescribeUser',
      'connect:UpdateUserIdentityInfo',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const logs = statements.find((statement: any) => statement.Sid === 'WriteOwnLogs');
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/LogGroup/), 'Arn'] });
    // The ledger: its own table, and whether CloudFormation waits on a resource of its own stack
    expect(statements.find((statement: any) => statement.Sid === 'CurrentWorkLedger').Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Ledger/), 'Arn'] });
    expect(statements.find((statement: any) => statement.Sid === 'CloudFormationWaits').Resource).toEqual({ Ref: 'AWS::StackId' });
    // No managed policy such as AWSLambdaBasicExecutionRole
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('a few users are granted by their own ARNs', () => {
    const stack = stackWithUsers(2, { env: { account: '111111111111', region: 'eu-west-2' } });
    const statement = connectStatements(Template.fromStack(stack)).find((s: any) => s.Sid === 'ReadAndUpdateDeclaredUsers');
    const resources = stack.resolve(statement.Resource);
    expect(JSON.stringify(resources)).toContain(`instance/${EXAMPLE.instanceId}/agent/${userIdFor(0)}`);
    expect(JSON.stringify(resources)).toContain(`instance/${EXAMPLE.instanceId}/agent/${userIdFor(1)}`);
    expect(JSON.stringify(resources)).not.toContain('agent/*');
  });

  test('many users are granted per instance, keeping the policies within the size budget', () => {
    const template = Template.fromStack(stackWithUsers(100));
    const statement = connectStatements(template).find((s: any) => s.Sid === 'ReadAndUpdateDeclaredUsers');
    expect(JSON.stringify(statement.Resource)).toContain(`instance/${EXAMPLE.instanceId}/agent/*`);
    expect(JSON.stringify(statement.Resource)).not.toContain(userIdFor(0));
  });

  test('an instance only known at deploy time is granted on the user in any instance', () => {
    const stack = newStack();
    const instance = new CfnParameter(stack, 'Instance');
    new ConnectUserIdentity(stack, 'Agent', { instanceId: instance.valueAsString, userId: EXAMPLE.userId, identityInfo: MARY });
    const statement = connectStatements(Template.fromStack(stack)).find((s: any) => s.Sid === 'ReadAndUpdateDeclaredUsers');
    expect(JSON.stringify(statement.Resource)).toContain(`:instance/*/agent/${EXAMPLE.userId}`);
  });
});

describe('validation at synth', () => {
  test('accepts the documented example user', () => {
    expect(synthErrors({ ...EXAMPLE, identityInfo: MARY })).toEqual([]);
  });

  test('fails with every problem at once, naming the construct path and the field but no value', () => {
    // GIVEN a declaration with five mistakes
    const errors = synthErrors({
      instanceId: 'not/an/id',
      userId: EXAMPLE.userId,
      identityInfo: { firstName: 'Jose\u0301', lastName: 'x'.repeat(301), mobile: '0612345678', secondaryEmail: 'mary at example', email: 'marym' },
    });
    const text = errors.join('\n');
    // THEN each is reported with the construct path and the prop
    for (const prop of ['instanceId', 'identityInfo.firstName', 'identityInfo.lastName', 'identityInfo.mobile', 'identityInfo.secondaryEmail', 'identityInfo.email']) {
      expect(text).toMatch(new RegExp(`\\[TestStack/Agent\\] ${prop.replace('.', '\\.')} `));
    }
    // AND no value is echoed
    for (const value of ['Jose', '0612345678', 'mary at example', 'marym']) expect(text).not.toContain(value);
  });

  test('fails a user declared twice in one stack, also once by ID and once by ARN', () => {
    // GIVEN the same user declared by instance ID and by instance ARN
    const stack = newStack();
    new ConnectUserIdentity(stack, 'First', { ...EXAMPLE, identityInfo: { firstName: 'Mary' } });
    new ConnectUserIdentity(stack, 'Second', {
      instanceId: `arn:aws:connect:us-east-1:111111111111:instance/${EXAMPLE.instanceId}`,
      userId: EXAMPLE.userId,
      identityInfo: { lastName: 'Major' },
    });
    // THEN synth names both
    expect(() => Template.fromStack(stack)).toThrow('[TestStack/Second] userId names the same user of the same instance as TestStack/First');
  });

  test('fails a declaration with no identity field', () => {
    expect(synthErrors({ ...EXAMPLE, identityInfo: {} }).join('\n')).toContain('identityInfo declares no field');
  });

  test('fails both or neither of userId and username', () => {
    expect(synthErrors({ instanceId: EXAMPLE.instanceId, identityInfo: MARY }).join('\n')).toContain('userId is required');
    expect(synthErrors({ ...EXAMPLE, username: 'marym', identityInfo: MARY }).join('\n')).toContain('userId and Username are both given');
  });

  test('passes tokens and dynamic references untouched, in every field including the IDs', () => {
    // GIVEN values only known at deploy time
    const stack = newStack();
    const parameter = (id: string) => new CfnParameter(stack, id).valueAsString;
    new ConnectUserIdentity(stack, 'Agent', {
      instanceId: Fn.importValue('ConnectInstanceArn'),
      userId: parameter('UserId'),
      identityInfo: {
        firstName: parameter('FirstName'),
        lastName: '{{resolve:ssm:/agents/mary/last-name}}',
        email: '{{resolve:secretsmanager:agents:SecretString:mary-email}}',
        secondaryEmail: parameter('SecondaryEmail'),
        mobile: parameter('Mobile'),
      },
    });
    // THEN synth succeeds and the template carries them as they are
    const template = Template.fromStack(stack);
    template.hasResourceProperties(RESOURCE_TYPE, {
      InstanceId: { 'Fn::ImportValue': 'ConnectInstanceArn' },
      UserId: { Ref: 'UserId' },
      IdentityInfo: {
        FirstName: { Ref: 'FirstName' },
        LastName: '{{resolve:ssm:/agents/mary/last-name}}',
        Email: '{{resolve:secretsmanager:agents:SecretString:mary-email}}',
        SecondaryEmail: { Ref: 'SecondaryEmail' },
        Mobile: { Ref: 'Mobile' },
      },
    });
  });

  test('fails a userId that is not a user ID, suggesting username and not repeating it', () => {
    // GIVEN an email address typed as the userId
    const errors = synthErrors({ instanceId: EXAMPLE.instanceId, userId: 'jane.doe@example.com', identityInfo: MARY });
    // THEN synth fails on userId, says what an ID looks like and to use username, and does not echo the value
    expect(errors).toEqual(['Validation failed with the following errors:', expect.stringMatching(/^\[TestStack\/Agent\] userId is not a Connect user ID, which is a UUID .*give the username instead \(the Username column or key of a roster\)$/)]);
    expect(errors.join('\n')).not.toContain('jane.doe');
  });

  test('fails an instance ARN whose region is not a region name', () => {
    // GIVEN an instance ARN with "us-east1" for "us-east-1"
    const errors = synthErrors({ ...EXAMPLE, instanceId: `arn:aws:connect:us-east1:123456789012:instance/${EXAMPLE.instanceId}`, identityInfo: MARY });
    // THEN synth fails on instanceId, blaming the region
    expect(errors).toEqual(['Validation failed with the following errors:', expect.stringMatching(/^\[TestStack\/Agent\] instanceId is an instance ARN whose region is not a region name; write it like us-east-1/)]);
  });

  test.each(['us-east-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1', 'eu-central-2'])('accepts an instance ARN in %s', (region) => {
    const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    expect(synthErrors({ ...EXAMPLE, instanceId: `arn:${partition}:connect:${region}:123456789012:instance/${EXAMPLE.instanceId}`, identityInfo: MARY })).toEqual([]);
  });

  test.each([
    ['instanceId', { instanceId: '{{resolve:ssm-secure:/connect/instance}}', userId: EXAMPLE.userId, identityInfo: MARY }],
    ['userId', { instanceId: EXAMPLE.instanceId, userId: '{{resolve:ssm-secure:/connect/mary}}', identityInfo: MARY }],
    ['username', { instanceId: EXAMPLE.instanceId, username: '{{resolve:ssm-secure:/connect/mary-login}}', identityInfo: MARY }],
    ['identityInfo.email', { ...EXAMPLE, identityInfo: { ...MARY, email: '{{resolve:ssm-secure:/connect/mary-email:2}}' } }],
  ])('fails a {{resolve:ssm-secure:...}} reference in %s, which CloudFormation refuses in custom resources', (prop, props) => {
    // GIVEN a secure-string dynamic reference in one prop
    const errors = synthErrors(props);
    // THEN synth fails on that prop alone, saying why and what to use instead
    expect(errors).toEqual([
      'Validation failed with the following errors:',
      `[TestStack/Agent] ${prop} is a {{resolve:ssm-secure:...}} reference, which CloudFormation does not support in custom resources; ` +
        'keep the value in Secrets Manager and use {{resolve:secretsmanager:...}}, or pass a NoEcho parameter',
    ]);
  });

  test('a dynamic reference in an ID passes synth too', () => {
    expect(
      synthErrors({ instanceId: '{{resolve:ssm:/connect/instance-id}}', userId: '{{resolve:ssm:/connect/mary}}', identityInfo: MARY }),
    ).toEqual([]);
  });
});

test('the stack of a declaration is the stack of its handler', () => {
  const stack = stackWithUsers(1);
  expect(Stack.of(stack.node.findChild('ConnectUserIdentityProvider'))).toBe(stack);
});
