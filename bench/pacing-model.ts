/**
 * A model of a roster deploy's pacing, in simulated time: N users, each read (DescribeUser) and written
 * (UpdateUserIdentityInfo), against Connect's token bucket per operation, optionally with another
 * caller sending DescribeUser at a share of the quota. It runs the handler's own pacer
 * (core/pacer.ts), or the SDK's adaptive-retry rate limiter (one per client, as the SDK keeps it), so
 * that the choice between them, and the pacer's settings, rest on the same measurements.
 */
import { DefaultRateLimiter } from '@smithy/core/retry';
import { DEFAULT_PACER_SETTINGS, OperationPacer, PacerSettings, PacerTicket } from '../core/pacer';
import { VirtualClock } from '../test/support/virtual-clock';

export interface PacingScenario {
  readonly users: number;
  /** Connect's quota per operation: requests a second, and burst. */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Another caller sends DescribeUser at this share of the quota (0: none). */
  readonly competitorShare?: number;
  /** How the other caller's requests come: evenly spaced, or at random intervals around the same mean. @default 'random' */
  readonly competitorArrivals?: 'periodic' | 'random';
  /** Whether every user needs a write (a first deploy), or none (all already match). */
  readonly writes?: boolean;
}

export type PacingDesign = 'pacer' | 'sdk-adaptive';

export interface PacingResult {
  /** Time to the last user's end, over (calls of the busiest operation − burst) / rate. */
  readonly ratio: number;
  readonly seconds: number;
  /** Requests sent to Connect by the deploy, over the calls the work needs. */
  readonly requestsPerCall: number;
  /** Share of the deploy's requests that were throttled. */
  readonly throttledShare: number;
  /** Share of the other caller's requests that succeeded (1 without one). */
  readonly competitorSuccess: number;
}

const OPERATIONS = ['DescribeUser', 'UpdateUserIdentityInfo'] as const;
type Operation = (typeof OPERATIONS)[number];
/** One round trip to Connect: half on the way there, half on the way back. */
const LATENCY_MS = 60;
/** Users worked on at once (the handler's own bound). */
const CONCURRENCY = 64;

/** Runs the scenario once per seed and averages. */
export async function modelPacing(
  scenario: PacingScenario,
  design: PacingDesign = 'pacer',
  settings: PacerSettings = DEFAULT_PACER_SETTINGS,
  seeds = 3,
): Promise<PacingResult> {
  const runs: PacingResult[] = [];
  for (let seed = 1; seed <= seeds; seed++) runs.push(await simulate(scenario, design, settings, seed));
  const mean = (pick: (run: PacingResult) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return {
    ratio: mean((run) => run.ratio),
    seconds: mean((run) => run.seconds),
    requestsPerCall: mean((run) => run.requestsPerCall),
    throttledShare: mean((run) => run.throttledShare),
    competitorSuccess: Math.min(...runs.map((run) => run.competitorSuccess)),
  };
}

/** A token bucket as Connect keeps one per operation. */
class Bucket {
  private tokens: number;
  private at = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** How a design gets a slot for a call and hears back. */
interface Gate {
  acquire(operation: Operation, retry: boolean): Promise<PacerTicket>;
  settled(operation: Operation, ticket: PacerTicket, throttled: boolean): void;
}

function pacerGate(clock: VirtualClock, settings: PacerSettings): Gate {
  const pacers = Object.fromEntries(OPERATIONS.map((operation) => [operation, new OperationPacer(clock, settings)])) as Record<Operation, OperationPacer>;
  return {
    acquire: (operation, retry) => pacers[operation].acquire({ first: retry }),
    settled: (operation, ticket, throttled) => (throttled ? pacers[operation].throttled(ticket) : pacers[operation].succeeded(ticket)),
  };
}

/** The SDK's adaptive mode: one rate limiter for the client, whatever the operation. */
function sdkAdaptiveGate(clock: VirtualClock): Gate {
  const limiter = new DefaultRateLimiter();
  (limiter as unknown as { getCurrentTimeInSeconds: () => number }).getCurrentTimeInSeconds = () => clock.now() / 1000;
  (limiter as unknown as { lastThrottleTime: number }).lastThrottleTime = clock.now() / 1000;
  (limiter as unknown as { lastTxRateBucket: number }).lastTxRateBucket = Math.floor(clock.now() / 1000);
  return {
    acquire: async () => {
      await limiter.getSendToken();
      return { sentAt: clock.now(), paced: true };
    },
    settled: (_operation, _ticket, throttled) =>
      limiter.updateClientSendingRate(throttled ? { errorType: 'THROTTLING' } : {}),
  };
}

async function simulate(scenario: PacingScenario, design: PacingDesign, settings: PacerSettings, seed: number): Promise<PacingResult> {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  // A realistic epoch: the SDK limiter reads a zero time as "never refilled".
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const startedAt = clock.now();
  // The limiter waits through a static timer function of its class: it must wait in simulated time.
  const limiterClass = DefaultRateLimiter as unknown as { setTimeoutFn: (fire: () => void, delay: number) => void };
  const previousTimeout = limiterClass.setTimeoutFn;
  limiterClass.setTimeoutFn = (fire, delay) => void clock.sleep(delay).then(fire);
  try {
    const buckets = Object.fromEntries(OPERATIONS.map((operation) => [operation, new Bucket(scenario.ratePerSecond, scenario.burst)])) as Record<Operation, Bucket>;
    const gate = design === 'pacer' ? pacerGate(clock, settings) : sdkAdaptiveGate(clock);
    let requests = 0;
    let throttledRequests = 0;

    const call = async (operation: Operation): Promise<void> => {
      for (let retry = false; ; retry = true) {
        const ticket = await gate.acquire(operation, retry);
        requests++;
        await clock.sleep((LATENCY_MS / 2) * (0.5 + random()));
        const accepted = buckets[operation].take(clock.now());
        await clock.sleep((LATENCY_MS / 2) * (0.5 + random()));
        gate.settled(operation, ticket, !accepted);
        if (accepted) return;
        throttledRequests++;
      }
    };

    let next = 0;
    const worker = async () => {
      while (next < scenario.users) {
        next++;
        await call('DescribeUser');
        if (scenario.writes !== false) await call('UpdateUserIdentityInfo');
      }
    };
    let deployDone = false;
    const competitor = { sent: 0, succeeded: 0 };
    const compete = async () => {
      const share = scenario.competitorShare ?? 0;
      if (share <= 0) return;
      const interval = 1000 / (share * scenario.ratePerSecond);
      while (!deployDone) {
        await clock.sleep(scenario.competitorArrivals === 'periodic' ? interval : interval * (0.5 + random()));
        competitor.sent++;
        await clock.sleep(LATENCY_MS / 2);
        if (buckets.DescribeUser.take(clock.now())) competitor.succeeded++;
      }
    };
    const competing = compete();
    await clock.run(Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() => (deployDone = true)));
    await clock.run(competing);

    const seconds = (clock.now() - startedAt) / 1000;
    const bound = (scenario.users - scenario.burst) / scenario.ratePerSecond;
    const calls = scenario.users * (scenario.writes === false ? 1 : 2);
    return {
      ratio: seconds / bound,
      seconds,
      requestsPerCall: requests / calls,
      throttledShare: throttledRequests / requests,
      competitorSuccess: competitor.sent === 0 ? 1 : competitor.succeeded / competitor.sent,
    };
  } finally {
    limiterClass.setTimeoutFn = previousTimeout;
  }
}
