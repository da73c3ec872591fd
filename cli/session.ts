/**
 * One run's connection to Amazon Connect: the region, the credentials of the default chain (through the
 * library's clients, core/connect-clients.ts), the pacer shared by the run's calls, a watch for throttling
 * that persists, and Ctrl-C. Failures that end a run are told here, in words a person can act on.
 */
import { ConnectClient } from '@aws-sdk/client-connect';
import { connectClient } from '../core/connect-clients';
import { describeInstance, errorCode } from '../core/failure-reasons';
import { pacedCall, PacedCallContext, UserFailed } from '../core/paced-calls';
import { DEFAULT_PACER_SETTINGS, DEFAULT_QUOTA_RATES, Pacer, systemClock } from '../core/pacer';
import { isRegionName } from '../lib/identity-rules';
import { CliError, Interrupted } from './errors';

/** How long Connect may throttle every request of an operation before a run gives up, by default. */
export const DEFAULT_THROTTLE_TIMEOUT_SECONDS = 300;

const NO_CREDENTIALS =
  'No AWS credentials were found. The tool uses the default credential chain, as the AWS CLI does: pass --profile ' +
  '(or set AWS_PROFILE), run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';

/** Connect kept throttling an operation for longer than the run allows. */
export class ThrottlingPersisted extends CliError {
  constructor(operation: string, seconds: number) {
    super(
      `Amazon Connect throttled every ${operation} request for ${seconds} s: other callers in this account and region use its whole ` +
        `quota. Nothing was written. Run again later, raise --throttle-timeout, or ask for a higher ${operation} quota in Service Quotas.`,
    );
  }
}

/** The region to call: the instance ARN's, else `--region`, else the default chain's (AWS_REGION, the profile). */
export async function resolveRegion(options: { explicit?: string; fromArn?: string }): Promise<string> {
  const { explicit, fromArn } = options;
  if (explicit !== undefined && !isRegionName(explicit)) {
    throw new CliError('--region is not a region name: write it like us-east-1, eu-central-1 or us-gov-west-1.');
  }
  if (fromArn !== undefined && explicit !== undefined && fromArn !== explicit) {
    throw new CliError(`--region ${explicit} differs from the region of the instance ARN (${fromArn}): leave --region out, or give the instance ID.`);
  }
  if (fromArn ?? explicit) return (fromArn ?? explicit)!;
  try {
    const region = await new ConnectClient({}).config.region();
    if (isRegionName(region)) return region;
  } catch {
    // Told below: no region was configured.
  }
  throw new CliError('No AWS region: pass --region, give the instance ARN, or set AWS_REGION (or a region in your AWS profile).');
}

/** A run's calls to Connect. */
export class ConnectSession implements PacedCallContext {
  /** Each operation's pacer starts at Connect's default quota for it, and finds the account's real one. */
  readonly pacer = new Pacer(systemClock, DEFAULT_PACER_SETTINGS, {}, DEFAULT_QUOTA_RATES);
  readonly clock = systemClock;
  private readonly controller = new AbortController();
  private readonly onSignal = (signal: NodeJS.Signals) => this.stop(new Interrupted(signal));
  private readonly throttleWatch: NodeJS.Timeout;

  constructor(throttleTimeoutSeconds = DEFAULT_THROTTLE_TIMEOUT_SECONDS) {
    // The first Ctrl-C stops the run cleanly; a second one, with the handler gone, ends the process.
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    this.throttleWatch = watchThrottling(this.pacer, throttleTimeoutSeconds, (reason) => this.stop(reason));
  }

  /** Aborted when the run must stop: its reason says why (an {@link Interrupted}, a {@link ThrottlingPersisted}...). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The Connect client of a region: the SDK's default credential chain, its own retries off. */
  client(region: string): ConnectClient {
    return connectClient(region);
  }

  /**
   * One call to Connect, paced with the run's other calls of its operation (core/paced-calls.ts). Rejects
   * with a {@link UserFailed} that explains a failure without values, or with the run's abort.
   */
  call<T>(operation: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return pacedCall(this, operation, () => send(this.signal));
  }

  /** Stops the run: calls in flight end, and waiting ones are not sent. */
  stop(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Ends the run's hold on the process's signals and timers. */
  close(): void {
    clearInterval(this.throttleWatch);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }

  /** Requests sent and throttled, by operation. */
  stats(): Record<string, { sent: number; throttled: number }> {
    return this.pacer.stats();
  }
}

/**
 * Watches the pacers' counters every second: an operation that has had no request answered (other than
 * by a throttle) for `timeoutSeconds` since one of its requests was throttled stops the run with a
 * {@link ThrottlingPersisted}.
 */
function watchThrottling(pacer: Pacer, timeoutSeconds: number, stop: (reason: ThrottlingPersisted) => void): NodeJS.Timeout {
  const seen = new Map<string, { answered: number; throttled: number; throttledSince?: number }>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [operation, stats] of Object.entries(pacer.stats())) {
      const answered = stats.sent - stats.throttled;
      const last = seen.get(operation);
      if (!last || answered > last.answered) {
        seen.set(operation, { answered, throttled: stats.throttled });
        continue;
      }
      // A throttled call is sent again until Connect answers it: from its first throttle on, the
      // operation has a call waiting, whether or not the pacer sent it again since.
      const throttledSince = last.throttledSince ?? (stats.throttled > last.throttled ? now : undefined);
      seen.set(operation, { answered, throttled: stats.throttled, throttledSince });
      if (throttledSince !== undefined && now - throttledSince >= timeoutSeconds * 1000) stop(new ThrottlingPersisted(operation, timeoutSeconds));
    }
  }, 1_000);
  // The watch alone never keeps the process alive.
  timer.unref();
  return timer;
}

/** What a command needs of Connect, to name it when access is denied. */
export interface RunContext {
  readonly command: 'export' | 'plan';
  /** The instance, as given (ID or ARN). */
  readonly instance?: string;
  readonly region?: string;
}

/** The actions each command calls, for a policy that lets it run. */
export const ACTIONS_NEEDED: Readonly<Record<RunContext['command'], readonly string[]>> = {
  export: ['connect:DescribeInstance', 'connect:ListUsers', 'connect:DescribeUser'],
  plan: ['connect:DescribeInstance', 'connect:DescribeUser', 'connect:SearchUsers and connect:ListUsers (for users named by Username)'],
};

/**
 * The message that ends a run, from what stopped it: the session's abort reason, a failure of a call, or
 * anything else (told by its code only, never by its message, which may quote a value).
 */
export function explainRunFailure(error: unknown, session: ConnectSession | undefined, context: RunContext): CliError {
  const stopped = session?.signal.aborted ? session.signal.reason : undefined;
  if (stopped instanceof CliError) return stopped;
  if (error instanceof CliError) return error;
  if (error instanceof UserFailed) {
    switch (error.kind) {
      case 'no-credentials':
        return new CliError(NO_CREDENTIALS);
      case 'access-denied':
        return new CliError(
          `Access denied to connect:${error.field}: the AWS credentials in use (see \`aws sts get-caller-identity\`) must be allowed it on ` +
            `${describeInstance(context.instance)} and its users. \`${context.command}\` calls ${ACTIONS_NEEDED[context.command].join(', ')}.`,
        );
      case 'instance-not-found':
        return new CliError(
          `${capitalize(describeInstance(context.instance))} was not found in ${context.region ?? 'the region'}: check the instance ID, ` +
            'and the region (--region, AWS_REGION or your profile\'s), or give the instance ARN.',
        );
      default:
        return new CliError(`Amazon Connect: ${error.problem}.`);
    }
  }
  return new CliError(`Unexpected ${errorCode(error)}; nothing was written.`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Runs `work` for each item, `concurrency` at a time. The first failure stops the run (`stop`), so that
 * calls in flight end and no more start; it is then what this rejects with.
 */
export async function forEachPooled<T>(
  items: readonly T[],
  concurrency: number,
  session: Pick<ConnectSession, 'signal' | 'stop'>,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !session.signal.aborted && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        if (!failure) {
          failure = { error };
          session.stop(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  if (session.signal.aborted) throw session.signal.reason;
}
