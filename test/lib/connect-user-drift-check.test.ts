import { App, Duration, Stack, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConnectUserDriftCheck, ConnectUserIdentity, ConnectUserRoster, Roster, RosterEntry } from '../../lib';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';

function agent(index: number): RosterEntry {
  return { file: 'agents.csv', entry: index + 1, instanceId: INSTANCE, userId: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`, identityInfo: { lastName: `Lastname${index}` } };
}

function stackWith(declare: (stack: Stack) => void): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Center');
  declare(stack);
  return { app, stack };
}

/** Every action the check's role may take, from its inline policy. */
function checkActions(template: Template): string[] {
  const role = Object.values(template.findResources('AWS::IAM::Role')).find((each: any) => each.Properties.Description.startsWith('Checks')) as any;
  return role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement.flatMap((statement: any) => [statement.Action].flat()));
}

describe('ConnectUserDriftCheck', () => {
  test('schedules incremental checks at the given interval, and full re-reads on their own schedule', () => {
    // GIVEN a roster and a check every six hours, with a full re-read every week
    const { stack } = stackWith((stack) => {
      new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: [agent(0), agent(1)] } as unknown as Roster });
      new ConnectUserDriftCheck(stack, 'Drift', { interval: Duration.hours(6), fullCheckInterval: Duration.days(7) });
    });
    const template = Template.fromStack(stack);

    // THEN one rule starts incremental checks every six hours, another full re-reads every week, each naming its event
    const inputOf = (expression: string) => {
      const rule = Object.values(template.findResources('AWS::Events::Rule')).find((each: any) => each.Properties.ScheduleExpression === expression) as any;
      return JSON.parse(rule.Properties.Targets[0].InputTransformer.InputTemplate.replace('<time>', '"time"').replace('<id>', '"id"'));
    };
    expect(inputOf('rate(6 hours)')).toEqual({ action: 'check-drift', scheduledAt: 'time', eventId: 'id', intervalSeconds: 21_600 });
    expect(inputOf('rate(7 days)')).toEqual({ action: 'check-drift', full: true, scheduledAt: 'time', eventId: 'id', intervalSeconds: 604_800 });
    // AND a check that waited in Lambda's queue longer than its interval is dropped (the next one covers it); a failed one is tried twice more
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 21_600, MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.checkDrift',
      Runtime: 'nodejs24.x',
      Environment: { Variables: { STACK_ID: { Ref: 'AWS::StackId' }, STACK_NAME: { Ref: 'AWS::StackName' }, CORRECT_DRIFT: 'false' } },
    });
  });

  test('checks every 15 minutes and re-reads every user daily by default, and waits at most 15 minutes in the queue', () => {
    // GIVEN a check with the defaults
    const template = Template.fromStack(stackWith((stack) => new ConnectUserDriftCheck(stack, 'Drift')).stack);

    // THEN
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 900 });
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.anyValue() }, 0);
  });

  test("with checkOnEdit, a rule sends CloudTrail's user changes to the check, except the stack's own roles' calls", () => {
    // GIVEN a check of edits as they happen
    const { stack } = stackWith((stack) => {
      new ConnectUserIdentity(stack, 'Mary', { instanceId: INSTANCE, userId: agent(0).userId!, identityInfo: { lastName: 'Major' } });
      new ConnectUserDriftCheck(stack, 'Drift', { checkOnEdit: true });
    });
    const template = Template.fromStack(stack);

    // THEN the rule matches Connect's user-changing calls, whoever made them but the deploy's and the check's roles
    const roleOf = (description: string) => Object.entries(template.findResources('AWS::IAM::Role')).find(([, role]: [string, any]) => role.Properties.Description.startsWith(description))![0];
    const ownRoles = [{ 'Fn::GetAtt': [roleOf('Reads and updates'), 'Arn'] }, { 'Fn::GetAtt': [roleOf('Checks'), 'Arn'] }];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.connect'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['connect.amazonaws.com'],
          eventName: ['UpdateUserIdentityInfo', 'CreateUser', 'DeleteUser'],
          userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': ownRoles }, { exists: false }] } } },
        },
      },
    });
    // AND the function knows the same roles, to ignore their calls if one reaches it
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.checkDrift', Environment: { Variables: Match.objectLike({ OWN_ROLE_ARNS: { 'Fn::Join': [',', ownRoles] } }) } });
  });

  test('reads without correction, and may write only with it', () => {
    // GIVEN a check without correction, and one with
    const reading = Template.fromStack(stackWith((stack) => {
      new ConnectUserIdentity(stack, 'Mary', { instanceId: INSTANCE, userId: agent(0).userId!, identityInfo: { lastName: 'Major' } });
      new ConnectUserDriftCheck(stack, 'Drift');
    }).stack);
    const correcting = Template.fromStack(stackWith((stack) => {
      new ConnectUserIdentity(stack, 'Mary', { instanceId: INSTANCE, userId: agent(0).userId!, identityInfo: { lastName: 'Major' } });
      new ConnectUserDriftCheck(stack, 'Drift', { correct: true });
    }).stack);

    // THEN only the correcting check may call UpdateUserIdentityInfo; both read the stack and the users
    expect(checkActions(reading)).not.toContain('connect:UpdateUserIdentityInfo');
    expect(checkActions(reading)).toEqual(expect.arrayContaining(['connect:DescribeUser', 'connect:DescribeInstance', 'connect:ListUsers', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate']));
    expect(checkActions(correcting)).toContain('connect:UpdateUserIdentityInfo');
  });

  test('gives a metric to alarm on in one line', () => {
    // GIVEN a check
    const { stack } = stackWith(() => undefined);
    const drift = new ConnectUserDriftCheck(stack, 'Drift');

    // WHEN an alarm is put on drift
    new cloudwatch.Alarm(stack, 'DriftAlarm', { metric: drift.metricUsersDrifted(), threshold: 1, evaluationPeriods: 1 });

    // THEN it watches the sum of drifted users of this stack's check
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: Match.arrayWith([{ Name: 'service', Value: 'DriftCheck' }]) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConnectUserIdentity',
      MetricName: 'UsersDrifted',
      Statistic: 'Sum',
      Dimensions: Match.arrayWith([{ Name: 'StackName', Value: 'Center' }]),
    });
    expect([drift.metricUsersChecked(), drift.metricUsersRead(), drift.metricUsersCorrected(), drift.metricUsersFailed(), drift.metricUsersNotChecked(), drift.metricCoverageLag()].map((metric) => metric.metricName)).toEqual([
      'UsersChecked',
      'UsersRead',
      'UsersCorrected',
      'UsersFailed',
      'UsersNotChecked',
      'CoverageLagSeconds',
    ]);
    expect(drift.metricCoverageLag().statistic).toBe('Maximum');
  });

  test('reports nothing in cdk-nag AwsSolutions', () => {
    // GIVEN a 3,000-user roster checked with correction
    const { app } = stackWith((stack) => {
      new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: Array.from({ length: 3_000 }, (_, index) => agent(index)) } as unknown as Roster });
      new ConnectUserDriftCheck(stack, 'Drift', { correct: true, checkOnEdit: true });
    });
    app.synth();

    // THEN nothing is left unacknowledged
    expect(new AwsSolutionsChecks().validateScope(app).violations.map((violation) => `${violation.ruleName} ${JSON.stringify(violation)}`.slice(0, 300))).toEqual([]);
  });
});
