/**
 * What one time-scaled deploy is measured by, whatever the design: invocations, Connect requests,
 * wall time against the bucket's bound, failures, and Lambda GB-seconds.
 */
import type { RequestRecord } from '../test/support/connect-emulator';
import type { Invocation } from '../test/support/cloudformation-driver';
import type { Design } from './stacks';

/** Connect's quota per operation, as the emulator plays it, and the time scale k it stands for. */
export interface Quota {
  /** Requests a second per operation, as the emulator allows them (k times the quota it stands for). */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** k: every time limit was divided by it. */
  readonly timeScale: number;
}

export interface DeployFigures {
  readonly design: Design;
  readonly users: number;
  readonly quota: Quota;
  /** Resources (or stages) that were answered FAILED, or not at all. */
  readonly failures: number;
  /** The Reasons of the failures, shortened, with how many times each came. */
  readonly failureReasons: Record<string, number>;
  /** Users whose identity in Connect is the declared one afterwards. */
  readonly usersApplied: number;
  /** Lambda invocations: those CloudFormation made, and the handler's own hand-overs. */
  readonly invocations: number;
  /** Connect requests by operation: all, and those throttled. */
  readonly requests: Record<string, { total: number; throttled: number }>;
  /** The calls the design makes when nothing is throttled (see {@link callsNeeded}). */
  readonly callsNeeded: number;
  /** Requests Connect took, of the operation that took the most: what the bound is made of. */
  readonly busiestCalls: number;
  /** From the first event sent (or container released) to the last answer, in scaled time. */
  readonly wallMs: number;
  /** (busiest calls − burst) / rate: the least time the busiest operation's bucket allows. */
  readonly boundMs: number;
  /** The invocations' durations summed, in scaled time. */
  readonly lambdaMs: number;
  /** The function's memory, from the template. */
  readonly memoryMb: number;
  /** Roster stages (the roster design). */
  readonly stages?: number;
  /** Containers alive at once at most (one-event-per-user designs). */
  readonly containersAtOnce?: number;
}

/** Totals of a deploy's requests. */
export function requestTotals(figures: Pick<DeployFigures, 'requests'>): { total: number; throttled: number } {
  const all = Object.values(figures.requests);
  return { total: all.reduce((sum, each) => sum + each.total, 0), throttled: all.reduce((sum, each) => sum + each.throttled, 0) };
}

/** GB-seconds of a deploy, as measured (scaled time). */
export function gbSeconds(figures: Pick<DeployFigures, 'lambdaMs' | 'memoryMb'>): number {
  return (figures.lambdaMs / 1000) * (figures.memoryMb / 1024);
}

/** Requests by operation, and the busiest operation's accepted requests. */
export function countRequests(records: readonly RequestRecord[]): { requests: DeployFigures['requests']; busiestCalls: number } {
  const requests: DeployFigures['requests'] = {};
  for (const record of records) {
    const stats = (requests[record.operation] ??= { total: 0, throttled: 0 });
    stats.total++;
    if (record.status === 429) stats.throttled++;
  }
  const busiestCalls = Math.max(0, ...Object.values(requests).map((stats) => stats.total - stats.throttled));
  return { requests, busiestCalls };
}

/** (calls − burst) / rate, in ms; 0 when the burst covers every call. */
export function boundMs(busiestCalls: number, quota: Quota): number {
  return (Math.max(0, busiestCalls - quota.burst) / quota.ratePerSecond) * 1000;
}

/**
 * The Connect calls a design needs for a first deploy in which every user needs a write: a read and a
 * write per user, plus the instance's identity management type, read once per roster stage, once per
 * container of the per-user design, and never by AwsCustomResource (which only writes).
 */
export function callsNeeded(design: Design, users: number, stages = 1): number {
  if (design === 'roster') return 2 * users + stages;
  if (design === 'per-user') return 3 * users;
  return users;
}

/** The billed duration of an invocation; one that never ended counts as the whole timeout. */
export function durationOf(invocation: Invocation | Error, timeoutMs: number): number {
  return invocation instanceof Error ? timeoutMs : invocation.durationMs;
}

/** A Reason without the IDs that make each one unique, so that alike failures are counted together. */
export function shortenReason(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d+ attempts/g, 'n attempts')
    .slice(0, 160);
}
