/**
 * Scheduled drift checks of the identities a stack declares: a function that compares the declared
 * fields of the declared users with what Connect holds (reading only the users Connect says changed, and
 * every user on a longer schedule of its own), reports drift as metrics and log lines without values,
 * and, when asked, writes the declared fields back; optionally also within seconds of an edit, from
 * CloudTrail's events.
 */
import {
  Aspects,
  Aws,
  Duration,
  Fn,
  Lazy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { policyDocument, StatementJson } from './connect-access-policy';
import { ASYNC_INVOKE_SETTINGS, ConnectUserIdentityLogOptions, ConnectUserIdentityProvider, handlerFunctionDefaults } from './connect-user-identity-provider';
import { LEDGER_TABLE_ENV } from './resource-properties';
import { OWN_ROLES_ENV, USER_CHANGE_EVENT_NAMES } from './drift-events';
import { DRIFT_METRICS } from './drift-metrics';
import { acknowledgeWildcardResources } from './policy-acknowledgements';

/**
 * Properties of a [ConnectUserDriftCheck](#connect-user-identity.ConnectUserDriftCheck). Its log group
 * takes `logRetention` and `removalPolicy`; left out, it follows
 * [ConnectUserIdentityProvider.configure](#connect-user-identity.ConnectUserIdentityProvider.configure).
 */
export interface ConnectUserDriftCheckProps extends ConnectUserIdentityLogOptions {
  /**
   * How often to check for edits, as a fixed interval. A check lists the users of each declared
   * instance (1,000 a request) and reads only those Connect says were modified since they were last
   * known to match: a 10,000-agent center with ten edits costs about 25 Connect requests and a few
   * seconds. A check stops before the next one is due (see `maxDuration`); one that could not finish (a
   * whole center's first check, which reads everyone) is continued by the next. Give either `interval`
   * or `schedule`.
   * @default - Duration.minutes(15), unless `schedule` is given
   */
  readonly interval?: Duration;
  /**
   * When to check, as an EventBridge schedule: `events.Schedule.rate(...)`, or a cron expression in UTC
   * for checks at set times, such as business hours:
   * `events.Schedule.cron({ minute: '0', hour: '8-17', weekDay: 'MON-FRI' })`. A cron schedule has no
   * fixed interval, so it needs `maxDuration`. Give either `interval` or `schedule`.
   * @default - every `interval`
   */
  readonly schedule?: events.Schedule;
  /**
   * How long one check may go on, from the time its schedule fired, before it stops unfinished (its
   * metrics and log then count what it did). Keep it shorter than the shortest time between two runs
   * of the schedule, so that two checks never work at once and share Connect's quota. Required with a
   * cron schedule; at most the interval with a rate.
   * @default - 95% of the interval (57 minutes for an hourly check)
   */
  readonly maxDuration?: Duration;
  /**
   * How often to read every declared user, whatever Connect says changed: the safety net of the
   * incremental checks. At Connect's default quota (DescribeUser 10 a second) a full re-read takes about
   * (users ÷ 10) seconds. Run one on demand with `{"action":"check-drift","full":true}`.
   * @default Duration.days(1)
   */
  readonly fullCheckInterval?: Duration;
  /**
   * Whether to check a user as soon as CloudTrail reports a change to it (an EventBridge rule on
   * Connect's "AWS API Call via CloudTrail" events of UpdateUserIdentityInfo, CreateUser and DeleteUser,
   * ignoring the calls of this stack's own roles): drift is then reported within about a minute of the
   * edit, with at most three Connect requests when only reporting. The account needs a CloudTrail trail
   * that logs management events in the region.
   * @default false
   */
  readonly checkOnEdit?: boolean;
  /**
   * Whether to write the declared fields back to a drifted user (with the deploy's merge: undeclared
   * fields are never touched, users that match are never written). Without it, the check only reports,
   * and its role cannot write.
   * @default false
   */
  readonly correct?: boolean;
}

/**
 * The incremental checks' default interval. Measured (BENCHMARKS.md, section 5): a check of a 10,000-agent
 * roster with ten edits makes 10 ListUsers, 10 DescribeUser and 1 DescribeInstance requests in a few
 * seconds at Connect's default quotas; every 15 minutes that is well under 1% of those quotas, and an
 * edit is reported within 15 minutes plus a check's few seconds.
 */
const DEFAULT_INTERVAL = Duration.minutes(15);

/**
 * How long a scheduled check may wait in Lambda's queue: its interval (within Lambda's 1 minute to 6
 * hours), after which the next scheduled check has superseded it and covers its span.
 */
function eventAgeFor(periodSeconds: number | undefined): Duration {
  if (periodSeconds === undefined || Token.isUnresolved(periodSeconds)) return ASYNC_INVOKE_SETTINGS.maxEventAge;
  return Duration.seconds(Math.min(21_600, Math.max(60, periodSeconds)));
}

/** How much of a fixed interval a check may take by default: the rest is the margin before the next. */
const DEFAULT_SHARE_OF_INTERVAL = 0.95;

const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3_600, hours: 3_600, day: 86_400, days: 86_400 };

/** The interval of a rate schedule in seconds, or `undefined` for a cron (or unresolved) schedule. */
function rateSeconds(schedule: events.Schedule): number | undefined {
  if (Token.isUnresolved(schedule.expressionString)) return undefined;
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(schedule.expressionString.trim());
  return match ? Number(match[1]) * RATE_UNIT_SECONDS[match[2]] : undefined;
}

/** A duration in the words of a message: `50 minutes`, `1 hour 30 minutes`. */
function describeSeconds(seconds: number): string {
  return Duration.seconds(seconds).toHumanString();
}

/**
 * The schedule, the longest a check may take (seconds, for the payload), and the problems of the
 * props, each a synth error.
 */
function planChecks(props: ConnectUserDriftCheckProps): { schedule: events.Schedule; periodSeconds?: number; maxDurationSeconds?: number; problems: string[] } {
  const problems: string[] = [];
  if (props.interval !== undefined && props.schedule !== undefined) {
    problems.push('interval and schedule are both given: give one of them, interval for a fixed interval or schedule for an events.Schedule');
  }
  const schedule = props.schedule ?? events.Schedule.rate(props.interval ?? DEFAULT_INTERVAL);
  const period = props.schedule !== undefined ? rateSeconds(props.schedule) : (props.interval ?? DEFAULT_INTERVAL).toSeconds();
  const given = props.maxDuration !== undefined && !Token.isUnresolved(props.maxDuration.toSeconds()) ? props.maxDuration.toSeconds() : undefined;
  if (props.maxDuration !== undefined && given !== undefined && given < 60) {
    problems.push(`maxDuration is ${describeSeconds(given)}: give a check at least 1 minute`);
  }
  if (period === undefined && props.maxDuration === undefined) {
    problems.push(
      `schedule ${Token.isUnresolved(schedule.expressionString) ? 'is only known at deploy time' : `is ${schedule.expressionString}`}, which has no fixed interval: ` +
        'set maxDuration, shorter than the shortest time between two of its runs (e.g. Duration.minutes(50) for a check every hour), so that a check stops before the next starts',
    );
  }
  if (period !== undefined && given !== undefined && given > period) {
    problems.push(
      `maxDuration (${describeSeconds(given)}) is longer than the interval (${describeSeconds(period)}): a check would still run when the next one starts; give at most the interval`,
    );
  }
  const maxDurationSeconds = given ?? (period !== undefined ? Math.floor(period * DEFAULT_SHARE_OF_INTERVAL) : undefined);
  return { schedule, periodSeconds: period, maxDurationSeconds, problems };
}

/**
 * Checks, on a schedule, that Connect still holds what this stack declares for each of its users
 * (rosters and single declarations alike), and reports drift without values: metrics (`metric...()`
 * below), and one log line per drifted user with its instance ID, user ID and field names. With
 * `correct`, puts the declared fields back.
 *
 * A check reads the declaration deployed now (the stack's template, and the roster files it names),
 * skips while the stack is being deployed or rolled back, and stops before writing or reporting if a
 * deploy starts. It reads only users modified since they were last known to match (that moment is kept,
 * without any identity value, in the stack's ledger table); a full re-read runs on its own schedule.
 * Declarations holding a value only CloudFormation can resolve (a parameter, a dynamic reference) are
 * counted as not checked. Run one now with
 * `aws lambda invoke --function-name <function> --cli-binary-format raw-in-base64-out --payload '{"action":"check-drift"}' out.json`.
 */
export class ConnectUserDriftCheck extends Construct {
  /** The function that checks; its name is what `aws lambda invoke` takes. */
  public readonly function: lambda.Function;
  /** Its role: reads of the declared users (and writes with `correct`), the stack's template, the roster files. */
  public readonly role: iam.Role;
  /** The schedule. */
  public readonly rule: events.Rule;
  /** The schedule of the full re-reads. */
  public readonly fullCheckRule: events.Rule;
  /** The rule that starts a check of an edited user, with `checkOnEdit`. */
  public readonly editRule?: events.Rule;
  /** Whether drifted users are written back. */
  public readonly correct: boolean;

  private readonly stackName: string;

  constructor(scope: Construct, id: string, props: ConnectUserDriftCheckProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const provider = ConnectUserIdentityProvider.of(this);
    const plan = planChecks(props);
    this.node.addValidation({ validate: () => plan.problems });
    this.correct = props.correct ?? false;
    this.stackName = stack.stackName;

    const logGroup = new logs.LogGroup(this, 'LogGroup');
    provider._manageLogGroup(logGroup, { logRetention: props.logRetention, removalPolicy: props.removalPolicy });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Checks${this.correct ? ' and corrects' : ''} the identity of the Amazon Connect users declared in this stack`,
    });
    this.function = new lambda.Function(this, 'Handler', {
      description: 'Checks the declared identities of Amazon Connect users against Connect',
      ...handlerFunctionDefaults(),
      handler: 'index.checkDrift',
      role: this.role,
      logGroup,
      environment: { STACK_ID: Aws.STACK_ID, STACK_NAME: Aws.STACK_NAME, CORRECT_DRIFT: String(this.correct), [LEDGER_TABLE_ENV]: provider.ledger.tableName },
    });
    // A scheduled check that waited in Lambda's queue longer than its interval is superseded by the next
    // one, which covers its span: Lambda may drop it. A failed run is tried again (twice, as the custom
    // resources' are): the retry takes the check over where the ledger says it got.
    this.function.configureAsyncInvoke({ ...ASYNC_INVOKE_SETTINGS, maxEventAge: eventAgeFor(plan.periodSeconds ?? plan.maxDurationSeconds) });
    if (props.checkOnEdit) this.function.addEnvironment(OWN_ROLES_ENV, Fn.join(',', [provider.role.roleArn, this.role.roleArn]));
    const fullInterval = props.fullCheckInterval ?? Duration.days(1);

    const statements = (): StatementJson[] => [
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup.logGroupArn },
      { Sid: 'ReadDeployedDeclaration', Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'], Resource: Aws.STACK_ID },
      ...(provider._declarationFilePatterns.length > 0
        ? [{ Sid: 'ReadRosterDeclarations', Effect: 'Allow' as const, Action: 's3:GetObject', Resource: provider._declarationFilePatterns }]
        : []),
      ...provider._ledgerStatements(),
      ...provider._connectStatementsFor(this.correct),
    ];
    // Rendered at synth, once every declaration of the stack is known, like the deploy handler's.
    (this.role.node.defaultChild as iam.CfnRole).policies = Lazy.any({
      produce: () => [{ policyName: 'CheckDeclaredIdentities', policyDocument: policyDocument(statements()) }],
    });
    // Going on with a long check in a new invocation of itself: a policy of its own, as it names the function.
    new iam.Policy(this, 'ContinueOwnWork', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] })],
    });

    const scheduled = (full: boolean, maxDurationSeconds: number | undefined) =>
      new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({
          action: 'check-drift',
          ...(full ? { full: true } : {}),
          scheduledAt: events.EventField.time,
          eventId: events.EventField.eventId,
          maxDurationSeconds,
        }),
        retryAttempts: 0,
      });
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Starts the drift check of the declared Amazon Connect identities',
      schedule: plan.schedule,
      targets: [scheduled(false, plan.maxDurationSeconds)],
    });
    this.fullCheckRule = new events.Rule(this, 'FullCheckSchedule', {
      description: 'Starts a full re-read of the declared Amazon Connect identities',
      schedule: events.Schedule.rate(fullInterval),
      // The next incremental check supersedes a full re-read that runs long, and goes on with it.
      targets: [scheduled(true, Token.isUnresolved(fullInterval.toSeconds()) ? undefined : Math.floor(fullInterval.toSeconds() * DEFAULT_SHARE_OF_INTERVAL))],
    });
    if (props.checkOnEdit) {
      this.editRule = new events.Rule(this, 'Edits', {
        description: 'Starts a drift check of an Amazon Connect user that CloudTrail reports changed',
        eventPattern: {
          source: ['aws.connect'],
          detailType: ['AWS API Call via CloudTrail'],
          detail: {
            eventSource: ['connect.amazonaws.com'],
            eventName: [...USER_CHANGE_EVENT_NAMES],
            // Not the stack's own calls (a deploy, a correction): any other issuer, or none (an IAM user).
            userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [provider.role.roleArn, this.role.roleArn] }, { exists: false }] } } },
          },
        },
        targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
    }

    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node === this) acknowledgeWildcardResources(this.role, statements(), (resource) => provider._wildcardReason(resource));
      },
    });
  }

  /**
   * Lets a principal run a check now (`aws lambda invoke` with `{"action":"check-drift"}`), e.g. a
   * pipeline's role before a change window. The check reads the deployed declaration whatever it is
   * sent, so the grant adds no way to change what is checked or written.
   */
  public grantRunCheck(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  /** A metric of the check, summed over `period` (5 minutes unless told). */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DRIFT_METRICS.namespace,
      metricName,
      dimensionsMap: { service: DRIFT_METRICS.service, StackName: this.stackName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** Users read with DescribeUser: what a check cost, beside the pages of ListUsers. */
  public metricUsersRead(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.read, props);
  }

  /**
   * How far behind Connect's present the moment is up to which every edit has been seen (its maximum
   * over `period`): about one check's duration while checks complete; it grows when they do not.
   */
  public metricCoverageLag(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.coverageLag, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Users whose state a check decided: read, or known unchanged since they were last known to match. */
  public metricUsersChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.checked, props);
  }

  /** Users whose declared fields differed from Connect's: alarm on it to hear of drift. */
  public metricUsersDrifted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.drifted, props);
  }

  /** Drifted users written back (with `correct`). */
  public metricUsersCorrected(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.corrected, props);
  }

  /** Users that could not be checked or corrected (deleted out of band, access denied, ...). */
  public metricUsersFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.failed, props);
  }

  /** Users whose declaration holds a value only CloudFormation resolves: never compared. */
  public metricUsersNotChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DRIFT_METRICS.notChecked, props);
  }
}
