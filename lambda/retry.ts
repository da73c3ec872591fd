/**
 * Retries of calls to Amazon Connect. Connect throttles each API at a few requests per second per
 * account and region, and a deploy of hundreds of users starts hundreds of handlers at once, so a
 * throttled call is normal and is retried until the invocation's deadline, not a fixed number of times.
 */

/** Why a call is worth another try, or `undefined` when it is not. */
export function retryReason(error: unknown): 'throttled' | 'server error' | 'network error' | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error.name;
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'server error';
  if (name === 'InternalServiceException' || name === 'ServiceUnavailableException') return 'server error';
  if (status === undefined) {
    const code = (error as { code?: string }).code;
    if (name === 'TimeoutError' || name === 'RequestTimeout') return 'network error';
    if (code && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'].includes(code)) {
      return 'network error';
    }
    if (/socket hang up|ECONNRESET|ECONNREFUSED/.test(error.message)) return 'network error';
  }
  return undefined;
}

/** Backoff settings: exponential, with full jitter so that many handlers do not retry in step. */
export interface BackoffPolicy {
  /** The first delay's upper bound, in milliseconds. */
  readonly baseMs: number;
  /** The largest delay, in milliseconds. */
  readonly capMs: number;
}

/**
 * Small base and a short cap: a throttled handler should come back soon, since the bucket refills every
 * few hundred milliseconds; with many handlers waiting, full jitter spreads them over the cap.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 2_000 };

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

/** Runs `call` until it succeeds, fails for a reason not worth retrying, or the deadline comes. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  for (let attempt = 1; ; attempt++) {
    if (options.stats) options.stats.attempts++;
    try {
      return await call();
    } catch (error) {
      const reason = retryReason(error);
      if (!reason || options.signal.aborted) throw error;
      if (reason === 'throttled' && options.stats) options.stats.throttled++;
      const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt - 1, 20));
      const delay = Math.random() * ceiling;
      if (Date.now() + delay >= options.deadline) throw new DeadlineExceededError(options.operation, attempt, error);
      await sleep(delay, options.signal);
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
