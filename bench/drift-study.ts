/**
 * What a drift check costs, time-scaled, at Connect's default quotas per operation (DescribeUser and
 * ListUsers 10 a second, the others 2) played k times faster: for each roster size, the first check (a
 * full re-read: nothing is known yet), then incremental checks after 0, 10, 100 and 1,000 edits, then a
 * scheduled full re-read (as the daily one runs, at the pace the checks before it learned), and on the
 * largest roster a check of one edited user started by CloudTrail's event (the event option).
 */
import { ConnectUserDriftCheck, ConnectUserRoster } from '../lib';
import type { DriftSummary } from '../lambda/drift-check/drift-check';
import type { Invocation } from '../test/support/cloudformation-driver';
import { CONNECT_DEFAULT_QUOTAS, scaledQuotas } from '../test/support/connect-emulator';
import { RosterWorld } from '../test/support/roster-world';
import { benchEntry, INSTANCE_ID } from './stacks';

/** One check, as measured. */
export interface DriftCheckRun {
  readonly users: number;
  /** Users edited in Connect since the last check. */
  readonly edits: number;
  /** The stack's first check (nothing known: every user read), a later full re-read, an incremental check, or a check of one edited user. */
  readonly kind: 'first' | 'full' | 'incremental' | 'event';
  /** Scaled: from the schedule's (or CloudTrail's) event to the check's answer. */
  readonly wallMs: number;
  /** Connect requests by operation (throttled ones included), and how many were throttled. */
  readonly requests: Record<string, number>;
  readonly throttled: number;
  readonly read: number;
  readonly drifted: number;
  readonly invocations: number;
  /** The invocations' durations, summed (scaled). */
  readonly lambdaMs: number;
}

export interface DriftStudy {
  readonly timeScale: number;
  readonly memoryMb: number;
  /** DescribeUser's quota as the emulator played it (scaled). */
  readonly describeUserRate: number;
  readonly runs: DriftCheckRun[];
}

const EDITS = [0, 10, 100, 1_000] as const;

/** Runs the study for each roster size, one world after another. */
export async function driftStudy(sizes: readonly number[], timeScale: number, progress: (message: string) => void = () => undefined): Promise<DriftStudy> {
  const runs: DriftCheckRun[] = [];
  for (const users of sizes) runs.push(...(await sizeStudy(users, timeScale, users === Math.max(...sizes), progress)));
  return { timeScale, memoryMb: 256, describeUserRate: CONNECT_DEFAULT_QUOTAS.DescribeUser.ratePerSecond * timeScale, runs };
}

async function sizeStudy(users: number, timeScale: number, withEvents: boolean, progress: (message: string) => void): Promise<DriftCheckRun[]> {
  const world = new RosterWorld({ timeScale });
  const entries = Array.from({ length: users }, (_, index) => benchEntry(index));
  const runs: DriftCheckRun[] = [];
  try {
    world.connect.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
    world.seedRoster(entries, (entry) => ({ ...entry.IdentityInfo }));
    const source = await world.synth((stack) => {
      new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) });
      new ConnectUserDriftCheck(stack, 'Drift', { checkOnEdit: withEvents });
    });
    world.deployer.assumeDeployed(source);
    world.throttleConnect({ quotas: scaledQuotas(CONNECT_DEFAULT_QUOTAS, timeScale) });

    const measured = async (edits: number, kind: DriftCheckRun['kind'], start: () => Promise<number>): Promise<DriftCheckRun> => {
      const requestMark = world.connect.requests.length;
      const runsMark = world.lambda.invocations.length;
      const startedAt = await start();
      await world.eventBridge?.settled();
      await world.lambda.settled();
      const invocations = (await Promise.all(world.lambda.invocations.slice(runsMark).map((run) => run.ended))) as Invocation[];
      const endedAt = Math.max(...world.lambda.invocations.slice(runsMark).map((run, index) => run.startedAt + invocations[index].durationMs));
      const last = invocations.map((invocation) => invocation.result as DriftSummary).find((summary) => summary?.status === 'completed');
      const requests: Record<string, number> = {};
      let throttled = 0;
      for (const request of world.connect.requests.slice(requestMark)) {
        requests[request.operation] = (requests[request.operation] ?? 0) + 1;
        if (request.status === 429) throttled++;
      }
      const run: DriftCheckRun = {
        users,
        edits,
        kind,
        wallMs: endedAt - startedAt,
        requests,
        throttled,
        read: last?.read ?? Number.NaN,
        drifted: last?.drifted ?? Number.NaN,
        invocations: invocations.length,
        lambdaMs: invocations.reduce((sum, invocation) => sum + invocation.durationMs, 0),
      };
      progress(`drift ${users} users, ${kind} after ${edits} edits: ${(run.wallMs / 1000).toFixed(1)} s, ${JSON.stringify(requests)}`);
      return run;
    };
    const scheduled = (full: boolean) => async () => {
      const at = Date.now();
      await world.scheduleCheck({ correct: false, full, intervalSeconds: 86_400 / timeScale });
      return at;
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 2_100));

    runs.push(await measured(0, 'first', scheduled(false)));
    let next = 0;
    for (const edits of EDITS) {
      // Users not edited yet first; a roster smaller than the edits gets every user edited (again).
      for (let index = next; index < next + edits; index++) world.connect.editUser(INSTANCE_ID, entries[index % users].UserId!, { LastName: `Edited${index}` });
      next += edits;
      // LastModifiedTime and Connect's Date are whole seconds: edits just before a check are read by the next too.
      await settle();
      runs.push(await measured(edits, 'incremental', scheduled(false)));
    }
    await settle();
    runs.push(await measured(0, 'full', scheduled(true)));
    if (withEvents) {
      world.deliverCloudTrailEvents({ delayMs: [2_000, 10_000] });
      runs.push(
        await measured(1, 'event', async () => {
          const at = Date.now();
          world.connect.editUser(INSTANCE_ID, entries[next % users].UserId!, { FirstName: 'EditedNow' });
          return at;
        }),
      );
    }
    return runs;
  } finally {
    await world.stop();
  }
}
