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

/** Whether enough time is left before `deadline` for another invocation to get something done. */
export function worthHandingOver(deadline: number): boolean {
  return deadline - Date.now() > DRAIN_RESERVE_MS + FINAL_RESERVE_MS;
}

/**
 * Works through `items`, `concurrency` at a time, skipping those already `done`, starting items while
 * `mayStart` says so. Resolves to the ranges done once every started item has ended. An item whose
 * `apply` rejects (cut short by the invocation's end) is left not done, for the next invocation.
 */
export async function runPool<T>(items: readonly T[], done: DoneRanges, concurrency: number, mayStart: () => boolean, apply: (item: T) => Promise<void>): Promise<DoneRanges> {
  const finished = new Set<number>();
  for (const [start, end] of done) for (let index = start; index < end; index++) finished.add(index);
  let next = 0;
  const worker = async () => {
    for (;;) {
      while (next < items.length && finished.has(next)) next++;
      if (next >= items.length || !mayStart()) return;
      const index = next++;
      try {
        await apply(items[index]);
        finished.add(index);
      } catch {
        // Cut short: applied again by the next invocation.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return toRanges(finished);
}

function toRanges(indexes: Set<number>): DoneRanges {
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

/** Invokes this function again, asynchronously, with `payload`. Resolves to whether Lambda took it. */
export async function handOver(payload: unknown, invocationEnd: number): Promise<boolean> {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) return false;
  lambdaClient ??= new LambdaClient({ region: process.env.AWS_REGION, maxAttempts: 1 });
  const body = Buffer.from(JSON.stringify(payload));
  for (let attempt = 1; attempt <= 4 && Date.now() < invocationEnd - 1_000; attempt++) {
    try {
      await lambdaClient.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: body }));
      return true;
    } catch (error) {
      log('warn', 'hand-over attempt failed', { attempt, errorName: error instanceof Error ? error.name : typeof error });
      await sleep(Math.min(250 * 2 ** attempt, Math.max(0, invocationEnd - 1_000 - Date.now())));
    }
  }
  return false;
}
