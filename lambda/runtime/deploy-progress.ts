/**
 * A roster stage's progress, for people watching a long deploy: once per interval, the counts so far as
 * metrics in the Embedded Metric Format (lib/deploy-progress-metrics.ts names them) and as one log line.
 * Counts only: no identity value, username or user ID ever reaches it.
 *
 * A stage creates one per invocation, `start()`s it, tells it each user's outcome and each throttled
 * request, and `stop()`s it before answering or handing over; the next invocation starts from the
 * `usersDone` this one reached (the ledger keeps it), so that `UsersDone` rises across invocations to the
 * stage's total.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEPLOY_PROGRESS_INTERVAL_MS, DEPLOY_PROGRESS_METRICS } from '../../lib/deploy-progress-metrics';
import { log } from '../../core/log';

/** What became of one user of a stage. */
export type UserOutcome = 'written' | 'unchanged' | 'failed' | 'skipped';

/** Where a stage's progress starts, and how it is published. */
export interface DeployProgressOptions {
  /** The stack being deployed: the metrics' `StackName` dimension. */
  readonly stackName: string;
  /** Users the stage goes through in this deploy. */
  readonly usersTotal: number;
  /** Users done before this invocation, in earlier invocations of this stage. */
  readonly usersDoneBefore?: number;
  /** Which stage this is, for the log line only (e.g. `2 of 4`). */
  readonly stage?: string;
  /** How often to publish. */
  readonly intervalMs?: number;
  /** The clock, in epoch milliseconds. */
  readonly now?: () => number;
}

/** Counts of an interval. */
interface IntervalCounts {
  written: number;
  unchanged: number;
  failed: number;
  /** Users Connect does not know, skipped by a stage that skips them. */
  skipped: number;
  throttled: number;
}

const NOTHING: IntervalCounts = { written: 0, unchanged: 0, failed: 0, skipped: 0, throttled: 0 };

/** Publishes a stage's progress once per interval while started, and once more when stopped. */
export class DeployProgress {
  private readonly options: DeployProgressOptions;
  private readonly now: () => number;
  private readonly metrics: Metrics;
  private done: number;
  private interval: IntervalCounts = { ...NOTHING };
  private intervalStartedAt: number;
  private timer?: NodeJS.Timeout;

  constructor(options: DeployProgressOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.done = options.usersDoneBefore ?? 0;
    this.intervalStartedAt = this.now();
    this.metrics = new Metrics({
      namespace: DEPLOY_PROGRESS_METRICS.namespace,
      serviceName: DEPLOY_PROGRESS_METRICS.service,
      defaultDimensions: { StackName: options.stackName },
    });
  }

  /** Users of the stage done so far: what the next invocation starts from. */
  public get usersDone(): number {
    return this.done;
  }

  /** Publishes every interval from now on, until `stop()`. The timer never keeps the process alive. */
  public start(): void {
    this.timer ??= setInterval(() => this.publish(), this.options.intervalMs ?? DEPLOY_PROGRESS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and publishes what the last interval counted. */
  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.publish();
  }

  /** Counts a user done, whatever became of it. */
  public userDone(outcome: UserOutcome): void {
    this.done++;
    this.interval[outcome]++;
  }

  /** Counts requests that Connect answered with a throttle. */
  public throttled(requests = 1): void {
    this.interval.throttled += requests;
  }

  /** Publishes the counts so far, and starts a new interval. */
  public publish(): void {
    const now = this.now();
    const counts = this.interval;
    const seconds = (now - this.intervalStartedAt) / 1000;
    const doneInInterval = counts.written + counts.unchanged + counts.failed + counts.skipped;
    const usersPerSecond = seconds > 0 ? Math.round((doneInInterval / seconds) * 100) / 100 : 0;
    this.interval = { ...NOTHING };
    this.intervalStartedAt = now;

    const names = DEPLOY_PROGRESS_METRICS;
    this.metrics.addMetric(names.usersDone, MetricUnit.Count, this.done);
    this.metrics.addMetric(names.usersTotal, MetricUnit.Count, this.options.usersTotal);
    this.metrics.addMetric(names.usersWritten, MetricUnit.Count, counts.written);
    this.metrics.addMetric(names.usersUnchanged, MetricUnit.Count, counts.unchanged);
    this.metrics.addMetric(names.usersFailed, MetricUnit.Count, counts.failed);
    this.metrics.addMetric(names.usersSkipped, MetricUnit.Count, counts.skipped);
    this.metrics.addMetric(names.throttledRequests, MetricUnit.Count, counts.throttled);
    this.metrics.addMetric(names.usersPerSecond, MetricUnit.CountPerSecond, usersPerSecond);
    this.metrics.publishStoredMetrics();
    log('info', 'deploy progress', {
      stackName: this.options.stackName,
      stage: this.options.stage,
      done: this.done,
      total: this.options.usersTotal,
      written: counts.written,
      unchanged: counts.unchanged,
      failed: counts.failed,
      skipped: counts.skipped,
      throttled: counts.throttled,
      usersPerSecond,
    });
  }
}
