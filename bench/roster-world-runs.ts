/**
 * Whole-stack runs of the roster design in the end-to-end harness (test/support/roster-world.ts):
 * Connect, S3, Lambda Invoke and CloudFormation emulated on 127.0.0.1, the bundled handler run in a
 * fresh process per invocation, time-scaled by k. A first deploy (optionally followed by a one-user
 * change), and a deploy beside another caller of Connect. (Drift checks: drift-study.ts.)
 */
import { isDeepStrictEqual } from 'node:util';
import { ConnectUserRoster } from '../lib';
import { handlerAssetFromAssembly, Invocation } from '../test/support/cloudformation-driver';
import { CompetingCaller, CompetingCallerResult } from '../test/support/competing-caller';
import type { ConnectOperation } from '../test/support/connect-emulator';
import { RosterFileEntry, RosterWorld } from '../test/support/roster-world';
import type { DeployResult, StackSource } from '../test/support/stack-deployer';
import { boundMs, callsNeeded, countRequests, DeployFigures, durationOf, Quota, shortenReason } from './deploy-figures';
import { benchEntry, INSTANCE_ID, RESOURCE_TYPES } from './stacks';

const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];

/** A one-user change deployed over a deployed roster. */
export interface ChangeFigures {
  /** The Connect requests it made, as `<operation> <status>`, in order. */
  readonly calls: string[];
  readonly wallMs: number;
  /** Stages that got an Update event (the others did not change). */
  readonly stagesUpdated: number;
  readonly stages: number;
  readonly invocations: number;
  readonly succeeded: boolean;
}

export interface ContentionFigures {
  readonly deploy: DeployFigures;
  /** The other caller's rate, as a share of the quota, and how its requests came. */
  readonly share: number;
  readonly arrivals: 'periodic' | 'random';
  readonly competitor: CompetingCallerResult;
}

/** A world with `users` users of one instance in Connect, holding other identities than the declared ones. */
function centerWorld(users: number, quota: Quota): { world: RosterWorld; entries: RosterFileEntry[] } {
  const world = new RosterWorld({ timeScale: quota.timeScale });
  world.connect.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
  const entries = Array.from({ length: users }, (_, index) => benchEntry(index));
  world.seedRoster(entries, (_, index) => ({ FirstName: `Held${index}`, LastName: `Held${index}` }));
  return { world, entries };
}

/** Throttles every operation; a bucket starts full, as for an account that has not called Connect for a while. */
function throttle(world: RosterWorld, quota: Quota): void {
  for (const operation of OPERATIONS) world.connect.throttle(operation, { ratePerSecond: quota.ratePerSecond, burst: quota.burst });
}

/** Deploys `source` and measures it, counting the requests and hand-overs from now on. */
async function measuredDeploy(world: RosterWorld, source: StackSource, entries: readonly RosterFileEntry[], quota: Quota): Promise<{ figures: DeployFigures; result: DeployResult }> {
  const requestMark = world.connect.requests.length;
  const handOverMark = world.lambda.invocations.length;
  const result = await world.deployer.deploy(source);
  await world.lambda.settled();
  const handOvers = await Promise.all(world.lambda.invocations.slice(handOverMark).map((each) => each.ended));
  const invocations: (Invocation | Error)[] = [...result.operations.map((op) => op.invocation), ...handOvers];
  const timeoutMs = world.deployer.lambdaTimeoutMs;
  const { requests, busiestCalls } = countRequests(world.connect.requests.slice(requestMark));
  const failed = result.operations.filter((op) => op.answer.Status !== 'SUCCESS');
  const failureReasons: Record<string, number> = {};
  for (const op of failed) {
    const reason = shortenReason(op.answer.Reason ?? 'no Reason');
    failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
  }
  const stages = result.operations.filter((op) => op.resourceType === RESOURCE_TYPES.roster && !op.rollback).length;
  const figures: DeployFigures = {
    design: 'roster',
    users: entries.length,
    quota,
    failures: failed.length,
    failureReasons,
    usersApplied: entries.filter((entry) => isDeepStrictEqual(world.connect.user(entry.InstanceId, entry.UserId!).identityInfo, entry.IdentityInfo)).length,
    invocations: invocations.length,
    requests,
    callsNeeded: callsNeeded('roster', entries.length, stages),
    busiestCalls,
    wallMs: result.wallMs,
    boundMs: boundMs(busiestCalls, quota),
    lambdaMs: invocations.reduce((sum, invocation) => sum + durationOf(invocation, timeoutMs), 0),
    stages,
    memoryMb: Number(handlerAssetFromAssembly(source.cloudAssemblyDir, source.stackName, RESOURCE_TYPES.roster).functionProperties.MemorySize ?? 128),
  };
  return { figures, result };
}

/**
 * A first deploy of `users` users, every one needing a write; with `oneUserChange`, then a deploy of
 * the same roster with one user's last name changed.
 */
export async function rosterDeploy(users: number, quota: Quota, options: { oneUserChange?: boolean; progress?: (message: string) => void } = {}): Promise<{ deploy: DeployFigures; change?: ChangeFigures }> {
  const { world, entries } = centerWorld(users, quota);
  try {
    const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
    throttle(world, quota);
    options.progress?.(`deploying ${users} users`);
    const { figures: deploy } = await measuredDeploy(world, source, entries, quota);
    if (!options.oneUserChange) return { deploy };

    const changed = Math.min(1234, users - 1);
    const next = entries.map((entry, index) => (index === changed ? { ...entry, IdentityInfo: { ...entry.IdentityInfo, LastName: 'Renamed' } } : entry));
    const changedSource = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(next) }));
    options.progress?.(`deploying a change to one of ${users} users`);
    const requestMark = world.connect.requests.length;
    const handOverMark = world.lambda.invocations.length;
    const result = await world.deployer.deploy(changedSource);
    await world.lambda.settled();
    const change: ChangeFigures = {
      calls: world.connect.requests.slice(requestMark).map((record) => `${record.operation} ${record.status ?? 'unanswered'}`),
      wallMs: result.wallMs,
      stagesUpdated: result.operations.filter((op) => op.requestType === 'Update').length,
      stages: deploy.stages ?? 1,
      invocations: result.operations.length + world.lambda.invocations.length - handOverMark,
      succeeded: result.status === 'UPDATE_COMPLETE' && isDeepStrictEqual(world.connect.user(INSTANCE_ID, next[changed].UserId!).identityInfo, next[changed].IdentityInfo),
    };
    return { deploy, change };
  } finally {
    await world.stop();
  }
}

/** A first deploy of `users` users while another caller sends DescribeUser at `share` of the quota. */
export async function contendedDeploy(users: number, quota: Quota, share: number, arrivals: 'periodic' | 'random'): Promise<ContentionFigures> {
  const { world, entries } = centerWorld(users, quota);
  const other = world.seedUser(INSTANCE_ID, { username: 'integration.user', identityInfo: { LastName: 'Integration' } });
  try {
    const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
    throttle(world, quota);
    const caller = new CompetingCaller(world.connect.endpoint, { instanceId: INSTANCE_ID, userId: other.id });
    caller.start(quota.ratePerSecond * share, arrivals);
    const requestMark = world.connect.requests.length;
    const { figures } = await measuredDeploy(world, source, entries, quota);
    const competitor = await caller.stop();
    // The deploy's own requests only: the other caller's are counted apart.
    const own = world.connect.requests.slice(requestMark).filter((record) => !record.path.includes(other.id));
    const { requests, busiestCalls } = countRequests(own);
    return { deploy: { ...figures, requests, busiestCalls, boundMs: boundMs(busiestCalls, quota) }, share, arrivals, competitor };
  } finally {
    await world.stop();
  }
}
