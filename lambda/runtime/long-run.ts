/**
 * Work that outlasts one Lambda invocation (a roster stage, a drift check of a whole center): it runs
 * through a list, a bounded number of items at a time, until a reserve before the invocation's end,
 * then hands the rest over to a new, asynchronous invocation of the same function, with what is done.
 * Nothing of an item's values travels in a hand-over: only positions in a list that the next
 * invocation rebuilds from the same, immutable sources.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { log } from '../../core/log';
import { sleep } from '../../core/retry';
import { DEFAULT_FRESH_READ_MS } from '../../core/user-sync';
import { DEFAULT_PACER_SETTINGS, PacerState } from '../../core/pacer';

/** Positions in a work list that are done, as [start, end) ranges. */
export type DoneRanges = [number, number][];

/** Time kept back, at the end of an invocation, for handing over or answering. */
const FINAL_RESERVE_MS = 8_000;
/** Before the final reserve, time in which no new item is started, so that items in flight can end. */
const DRAIN_RESERVE_MS = 30_000;

/** When an invocation must stop starting work, and when it must stop altogether. */
export interface InvocationWindow {
  readonly startedAt: number;
  /** The Lambda's own end. */
  readonly endsAt: number;
  /** Work in flight is abandoned at this time; what is left hands over or answers. */
  readonly finalAt: number;
  /** No new item starts after this time. */
  readonly stopStartingAt: number;
}

/**
 * The window of this invocation, ending no later than `mustEndBy` (e.g. before CloudFormation stops
 * waiting). The reserves shrink with a short timeout (a sixth and a third of it), so that a time-scaled
 * test keeps their proportions.
 */
export function invocationWindow(context: Pick<Context, 'getRemainingTimeInMillis'>, mustEndBy = Number.POSITIVE_INFINITY): InvocationWindow {
  const startedAt = Date.now();
  const endsAt = startedAt + context.getRemainingTimeInMillis();
  const finalAt = Math.min(endsAt, mustEndBy) - Math.min(FINAL_RESERVE_MS, (endsAt - startedAt) / 6);
  const stopStartingAt = finalAt - Math.min(DRAIN_RESERVE_MS, (finalAt - startedAt) / 3);
  return { startedAt, endsAt, finalAt, stopStartingAt };
}

/**
 * Timings that scale with the Lambda's timeout (15 minutes in AWS), so that a time-scaled test keeps
 * their proportions: how long a lease on a unit of work holds without being renewed (a crashed holder's
 * work is free again after it), how often its holder renews it, and how old the confirmation that the
 * work is still the invocation's, and the read a write is merged with, may be when a write is sent.
 */
export function invocationTimings(lambdaTimeoutMs: number): { leaseMs: number; renewEveryMs: number; freshMs: number } {
  const leaseMs = Math.min(45_000, lambdaTimeoutMs / 20);
  return { leaseMs, renewEveryMs: leaseMs / 3, freshMs: Math.min(DEFAULT_FRESH_READ_MS, lambdaTimeoutMs / 900) };
}

/** Whether enough time is left before `deadline` for another invocation to get something done. */
export function worthHandingOver(deadline: number): boolean {
  return deadline - Date.now() > DRAIN_RESERVE_MS + FINAL_RESERVE_MS;
}

/**
 * Works through `items`, `concurrency` at a time, skipping those already `done`, starting items while
 * `mayStart` says so. Resolves to the ranges done once every started item has ended. An item whose
 * `apply` rejects (cut short by the invocation's end) is left not done, for the next invocation.
 * `live.ranges`, when given, follows the ranges done as items end, for saving progress meanwhile.
 */
export async function runPool<T>(
  items: readonly T[],
  done: DoneRanges,
  concurrency: number,
  mayStart: () => boolean,
  apply: (item: T) => Promise<void>,
  live?: { ranges: DoneRanges },
): Promise<DoneRanges> {
  const finished = fromRanges(done);
  let next = 0;
  const worker = async () => {
    for (;;) {
      while (next < items.length && finished.has(next)) next++;
      if (next >= items.length || !mayStart()) return;
      const index = next++;
      try {
        await apply(items[index]);
        finished.add(index);
        if (live) live.ranges = toRanges(finished);
      } catch {
        // Cut short: applied again by the next invocation.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return toRanges(finished);
}

/** Ranges as positions. */
export function fromRanges(ranges: DoneRanges | undefined): Set<number> {
  const indexes = new Set<number>();
  for (const [start, end] of ranges ?? []) for (let index = start; index < end; index++) indexes.add(index);
  return indexes;
}

/** Positions as ranges. */
export function toRanges(indexes: Set<number>): DoneRanges {
  const ranges: DoneRanges = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === index) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

/** How many positions the ranges cover. */
export function countDone(ranges: DoneRanges): number {
  return ranges.reduce((sum, [start, end]) => sum + end - start, 0);
}

let lambdaClient: LambdaClient | undefined;

/** Time kept, after the last hand-over attempt, to answer CloudFormation if the hand-over failed (less in a short reserve). */
const ANSWER_AFTER_HAND_OVER_MS = 3_000;
/** The longest one Invoke may take (less in a short reserve): an Invoke that never answers must not eat the reserve. */
const INVOKE_TIMEOUT_MS = 2_000;

/**
 * Invokes this function again, asynchronously, with `payload`. Resolves to whether Lambda said it took
 * it. Every attempt has a time-out, and the attempts end early enough before `invocationEnd` to answer
 * CloudFormation after them. An attempt whose answer is lost may still have reached Lambda: the ledger,
 * not this answer, decides who works next.
 */
export async function handOver(payload: unknown, invocationEnd: number): Promise<boolean> {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) return false;
  const reserve = invocationEnd - Date.now();
  const invokeTimeout = Math.min(INVOKE_TIMEOUT_MS, reserve / 4);
  const lastStart = invocationEnd - Math.min(ANSWER_AFTER_HAND_OVER_MS, reserve * 0.4);
  lambdaClient ??= new LambdaClient({ region: process.env.AWS_REGION, maxAttempts: 1, requestHandler: { connectionTimeout: 1_000, requestTimeout: INVOKE_TIMEOUT_MS } });
  const body = Buffer.from(JSON.stringify(payload));
  for (let attempt = 1; attempt <= 4 && Date.now() < lastStart; attempt++) {
    try {
      const timeout = Math.floor(Math.max(50, Math.min(invokeTimeout, lastStart - Date.now())));
      await lambdaClient.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: body }), { abortSignal: AbortSignal.timeout(timeout) });
      return true;
    } catch (error) {
      log('warn', 'hand-over attempt failed', { attempt, errorName: error instanceof Error ? error.name : typeof error });
      await sleep(Math.min(100 * 2 ** attempt, reserve / 20, Math.max(0, lastStart - Date.now())));
    }
  }
  return false;
}

/** The highest rate a pacing hint may set: a forged one cannot send a burst past it. */
const MAX_HINTED_RATE = 1_000;

/**
 * Pacing hints from a payload (a hand-over's), each kept within what a pacer could reach by itself: a hint
 * may make a pacer start nearer the quota, never decide anything else.
 */
export function boundedHints(hints: Record<string, PacerState> | undefined): Record<string, PacerState> {
  const bounded: Record<string, PacerState> = {};
  for (const [operation, state] of Object.entries(hints ?? {})) {
    const rate = Number(state?.rate);
    if (!/^[A-Za-z]{1,64}$/.test(operation) || !Number.isFinite(rate)) continue;
    bounded[operation] = { rate: Math.min(Math.max(rate, DEFAULT_PACER_SETTINGS.minRate), MAX_HINTED_RATE), probing: state.probing === true };
  }
  return bounded;
}
