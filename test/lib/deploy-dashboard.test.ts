import { App, Duration, Stack, aws_cloudwatch as cloudwatch, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectUserDriftCheck, ConnectUserRoster, Roster, RosterEntry } from '../../lib';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';

function agent(index: number): RosterEntry {
  return { file: 'agents.csv', entry: index + 1, instanceId: INSTANCE, userId: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`, identityInfo: { lastName: `Lastname${index}` } };
}

function rosterOf(stack: Stack, users: number): ConnectUserRoster {
  return new ConnectUserRoster(stack, 'Agents', { roster: { files: [], entries: Array.from({ length: users }, (_, index) => agent(index)) } as unknown as Roster });
}

/** The dashboard's body as the console gets it, with each reference written `${LogicalId}` or `${AWS::...}`. */
function dashboardBody(template: Template): { widgets: any[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
  expect(dashboards).toHaveLength(1);
  const render = (part: any): string =>
    typeof part === 'string' ? part : part.Ref ? `\${${part.Ref}}` : part['Fn::Join'] ? part['Fn::Join'][1].map(render).join(part['Fn::Join'][0]) : JSON.stringify(part);
  return JSON.parse(render(dashboards[0].Properties.DashboardBody));
}

function metricsOf(widget: any): string[] {
  return (widget.properties.metrics ?? []).map((metric: any[]) => metric.filter((part) => typeof part === 'string').slice(0, 2).join('/'));
}

describe('ConnectUserRoster deploy metrics', () => {
  test('each metric reads the stack\'s roster deploys, in the drift metrics\' namespace, with a statistic that fits it', () => {
    // GIVEN a roster
    const stack = new Stack(new App(), 'Center');
    const roster = rosterOf(stack, 3);

    // THEN its metrics name the namespace, the service and the stack, and aggregate as their meaning asks
    const metrics = [
      roster.metricUsersDone(),
      roster.metricUsersTotal(),
      roster.metricUsersWritten(),
      roster.metricUsersUnchanged(),
      roster.metricUsersFailed(),
      roster.metricThrottledRequests(),
      roster.metricUsersPerSecond(),
    ];
    expect(metrics.map((metric) => [metric.metricName, metric.statistic])).toEqual([
      ['UsersDone', 'Maximum'],
      ['UsersTotal', 'Maximum'],
      ['UsersWritten', 'Sum'],
      ['UsersUnchanged', 'Sum'],
      ['UsersFailed', 'Sum'],
      ['ThrottledRequests', 'Sum'],
      ['UsersPerSecond', 'Average'],
    ]);
    for (const metric of metrics) {
      expect(metric.namespace).toBe('ConnectUserIdentity');
      expect(metric.dimensions).toEqual({ service: 'RosterDeploy', StackName: 'Center' });
    }
    // AND a caller's options win, as with any CDK metric
    expect(roster.metricUsersDone({ statistic: 'Average', period: Duration.minutes(1) })).toMatchObject({ statistic: 'Average', period: Duration.minutes(1) });
    expect(roster.metric('UsersDone').statistic).toBe('Sum');
  });

  test('alarms in one line, e.g. on a failed user', () => {
    // GIVEN an alarm on the roster's failed users
    const stack = new Stack(new App(), 'Center');
    const roster = rosterOf(stack, 3);
    new cloudwatch.Alarm(stack, 'UsersFailed', { metric: roster.metricUsersFailed(), threshold: 1, evaluationPeriods: 1 });

    // THEN the alarm reads the metric the stages publish
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ConnectUserIdentity',
      MetricName: 'UsersFailed',
      Dimensions: [
        { Name: 'StackName', Value: 'Center' },
        { Name: 'service', Value: 'RosterDeploy' },
      ],
      Statistic: 'Sum',
    });
  });
});

describe('ConnectUserRoster.addDashboard', () => {
  test('shows progress, outcomes, pace and throttling, the latest progress lines, and drift', () => {
    // GIVEN a roster with a dashboard, and a drift check declared after it
    const stack = new Stack(new App(), 'Center');
    const roster = rosterOf(stack, 3);
    roster.addDashboard();
    new ConnectUserDriftCheck(stack, 'Drift');

    // THEN one dashboard holds every part, the drift row included
    const body = dashboardBody(Template.fromStack(stack));
    expect(body.widgets.map((widget) => widget.properties.title ?? widget.type)).toEqual([
      'text',
      'Users done of total',
      'Now',
      'What became of the users',
      'Pace and throttling',
      'Latest progress lines',
      'Drift (edits made in Connect), per hour',
    ]);
    expect(metricsOf(body.widgets[1])).toEqual(['ConnectUserIdentity/UsersDone', 'ConnectUserIdentity/UsersTotal']);
    expect(metricsOf(body.widgets[3])).toEqual(['ConnectUserIdentity/UsersWritten', 'ConnectUserIdentity/UsersUnchanged', 'ConnectUserIdentity/UsersFailed']);
    expect(metricsOf(body.widgets[4])).toEqual(['ConnectUserIdentity/UsersPerSecond', 'ConnectUserIdentity/ThrottledRequests']);
    expect(metricsOf(body.widgets[6])).toEqual([
      'ConnectUserIdentity/UsersChecked',
      'ConnectUserIdentity/UsersDrifted',
      'ConnectUserIdentity/UsersCorrected',
      'ConnectUserIdentity/UsersFailed',
      'ConnectUserIdentity/UsersNotChecked',
    ]);
    // AND the declared users are marked on the progress graph
    expect(body.widgets[1].properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 3 })]);
    // AND the text and the log query name the handler's log group, where the progress lines are
    expect(body.widgets[0].properties.markdown).toMatch(/aws logs tail \$\{ConnectUserIdentityProviderLogGroup[0-9A-F]+\} --follow/);
    expect(body.widgets[5].properties.query).toMatch(/^SOURCE '\$\{ConnectUserIdentityProviderLogGroup[0-9A-F]+\}' \| fields [^\n]*\n\| filter message = "deploy progress"/);
    // AND the whole body is as reviewed
    expect(body).toMatchSnapshot();
  });

  test('leaves the drift row out when the stack has no drift check', () => {
    // GIVEN a roster with a dashboard, and no drift check
    const stack = new Stack(new App(), 'Center');
    rosterOf(stack, 3).addDashboard({ dashboardName: 'agents-deploy', timeRange: Duration.hours(12) });

    // THEN the dashboard has no drift row, and the name and time range asked for
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'agents-deploy' });
    const body = dashboardBody(template);
    expect(body.widgets.map((widget) => widget.properties.title)).not.toContain('Drift (edits made in Connect), per hour');
    expect(body).toMatchObject({ start: '-PT12H' });
  });
});

describe('ConnectUserDriftCheck.grantRunCheck', () => {
  test('lets a pipeline role invoke the check function, and nothing else', () => {
    // GIVEN a pipeline role granted a check on demand
    const stack = new Stack(new App(), 'Center');
    rosterOf(stack, 1);
    const drift = new ConnectUserDriftCheck(stack, 'Drift');
    const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.AccountRootPrincipal() });
    drift.grantRunCheck(pipeline);

    // THEN the role's policy allows lambda:InvokeFunction on the check function (and its versions) only
    const template = Template.fromStack(stack);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy: any) => policy.Properties.Roles.some((role: any) => role.Ref?.startsWith('Pipeline'))) as any[];
    expect(policies).toHaveLength(1);
    const checkFunction = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.checkDrift' } }))[0];
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [{ 'Fn::GetAtt': [checkFunction, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [checkFunction, 'Arn'] }, ':*']] }],
      },
    ]);
  });
});
