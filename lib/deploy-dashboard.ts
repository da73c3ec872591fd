/**
 * The CloudWatch dashboard of a stack's roster deploys: how far a deploy got and how fast it goes, what
 * became of the users, whether Connect throttles, the stage's latest progress lines, and drift. Built by
 * `ConnectUserRoster.addDashboard()`.
 */
import { Aspects, Duration, Stack, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ConnectUserDriftCheck } from './connect-user-drift-check';
import { ConnectUserIdentityProvider } from './connect-user-identity-provider';

/** Properties of the dashboard of a [ConnectUserRoster](#connect-user-identity.ConnectUserRoster)'s deploys. */
export interface RosterDashboardProps {
  /**
   * The dashboard's name.
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
  /**
   * The drift check whose results the dashboard shows.
   * @default - the stack's `ConnectUserDriftCheck`, if it has one when the app synthesizes; else no drift row
   */
  readonly driftCheck?: ConnectUserDriftCheck;
  /**
   * The period of the deploy's graphs: a stage publishes its progress once a minute.
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
  /**
   * How far back the dashboard looks when opened.
   * @default Duration.hours(3)
   */
  readonly timeRange?: Duration;
}

/** What the dashboard reads from the roster: its metrics, by the construct's own methods. */
export interface RosterDeployMetrics {
  metricUsersDone(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricUsersTotal(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricUsersWritten(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricUsersUnchanged(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricUsersFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricThrottledRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricUsersPerSecond(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

const FULL = 24;
const HALF = 12;

/** Builds the dashboard as a child of `scope`, the roster. */
export function rosterDashboard(scope: IConstruct & RosterDeployMetrics, id: string, usersDeclared: number, props: RosterDashboardProps): cloudwatch.Dashboard {
  const stack = Stack.of(scope);
  const period = props.period ?? Duration.minutes(1);
  const provider = ConnectUserIdentityProvider.of(scope);
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    dashboardName: props.dashboardName,
    defaultInterval: props.timeRange ?? Duration.hours(3),
  });
  const logGroup = provider.logGroup.logGroupName;

  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      width: FULL,
      height: 3,
      markdown: [
        `## Roster deploys of ${stack.stackName}`,
        'Each stage publishes its progress once a minute: counts only, never a name or an ID. To follow the stages as they work:',
        `\`aws logs tail ${logGroup} --follow --format short --filter-pattern '{ $.message = "deploy progress" }'\``,
      ].join('\n\n'),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Users done of total',
      width: HALF,
      left: [scope.metricUsersDone({ period, label: 'done' }), scope.metricUsersTotal({ period, label: 'in this deploy' })],
      leftYAxis: { min: 0, showUnits: false },
      leftAnnotations: [{ value: usersDeclared, label: 'declared by this roster', color: cloudwatch.Color.GREY }],
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Now',
      width: HALF,
      height: 6,
      metrics: [
        scope.metricUsersDone({ period, label: 'users done' }),
        scope.metricUsersTotal({ period, label: 'of' }),
        scope.metricUsersPerSecond({ period, label: 'users a second' }),
        scope.metricThrottledRequests({ period, label: 'throttled requests, last minute' }),
      ],
      sparkline: true,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'What became of the users',
      width: HALF,
      stacked: true,
      left: [
        scope.metricUsersWritten({ period, label: 'written', color: cloudwatch.Color.BLUE }),
        scope.metricUsersUnchanged({ period, label: 'unchanged', color: cloudwatch.Color.GREEN }),
        scope.metricUsersFailed({ period, label: 'failed', color: cloudwatch.Color.RED }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Pace and throttling',
      width: HALF,
      left: [scope.metricUsersPerSecond({ period, label: 'users a second' })],
      right: [scope.metricThrottledRequests({ period, label: 'throttled requests', color: cloudwatch.Color.ORANGE })],
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.LogQueryWidget({
      title: 'Latest progress lines',
      width: FULL,
      logGroupNames: [logGroup],
      queryLines: [
        'fields @timestamp, stage, done, total, written, unchanged, failed, throttled, usersPerSecond',
        'filter message = "deploy progress"',
        'sort @timestamp desc',
        'limit 20',
      ],
    }),
  );

  const addDrift = (check: ConnectUserDriftCheck) => {
    const hourly = { period: Duration.hours(1) };
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Drift (edits made in Connect), per hour',
        width: FULL,
        left: [
          check.metricUsersChecked({ ...hourly, label: 'checked' }),
          check.metricUsersDrifted({ ...hourly, label: 'drifted', color: cloudwatch.Color.ORANGE }),
          check.metricUsersCorrected({ ...hourly, label: 'corrected', color: cloudwatch.Color.GREEN }),
          check.metricUsersFailed({ ...hourly, label: 'failed', color: cloudwatch.Color.RED }),
          check.metricUsersNotChecked({ ...hourly, label: 'not checked', color: cloudwatch.Color.GREY }),
        ],
        leftYAxis: { min: 0, showUnits: false },
      }),
    );
  };
  if (props.driftCheck) {
    addDrift(props.driftCheck);
  } else {
    // A drift check may be declared after the dashboard: look for it once the stack is complete.
    Aspects.of(dashboard).add({
      visit: (node: IConstruct) => {
        if (node !== dashboard) return;
        const check = stack.node.findAll().find((each): each is ConnectUserDriftCheck => each instanceof ConnectUserDriftCheck);
        if (check) addDrift(check);
      },
    });
  }
  return dashboard;
}
