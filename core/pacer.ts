/**
 * Client-side pacing of calls to Amazon Connect, one pacer per operation.
 *
 * Connect throttles each API with a token bucket per account and region (2 requests a second with a
 * burst of 5 by default, often raised), shared with every other caller of that API in the account.
 * A roster deploy makes thousands of calls; sending them as fast as the bucket allows would throttle
 * those other callers for the whole deploy, and retrying blindly would fill the bucket with rejected
 * requests. So calls of one operation leave one at a time, spaced by the pacer's current rate, and the
 * rate follows what Connect lets through:
 *
 * - It starts at Connect's documented default rate and, until the first throttle, grows quickly
 *   (`probeGrowth` per success: a raised quota is found within seconds).
 * - After that, every success that had to wait for its slot raises the rate a little (`growth`), and
 *   a throttle sets it to `backoff` times the rate of successes just measured: additive increase of the
 *   sending frequency, multiplicative decrease. The bucket spends most of the time with tokens left,
 *   which is what lets other callers through.
 * - Both steps are per request, not per second, so the pacer behaves the same at any quota and at any
 *   time scale: ten times the rate with a tenth of the time gives the same sequence of decisions.
 *
 * The design follows the SDK's adaptive retry mode (a client-side token bucket whose rate follows
 * throttles), with two differences measured in bench/pacing-model.ts: a pacer per operation (Connect
 * throttles each API apart; the SDK has one limiter per client), and growth counted in requests rather
 * than in seconds.
 */
import { sleep } from './retry';

/** Time, for the pacer: the real clock in the handler, a simulated one in models and tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock, for the handler. */
export const systemClock: Clock = { now: () => Date.now(), sleep };

/** Tuning of a {@link OperationPacer}. */
export interface PacerSettings {
  /** Requests a second to start at. */
  readonly initialRate: number;
  /** The rate never falls below this, so that a long throttle never stops the work. */
  readonly minRate: number;
  /** Relative growth of the rate per success before the first throttle. */
  readonly probeGrowth: number;
  /** Relative growth of the rate per paced success after the first throttle. */
  readonly growth: number;
  /** After a throttle, the rate becomes this fraction of the measured success rate. */
  readonly backoff: number;
  /** How many recent successes the success rate is measured over. */
  readonly window: number;
  /** Requests of one operation in flight at most. */
  readonly maxInFlight: number;
}

/**
 * Chosen with bench/pacing-model.ts (figures in BENCHMARKS.md): in the model, 2,000 users end within
 * 1.04× the bucket's lower bound at Connect's default quota (1.09× at 20/s, 1.21× at 50/s, where finding
 * the quota takes a few seconds), with under 1% of requests throttled, and another caller at a quarter of
 * the quota keeps 98–99% of its requests. A growth of 0.5% ends sooner alone, but left that caller 93% in
 * the end-to-end test; a backoff of 0.6–0.7 yields more and takes up to 1.2× the bound.
 */
export const DEFAULT_PACER_SETTINGS: PacerSettings = {
  initialRate: 2,
  minRate: 0.1,
  probeGrowth: 0.1,
  growth: 0.002,
  backoff: 0.8,
  window: 16,
  maxInFlight: 64,
};

/** What the pacer knows of one request it let go. */
export interface PacerTicket {
  /** When the request left. */
  readonly sentAt: number;
  /** Whether it waited for its slot, i.e. whether the pacer's rate, not the demand, set its pace. */
  readonly paced: boolean;
}

/** The part of a pacer's state worth carrying into the next invocation. */
export interface PacerState {
  readonly rate: number;
  readonly probing: boolean;
}

interface Waiter {
  readonly queuedAt: number;
  readonly resolve: (ticket: PacerTicket) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

/** Paces the calls of one operation. */
export class OperationPacer {
  private rateNow: number;
  private probing = true;
  private lastReleaseAt = Number.NEGATIVE_INFINITY;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private inFlight = 0;
  private pumping = false;
  private readonly waiters: Waiter[] = [];
  private readonly successTimes: number[] = [];
  /** Counters, for logs and benchmarks. */
  readonly stats = { sent: 0, throttled: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly settings: PacerSettings = DEFAULT_PACER_SETTINGS,
    state?: PacerState,
  ) {
    this.rateNow = state?.rate ?? settings.initialRate;
    this.probing = state?.probing ?? true;
  }

  /** The current rate, in requests a second. */
  get rate(): number {
    return this.rateNow;
  }

  /** The state to resume from in another invocation. */
  state(): PacerState {
    return { rate: this.rateNow, probing: this.probing };
  }

  /**
   * Waits for this operation's next slot. `first` puts the caller ahead of the queue, for a request
   * that was throttled and is sent again.
   */
  acquire(options: { signal?: AbortSignal; first?: boolean } = {}): Promise<PacerTicket> {
    return new Promise<PacerTicket>((resolve, reject) => {
      if (options.signal?.aborted) return reject(options.signal.reason);
      const waiter: Waiter = { queuedAt: this.clock.now(), resolve, reject, signal: options.signal, onAbort: () => this.drop(waiter) };
      if (options.first) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
      options.signal?.addEventListener('abort', waiter.onAbort, { once: true });
      void this.pump();
    });
  }

  /** Connect took the request (it answered, with anything but a throttle). */
  succeeded(ticket: PacerTicket): void {
    this.settle();
    const now = this.clock.now();
    this.successTimes.push(now);
    if (this.successTimes.length > this.settings.window) this.successTimes.shift();
    // A request that found its slot free says nothing about the bucket: the demand set its pace.
    if (!ticket.paced) return;
    const grown = this.rateNow * (1 + (this.probing ? this.settings.probeGrowth : this.settings.growth));
    const measured = this.measuredRate(now);
    // Never run far ahead of what Connect has been shown to let through.
    this.rateNow = measured === undefined ? grown : Math.min(grown, Math.max(this.rateNow, 2 * measured));
  }

  /** Connect throttled the request; the caller sends it again after a new {@link acquire}. */
  throttled(ticket: PacerTicket): void {
    this.settle();
    this.stats.throttled++;
    // Requests that left before the last cut met the same congestion: one cut per congestion.
    if (ticket.sentAt < this.lastCutAt) return;
    const now = this.clock.now();
    const measured = this.measuredRate(now);
    this.rateNow = Math.max(this.settings.minRate, this.settings.backoff * Math.min(this.rateNow, measured ?? this.rateNow));
    this.probing = false;
    this.lastCutAt = now;
    // The next request waits a whole new interval, counted from now.
    this.lastReleaseAt = now;
  }

  /** The request ended otherwise (an error, or abandoned). */
  failed(): void {
    this.settle();
  }

  /** The slot was not used after all (the request turned out not to be needed): nothing was sent. */
  cancel(): void {
    this.stats.sent--;
    this.settle();
  }

  /** Successes a second over the recent window, once it holds enough of them. */
  private measuredRate(now: number): number | undefined {
    const times = this.successTimes;
    if (times.length < 4) return undefined;
    // A window that ended long ago says nothing about now.
    const span = now - times[0];
    if (span <= 0) return undefined;
    return ((times.length - 1) * 1000) / span;
  }

  private settle(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    void this.pump();
  }

  private drop(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) {
      this.waiters.splice(index, 1);
      waiter.reject(waiter.signal?.reason);
    }
  }

  /** Releases waiters one interval apart, at the rate current when each is released. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0 && this.inFlight < this.settings.maxInFlight) {
        const due = this.lastReleaseAt + 1000 / this.rateNow;
        const now = this.clock.now();
        if (now < due) {
          // The rate may fall while waiting (a throttle): look again when the wait is over.
          await this.clock.sleep(due - now);
          continue;
        }
        const waiter = this.waiters.shift()!;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.lastReleaseAt = now;
        this.inFlight++;
        this.stats.sent++;
        waiter.resolve({ sentAt: now, paced: now - waiter.queuedAt > 0 || this.waiters.length > 0 });
      }
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * Connect's default quota of each operation the library calls, in requests a second (Service Quotas; each
 * API is throttled apart, per account and region). A pacer may start there and still finds the real quota:
 * it grows past it until Connect throttles, and falls back when Connect does.
 */
export const DEFAULT_QUOTA_RATES: Readonly<Record<string, number>> = {
  UpdateUserIdentityInfo: 2,
  DescribeUser: 10,
  ListUsers: 10,
  SearchUsers: 2,
  DescribeInstance: 2,
};

/** One {@link OperationPacer} per Connect operation. */
export class Pacer {
  private readonly pacers = new Map<string, OperationPacer>();

  /**
   * @param initialRates where an operation's pacer starts, by operation; the others start at
   * `settings.initialRate`.
   */
  constructor(
    private readonly clock: Clock,
    private readonly settings: PacerSettings = DEFAULT_PACER_SETTINGS,
    private readonly resumed: Record<string, PacerState> = {},
    private readonly initialRates: Readonly<Record<string, number>> = {},
  ) {}

  /** The pacer of an operation, created on first use. */
  of(operation: string): OperationPacer {
    let pacer = this.pacers.get(operation);
    if (!pacer) {
      const initialRate = this.initialRates[operation] ?? this.settings.initialRate;
      pacer = new OperationPacer(this.clock, { ...this.settings, initialRate }, this.resumed[operation]);
      this.pacers.set(operation, pacer);
    }
    return pacer;
  }

  /** Every operation's state, to resume from in another invocation. */
  state(): Record<string, PacerState> {
    return Object.fromEntries([...this.pacers].map(([operation, pacer]) => [operation, pacer.state()]));
  }

  /** Requests sent and throttled, by operation. */
  stats(): Record<string, { sent: number; throttled: number }> {
    return Object.fromEntries([...this.pacers].map(([operation, pacer]) => [operation, { ...pacer.stats }]));
  }
}
