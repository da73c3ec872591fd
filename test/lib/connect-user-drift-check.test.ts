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
  test('schedules a check of the whole stack at the given interval', () => {
    // GIVEN a roster and a check every six hours
    const { stack } = stackWith((stack) => {
      new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: [agent(0), agent(1)] } as unknown as Roster });
      new ConnectUserDriftCheck(stack, 'Drift', { interval: Duration.hours(6) });
    });
    const template = Template.fromStack(stack);

    // THEN a rule starts the check function with the interval, and the function knows its stack
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0] as any;
    expect(JSON.parse(rule.Properties.Targets[0].InputTransformer.InputTemplate.replace('<time>', '"time"'))).toEqual({
      action: 'check-drift',
      scheduledAt: 'time',
      intervalSeconds: 21_600,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.checkDrift',
      Runtime: 'nodejs24.x',
      Environment: { Variables: { STACK_ID: { Ref: 'AWS::StackId' }, STACK_NAME: { Ref: 'AWS::StackName' }, CORRECT_DRIFT: 'false' } },
    });
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
    expect(checkActions(reading)).toEqual(expect.arrayContaining(['connect:DescribeUser', 'connect:DescribeInstance', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate']));
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
    expect([drift.metricUsersChecked(), drift.metricUsersCorrected(), drift.metricUsersFailed(), drift.metricUsersNotChecked()].map((metric) => metric.metricName)).toEqual([
      'UsersChecked',
      'UsersCorrected',
      'UsersFailed',
      'UsersNotChecked',
    ]);
  });

  test('reports nothing in cdk-nag AwsSolutions', () => {
    // GIVEN a 3,000-user roster checked with correction
    const { app } = stackWith((stack) => {
      new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: Array.from({ length: 3_000 }, (_, index) => agent(index)) } as unknown as Roster });
      new ConnectUserDriftCheck(stack, 'Drift', { correct: true });
    });
    app.synth();

    // THEN nothing is left unacknowledged
    expect(new AwsSolutionsChecks().validateScope(app).violations.map((violation) => `${violation.ruleName} ${JSON.stringify(violation)}`.slice(0, 300))).toEqual([]);
  });
});
