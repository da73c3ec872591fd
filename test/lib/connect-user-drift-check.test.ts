import { App, Duration, RemovalPolicy, Stack, aws_cloudwatch as cloudwatch, aws_events as events, aws_logs as logs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConnectUserDriftCheck, ConnectUserDriftCheckProps, ConnectUserIdentity, ConnectUserIdentityProvider, ConnectUserRoster, Roster, RosterEntry } from '../../lib';

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

/** The payload a schedule sends (the incremental checks' unless `expression` says which), with the event's time and ID as `"time"` and `"id"`. */
function payloadOf(template: Template, expression?: string): unknown {
  const rules = Object.values(template.findResources('AWS::Events::Rule')) as any[];
  const rule = expression ? rules.find((each) => each.Properties.ScheduleExpression === expression) : rules.find((each) => !each.Properties.Targets[0].InputTransformer.InputTemplate.includes('"full"'));
  return JSON.parse(rule.Properties.Targets[0].InputTransformer.InputTemplate.replace('<time>', '"time"').replace('<id>', '"id"'));
}

/** The synth errors of a stack with one drift check of these props. */
function synthErrors(props: ConnectUserDriftCheckProps): string {
  const { app } = stackWith((stack) => new ConnectUserDriftCheck(stack, 'Drift', props));
  try {
    app.synth();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('ConnectUserDriftCheck', () => {
  test('schedules incremental checks at the given interval, and full re-reads on their own schedule', () => {
    // GIVEN a roster and a check every six hours, with a full re-read every week
    const { stack } = stackWith((stack) => {
      new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: [agent(0), agent(1)] } as unknown as Roster });
      new ConnectUserDriftCheck(stack, 'Drift', { interval: Duration.hours(6), fullCheckInterval: Duration.days(7) });
    });
    const template = Template.fromStack(stack);

    // THEN one rule starts incremental checks every six hours, telling them to stop at 95% of it, another full re-reads every week, each naming its event
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    expect(payloadOf(template)).toEqual({ action: 'check-drift', scheduledAt: 'time', eventId: 'id', maxDurationSeconds: 20_520 });
    expect(payloadOf(template, 'rate(7 days)')).toEqual({ action: 'check-drift', full: true, scheduledAt: 'time', eventId: 'id', maxDurationSeconds: 574_560 });
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

describe('ConnectUserDriftCheck: schedule', () => {
  test('runs on a cron schedule, each check stopping after maxDuration', () => {
    // GIVEN a check every hour of business hours, given 50 minutes
    const { stack } = stackWith((stack) => {
      new ConnectUserDriftCheck(stack, 'Drift', {
        schedule: events.Schedule.cron({ minute: '0', hour: '8-17', weekDay: 'MON-FRI' }),
        maxDuration: Duration.minutes(50),
      });
    });
    const template = Template.fromStack(stack);

    // THEN the rule has the cron expression, and the payload the time limit
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 8-17 ? * MON-FRI *)' });
    expect(payloadOf(template)).toEqual({ action: 'check-drift', scheduledAt: 'time', eventId: 'id', maxDurationSeconds: 3_000 });
  });

  test.each([
    ['a rate schedule', { schedule: events.Schedule.rate(Duration.minutes(30)) }, 'rate(30 minutes)', 1_710],
    ['a rate expression', { schedule: events.Schedule.expression('rate(2 days)') }, 'rate(2 days)', 164_160],
    ['an interval with a shorter maxDuration', { interval: Duration.hours(2), maxDuration: Duration.minutes(30) }, 'rate(2 hours)', 1_800],
    ['the default', {}, 'rate(15 minutes)', 855],
  ] as [string, ConnectUserDriftCheckProps, string, number][])('stops a check of %s before the next is due', (_, props, expression, seconds) => {
    // GIVEN a check on a fixed interval
    const template = Template.fromStack(stackWith((stack) => new ConnectUserDriftCheck(stack, 'Drift', props)).stack);
    // THEN the rule has that rate, and a check may take 95% of it unless maxDuration says less
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: expression });
    expect(payloadOf(template)).toEqual({ action: 'check-drift', scheduledAt: 'time', eventId: 'id', maxDurationSeconds: seconds });
  });

  test('fails synth on a cron schedule without maxDuration, saying what to set', () => {
    expect(synthErrors({ schedule: events.Schedule.cron({ minute: '0', hour: '9' }) })).toContain(
      '[Center/Drift] schedule is cron(0 9 * * ? *), which has no fixed interval: set maxDuration, shorter than the shortest time between two of its runs',
    );
  });

  test('fails synth on both interval and schedule', () => {
    expect(synthErrors({ interval: Duration.hours(1), schedule: events.Schedule.rate(Duration.hours(1)) })).toContain(
      '[Center/Drift] interval and schedule are both given: give one of them',
    );
  });

  test('fails synth on a maxDuration longer than the interval, or shorter than a minute', () => {
    expect(synthErrors({ interval: Duration.hours(1), maxDuration: Duration.minutes(61) })).toContain(
      '[Center/Drift] maxDuration (1 hour 1 minute) is longer than the interval (1 hour): a check would still run when the next one starts',
    );
    expect(synthErrors({ schedule: events.Schedule.rate(Duration.minutes(10)), maxDuration: Duration.minutes(11) })).toContain('is longer than the interval (10 minutes)');
    expect(synthErrors({ schedule: events.Schedule.cron({ minute: '0' }), maxDuration: Duration.seconds(30) })).toContain(
      '[Center/Drift] maxDuration is 30 seconds: give a check at least 1 minute',
    );
    // AND the limits themselves pass
    expect(synthErrors({ interval: Duration.hours(1), maxDuration: Duration.hours(1) })).toBe('');
    expect(synthErrors({ schedule: events.Schedule.cron({ minute: '0' }), maxDuration: Duration.minutes(1) })).toBe('');
  });
});

describe('ConnectUserDriftCheck: its log group', () => {
  /** The drift check's log group, by its logical ID. */
  function checkLogGroup(template: Template): { Properties: { RetentionInDays?: number }; DeletionPolicy: string; UpdateReplacePolicy: string } {
    const [, logGroup] = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(([id]) => id.startsWith('Drift'))!;
    return logGroup as any;
  }

  test('keeps logs a year and is retained, by default', () => {
    const logGroup = checkLogGroup(Template.fromStack(stackWith((stack) => new ConnectUserDriftCheck(stack, 'Drift')).stack));
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('takes its own retention and removal policy', () => {
    const logGroup = checkLogGroup(
      Template.fromStack(
        stackWith((stack) => new ConnectUserDriftCheck(stack, 'Drift', { logRetention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY })).stack,
      ),
    );
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test("follows the stack's provider settings, given before or after it, unless its own props say otherwise", () => {
    // GIVEN the stack configured after one check and before another, which sets its own retention
    const template = Template.fromStack(
      stackWith((stack) => {
        new ConnectUserDriftCheck(stack, 'Drift');
        ConnectUserIdentityProvider.configure(stack, { logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
        new ConnectUserDriftCheck(stack, 'DriftOwn', { logRetention: logs.RetentionDays.THREE_DAYS });
      }).stack,
    );
    // THEN the first follows the settings; the second keeps its retention and follows the removal policy
    const groups = template.findResources('AWS::Logs::LogGroup');
    const byPrefix = (prefix: string) => Object.entries(groups).find(([id]) => id.startsWith(prefix))![1];
    expect(byPrefix('DriftLogGroup')).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    expect(byPrefix('DriftOwnLogGroup')).toMatchObject({ Properties: { RetentionInDays: 3 }, DeletionPolicy: 'Delete' });
  });
});
