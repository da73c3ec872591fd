/**
 * Retries of calls to Amazon Connect. Connect throttles each API at a few requests per second per
 * account and region, and a deploy of hundreds of users starts hundreds of handlers at once, so a
 * throttled call is normal and is retried until the invocation's deadline, not a fixed number of times.
 * Network errors that time will not cure (a host name that does not resolve, a certificate that does
 * not verify) get a few retries only, so that such a deploy fails in seconds rather than in 15 minutes.
 */

/** Why a failed call is worth another try. */
export type RetryReason = 'throttled' | 'server error' | 'network error' | 'persistent network error';

/** Node.js codes of network errors that usually pass: a reset, a refused or timed-out connection, a DNS time-out. */
const TRANSIENT_NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'];

/**
 * Node.js codes of network errors that another try seconds later will not cure: a host name that does
 * not resolve (a region without Amazon Connect, a mistyped endpoint), an unreachable network, and TLS
 * failures such as a certificate that does not verify.
 */
const PERSISTENT_NETWORK_CODES = ['ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'EPROTO', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'HOSTNAME_MISMATCH'];
const PERSISTENT_NETWORK_CODE_PREFIXES = ['CERT_', 'UNABLE_TO_', 'ERR_TLS_', 'ERR_SSL_'];

/**
 * How many times a persistent network error is retried before the call gives up: enough to ride out a
 * DNS change or a certificate rotation in progress, far less than the invocation's budget.
 */
export const PERSISTENT_ERROR_RETRIES = 3;

/** Why a call is worth another try, or `undefined` when it is not. */
export function retryReason(error: unknown): RetryReason | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error.name;
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'server error';
  if (name === 'InternalServiceException' || name === 'ServiceUnavailableException') return 'server error';
  if (status === undefined) {
    const code = (error as { code?: unknown }).code;
    if (name === 'TimeoutError' || name === 'RequestTimeout') return 'network error';
    if (typeof code === 'string') {
      if (TRANSIENT_NETWORK_CODES.includes(code)) return 'network error';
      if (PERSISTENT_NETWORK_CODES.includes(code) || PERSISTENT_NETWORK_CODE_PREFIXES.some((prefix) => code.startsWith(prefix))) {
        return 'persistent network error';
      }
    }
    if (/socket hang up|ECONNRESET|ECONNREFUSED/.test(error.message)) return 'network error';
  }
  return undefined;
}

/**
 * Backoff settings. Each delay is drawn at random between 0 and a ceiling (full jitter, so that many
 * handlers do not retry in step). The ceiling grows exponentially from `baseMs` up to `capMs`; past
 * that, it follows the time already spent waiting on the call, times `waitedFraction`, up to `maxCapMs`.
 */
export interface BackoffPolicy {
  /** The first delay's upper bound, in milliseconds. */
  readonly baseMs: number;
  /** How much the upper bound grows with each failed attempt, until it reaches `capMs`. */
  readonly factor: number;
  /** The upper bound of the delays of a short wait, in milliseconds. */
  readonly capMs: number;
  /** Past `capMs`, the upper bound is this fraction of the time already spent on the call. */
  readonly waitedFraction: number;
  /** The largest upper bound, in milliseconds. */
  readonly maxCapMs: number;
}

/**
 * Connect throttles each operation with a token bucket per account and region: 2 requests a second
 * with a burst of 5 by default, often raised. A deploy starts one handler per declared user at once,
 * so hundreds of handlers can wait on one bucket, and the retry policy decides how hard they press on
 * it. Too little leaves the bucket idle (a slower deploy); too much only adds throttled requests, which
 * cost Lambda time and crowd out the account's other callers of the API.
 *
 * - The ceiling starts at 125 ms and grows fourfold (125 ms, 500 ms, 2 s): a handler throttled alone
 *   comes back within a moment, and one in a crowd reaches its steady pace in three attempts.
 * - At 2 s, n waiting handlers offer about n requests a second: enough to keep a bucket of 20/s busy
 *   while 200 handlers drain through it, and a short wait at the end once the crowd is gone.
 * - A long wait means a long contention: 200 handlers queue ~100 s on the default 2/s bucket, and at a
 *   2 s ceiling they would send about 100 requests for each one that passes. Past 12 s, the ceiling is
 *   a sixth of the time already waited (at most 15 s): the extra wait at the end stays a small fraction
 *   of the wait so far, while the pressure falls with the length of the queue.
 *
 * Modelled (bench/retry-model.ts, figures in BENCHMARKS.md) for 200 handlers of three calls each: at
 * 20/s, 1.08× the bucket's lower bound with about 180 requests a second (the former 100 ms-to-2 s
 * policy: 1.11×, 205/s); at 2/s, 1.04× (formerly 1.00×) with about 60 requests a second instead of 110;
 * and 1,000 handlers at 2/s send about 120 requests a second instead of 510.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 125, factor: 4, capMs: 2_000, waitedFraction: 1 / 6, maxCapMs: 15_000 };

/** The upper bound of the delay after failed attempt number `attempt` (from 1), `waitedMs` into the call. */
export function backoffCeiling(policy: BackoffPolicy, attempt: number, waitedMs: number): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.min(attempt - 1, 20));
  return Math.min(policy.maxCapMs, Math.max(exponential, waitedMs * policy.waitedFraction));
}

/** Thrown when a call cannot be retried within the deadline; carries the last error. */
export class DeadlineExceededError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`${operation} did not succeed within the time left (${attempts} attempts)`);
    this.name = 'DeadlineExceededError';
  }
}

/** Thrown when a call keeps failing for a reason that time will not cure; carries the last error. */
export class PersistentFailureError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`${operation} kept failing in the same way (${attempts} attempts)`);
    this.name = 'PersistentFailureError';
  }
}

/** What a retried call reports about itself, for the logs. */
export interface CallStats {
  attempts: number;
  throttled: number;
}

/** Options for {@link withRetries}. */
export interface RetryOptions {
  /** The operation's name, for messages. */
  readonly operation: string;
  /** Epoch milliseconds after which no new attempt starts. */
  readonly deadline: number;
  /** Aborted when the invocation gives up; stops waiting at once. */
  readonly signal: AbortSignal;
  readonly backoff?: BackoffPolicy;
  /** Counters, updated in place. */
  readonly stats?: CallStats;
}

/** The least time worth a last attempt before the deadline: about one round trip to Connect. */
const LAST_ATTEMPT_MARGIN_MS = 100;

/**
 * Runs `call` until it succeeds, fails for a reason not worth retrying (thrown as it is), fails
 * persistently ({@link PersistentFailureError}), or the deadline comes ({@link DeadlineExceededError}).
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const startedAt = Date.now();
  let persistentFailures = 0;
  for (let attempt = 1; ; attempt++) {
    if (options.stats) options.stats.attempts++;
    try {
      return await call();
    } catch (error) {
      const reason = retryReason(error);
      if (!reason || options.signal.aborted) throw error;
      if (reason === 'throttled' && options.stats) options.stats.throttled++;
      if (reason === 'persistent network error' && ++persistentFailures > PERSISTENT_ERROR_RETRIES) {
        throw new PersistentFailureError(options.operation, attempt, error);
      }
      // A delay that would run past the deadline is cut short for one last attempt, so that a long
      // ceiling never gives up with seconds of the budget unused.
      const timeLeft = options.deadline - Date.now() - LAST_ATTEMPT_MARGIN_MS;
      if (timeLeft <= 0) throw new DeadlineExceededError(options.operation, attempt, error);
      await sleep(Math.min(timeLeft, Math.random() * backoffCeiling(backoff, attempt, Date.now() - startedAt)), options.signal);
    }
  }
}

/** Waits, or stops early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
