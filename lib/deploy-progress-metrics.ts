/**
 * The deploy's progress metrics: the contract between the roster stages that publish them (Embedded
 * Metric Format, through lambda/runtime/deploy-progress.ts) and the construct whose `metric...()`
 * methods and dashboard read them. No `aws-cdk-lib` here: it is bundled into the handler.
 *
 * Namespace `ConnectUserIdentity`, as the drift metrics; dimensions `service: RosterDeploy` and
 * `StackName`. Every value is a count, a rate or a number of users: never an identity value, a username
 * or a user ID. Stages run one after another, so the stack's rosters together publish one series, a stage
 * at a time (the log line names the stage).
 */
import { DRIFT_METRICS } from './drift-metrics';

export const DEPLOY_PROGRESS_METRICS = {
  namespace: DRIFT_METRICS.namespace,
  /** The `service` dimension. */
  service: 'RosterDeploy',
  /** Users of the stage being deployed done so far (written, unchanged, failed or skipped): a gauge, Count. */
  usersDone: 'UsersDone',
  /** Users the stage being deployed goes through (on an update, those whose declaration changed): a gauge, Count. */
  usersTotal: 'UsersTotal',
  /** Users written (their declared fields differed), per interval: Count. */
  usersWritten: 'UsersWritten',
  /** Users read and found to match, not written, per interval: Count. */
  usersUnchanged: 'UsersUnchanged',
  /** Users that could not be applied, per interval: Count. */
  usersFailed: 'UsersFailed',
  /** Users that Connect does not know, skipped by a roster that skips them, per interval: Count. */
  usersSkipped: 'UsersSkipped',
  /** Connect requests answered with a throttle, per interval: Count. */
  throttledRequests: 'ThrottledRequests',
  /** Users done per second over the last interval: Count/Second. */
  usersPerSecond: 'UsersPerSecond',
} as const;

/** How often a stage publishes its progress, unless told otherwise: CloudWatch's finest standard resolution. */
export const DEPLOY_PROGRESS_INTERVAL_MS = 60_000;
