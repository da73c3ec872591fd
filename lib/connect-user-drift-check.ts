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
import { ASYNC_INVOKE_SETTINGS, ConnectUserIdentityProvider, handlerFunctionDefaults } from './connect-user-identity-provider';
import { LEDGER_TABLE_ENV } from './resource-properties';
import { OWN_ROLES_ENV, USER_CHANGE_EVENT_NAMES } from './drift-events';
import { DRIFT_METRICS } from './drift-metrics';
import { acknowledgeWildcardResources } from './policy-acknowledgements';

/** Properties of a {@link ConnectUserDriftCheck}. */
export interface ConnectUserDriftCheckProps {
  /**
   * How often to check for edits. A check lists the users of each declared instance (1,000 a request)
   * and reads only those Connect says were modified since they were last known to match: a 10,000-agent
   * center with ten edits costs about 25 Connect requests and under two seconds of Connect's time. A check
   * stops before the next one is due; one that could not finish (a whole center's first check, at
   * Connect's default quota) is continued by the next.
   * @default Duration.minutes(15)
   */
  readonly interval?: Duration;
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
 * The incremental checks' default interval. Measured (BENCHMARKS.md): a check of a 10,000-agent roster
 * with ten edits takes 10 ListUsers pages, 10 DescribeUser and one DescribeInstance, about 2 s of
 * Connect's time at its default quotas; every 15 minutes that is under 0.2% of those quotas, and an edit
 * is reported within 15 minutes plus a check's duration.
 */
const DEFAULT_INTERVAL = Duration.minutes(15);

/** How long a scheduled check may wait in Lambda's queue: its interval (within Lambda's 1 minute to 6 hours). */
function eventAgeFor(interval: Duration): Duration {
  if (Token.isUnresolved(interval.toSeconds())) return ASYNC_INVOKE_SETTINGS.maxEventAge;
  return Duration.seconds(Math.min(21_600, Math.max(60, interval.toSeconds())));
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
  /** The schedule of the incremental checks. */
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
    const interval = props.interval ?? DEFAULT_INTERVAL;
    const fullInterval = props.fullCheckInterval ?? Duration.days(1);
    this.correct = props.correct ?? false;
    this.stackName = stack.stackName;

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR });
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
    this.function.configureAsyncInvoke({ ...ASYNC_INVOKE_SETTINGS, maxEventAge: eventAgeFor(interval) });
    if (props.checkOnEdit) this.function.addEnvironment(OWN_ROLES_ENV, Fn.join(',', [provider.role.roleArn, this.role.roleArn]));

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

    const scheduled = (full: boolean, every: Duration) =>
      new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({
          action: 'check-drift',
          ...(full ? { full: true } : {}),
          scheduledAt: events.EventField.time,
          eventId: events.EventField.eventId,
          intervalSeconds: every.toSeconds(),
        }),
        retryAttempts: 0,
      });
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Starts the drift check of the declared Amazon Connect identities',
      schedule: events.Schedule.rate(interval),
      targets: [scheduled(false, interval)],
    });
    this.fullCheckRule = new events.Rule(this, 'FullCheckSchedule', {
      description: 'Starts a full re-read of the declared Amazon Connect identities',
      schedule: events.Schedule.rate(fullInterval),
      targets: [scheduled(true, fullInterval)],
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
