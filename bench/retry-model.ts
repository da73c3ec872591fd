/**
 * A model of the handler's retry policy at scales the bench cannot run on one machine: N handlers,
 * each making the handler's three calls in turn (DescribeInstance, DescribeUser,
 * UpdateUserIdentityInfo), against one token bucket per operation, in simulated time. It uses the
 * handler's own `backoffCeiling`, so it models the policy that ships.
 */
import { BackoffPolicy, backoffCeiling, DEFAULT_BACKOFF } from '../core/retry';

/** The policy before this benchmark: exponential from 100 ms, doubling, capped at 2 s. */
export const PREVIOUS_BACKOFF: BackoffPolicy = { baseMs: 100, factor: 2, capMs: 2_000, waitedFraction: 0, maxCapMs: 2_000 };

export interface ModelScenario {
  readonly handlers: number;
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface ModelResult {
  /** Time to the last handler's end over (N − burst) / rate, averaged over the seeds. */
  readonly ratio: number;
  /** Requests a second sent to Connect during the deploy, throttled ones included. */
  readonly requestsPerSecond: number;
}

const OPERATIONS = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo'];
/** Round trip of one request. */
const LATENCY_MS = 5;

export function modelDeploy(scenario: ModelScenario, policy: BackoffPolicy = DEFAULT_BACKOFF, seeds = 6): ModelResult {
  let ratio = 0;
  let requestsPerSecond = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const run = simulate(scenario, policy, seed);
    ratio += run.endMs / (((scenario.handlers - scenario.burst) / scenario.ratePerSecond) * 1000) / seeds;
    requestsPerSecond += run.requests / (run.endMs / 1000) / seeds;
  }
  return { ratio, requestsPerSecond };
}

interface Attempt {
  readonly at: number;
  readonly handler: number;
  readonly step: number;
  readonly attempt: number;
  readonly callStartedAt: number;
}

function simulate({ handlers, ratePerSecond, burst }: ModelScenario, policy: BackoffPolicy, seed: number): { endMs: number; requests: number } {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const buckets = OPERATIONS.map(() => ({ tokens: burst, at: 0 }));
  const queue = new MinQueue<Attempt>();
  for (let handler = 0; handler < handlers; handler++) queue.push({ at: random() * LATENCY_MS, handler, step: 0, attempt: 1, callStartedAt: 0 });
  let requests = 0;
  let endMs = 0;
  for (let next = queue.pop(); next; next = queue.pop()) {
    requests++;
    const bucket = buckets[next.step];
    bucket.tokens = Math.min(burst, bucket.tokens + ((next.at - bucket.at) / 1000) * ratePerSecond);
    bucket.at = next.at;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      const doneAt = next.at + LATENCY_MS;
      if (next.step + 1 === OPERATIONS.length) endMs = Math.max(endMs, doneAt);
      else queue.push({ at: doneAt, handler: next.handler, step: next.step + 1, attempt: 1, callStartedAt: doneAt });
    } else {
      const delay = random() * backoffCeiling(policy, next.attempt, next.at - next.callStartedAt);
      queue.push({ ...next, at: next.at + LATENCY_MS + delay, attempt: next.attempt + 1 });
    }
  }
  return { endMs, requests };
}

/** A binary heap by `at`. */
class MinQueue<T extends { at: number }> {
  private readonly items: T[] = [];

  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let index = items.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (items[parent].at <= items[index].at) break;
      [items[parent], items[index]] = [items[index], items[parent]];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        let smallest = index;
        if (left < items.length && items[left].at < items[smallest].at) smallest = left;
        if (left + 1 < items.length && items[left + 1].at < items[smallest].at) smallest = left + 1;
        if (smallest === index) break;
        [items[smallest], items[index]] = [items[index], items[smallest]];
        index = smallest;
      }
    }
    return top;
  }
}
