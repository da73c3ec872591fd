/**
 * Drift checks delivered as Lambda delivers asynchronous invocations: at least once, every event with a
 * copy arriving later, failed runs tried again, crashes. A 1,200-agent roster at Connect's default quotas
 * played ten times faster, with a 200-second Lambda (20 s scaled) so that a full check hands itself over.
 * Each check is worked by one invocation at a time and each drifted user is written once; a continuation
 * forged, replayed or in an older format reads and writes nothing, and says why; a newer check stops the
 * one it supersedes and goes on from where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserRoster } from '../../lib';
import { DRIFT_CONTINUATION_KIND, DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import type { AsyncInvocation } from '../support/lambda-emulator';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const K = TIME_SCALED_DEFAULT_QUOTA.timeScale;
const USERS = 1_200;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K, lambdaTimeoutMs: 200_000, duplicates: { share: 1, delayMs: [500, 20_000] } });
const roster: RosterFileEntry[] = Array.from({ length: USERS }, (_, index) => ({ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` } }));

beforeAll(async () => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (entry) => ({ ...entry.IdentityInfo }));
  const source = await world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserDriftCheck(stack, 'Drift', { correct: true });
  });
  world.deployer.assumeDeployed(source);
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
}, 120_000);
afterAll(() => world.stop());

/** Every run of the check function since `from`, with its summary. */
async function checkRuns(from: number): Promise<{ run: AsyncInvocation; summary: DriftSummary; invocation: Invocation }[]> {
  await world.lambda.settled();
  const runs = world.lambda.invocations.slice(from);
  const ended = await Promise.all(runs.map((run) => run.ended));
  return runs.map((run, index) => {
    const invocation = ended[index];
    if (invocation instanceof Error) throw invocation;
    expect(findLeaks(invocation, world.secrets)).toEqual([]);
    return { run, invocation, summary: invocation.result as DriftSummary };
  });
}

/** Successful writes per user since `mark`. */
function writesPerUser(mark: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of world.connect.requests.slice(mark)) {
    if (request.operation !== 'UpdateUserIdentityInfo' || request.status !== 200) continue;
    const user = request.path.split('/')[3];
    counts.set(user, (counts.get(user) ?? 0) + 1);
  }
  return counts;
}

let continuations: unknown[] = [];

test('a check delivered twice, and handed over to new invocations delivered twice, reads each user once', async () => {
  // WHEN the schedule starts the first check (every user is read: nothing is known yet), every event and hand-over delivered twice
  // (an hourly schedule: on a busy machine, take-overs and slow starts must not run the check out of its time)
  const runsMark = world.lambda.invocations.length;
  const requestMark = world.connect.requests.length;
  await world.scheduleCheck({ correct: true, intervalSeconds: 3_600 / K });
  const runs = await checkRuns(runsMark);
  continuations = runs.map(({ run }) => run.payload).filter((payload) => (payload as { kind?: string }).kind === DRIFT_CONTINUATION_KIND);

  // THEN it went on in new invocations until one completed it; every copy did nothing, and said why
  // (A run that found its work taken over, its holder presumed dead on a busy machine, stops and says so.)
  const statuses = runs.map(({ summary }) => summary.status);
  expect(statuses.filter((status) => status === 'completed')).toHaveLength(1);
  expect(statuses.filter((status) => status === 'continuing').length).toBeGreaterThan(0);
  for (const { summary } of runs.filter(({ summary }) => summary.status === 'stopped')) expect(summary.reason).toMatch(/^the check is no longer this invocation's/);
  expect(runs.find(({ summary }) => summary.status === 'completed')!.summary).toMatchObject({ users: USERS, checked: USERS, drifted: 0, failed: 0 });
  const copies = runs.filter(({ run }) => run.kind === 'copy');
  expect(copies.length).toBeGreaterThan(0);
  expect(statuses.filter((status) => status === 'ignored').length).toBeGreaterThan(0);
  // AND each user was read once, but for the few in flight when a holder was presumed dead: no full second read
  const reads = world.connect.requests.slice(requestMark).filter((request) => request.status === 200 && request.operation === 'DescribeUser');
  expect(reads.length).toBeGreaterThanOrEqual(USERS);
  expect(reads.length).toBeLessThanOrEqual(USERS * 1.05);
  expect(continuations.length).toBeGreaterThan(0);
}, 300_000);

test('a continuation forged, replayed late, or in an older format, invoked by hand, reads and writes nothing and says why', async () => {
  // GIVEN a drifted user, so that a write would show
  world.connect.editUser(INSTANCE, roster[0].UserId!, { LastName: 'Drifted' });
  expect(continuations.length).toBeGreaterThan(0);
  const payloads: [string, unknown][] = [
    ['replayed', continuations[0]],
    ['forged', { kind: DRIFT_CONTINUATION_KIND, checkId: 'incremental/forged', generation: 1, pacer: { DescribeUser: { rate: 1e9, probing: true } } }],
    ['older format', { kind: DRIFT_CONTINUATION_KIND, startedAt: Date.now(), mustEndBy: Date.now() + 60_000, stackUpdatedAt: '', invocations: 1, done: [], counts: {}, pacer: {} }],
  ];
  for (const [what, payload] of payloads) {
    // WHEN it is invoked by hand
    const mark = world.connect.requests.length;
    const invocation = await world.checkDrift({ correct: true, payload: payload as Record<string, unknown> });

    // THEN nothing reached Connect, and its log says why
    expect({ what, requests: world.connect.requests.slice(mark).length }).toEqual({ what, requests: 0 });
    expect(invocation.result).toMatchObject({ status: 'ignored', reason: expect.any(String) });
    expect(invocation.output).toContain('drift check is not the current work: nothing read, nothing written');
  }
  expect(world.connect.user(INSTANCE, roster[0].UserId!).identityInfo.LastName).toBe('Drifted');
});

test('a newer check stops the one it supersedes, and goes on from where it stopped: each drifted user written once', async () => {
  // GIVEN 150 drifted agents, their corrections queued behind a quota of 5 writes a second (30 s for all,
  // so that the next check starts while they are queued, however slowly this machine starts a process),
  // and a check correcting them
  const drifted = roster.slice(0, 150);
  for (const entry of drifted) world.connect.editUser(INSTANCE, entry.UserId!, { LastName: 'Drifted' });
  world.connect.throttle('UpdateUserIdentityInfo', { ratePerSecond: 5, burst: 1 });
  const runsMark = world.lambda.invocations.length;
  const writeMark = world.connect.requests.length;
  await world.scheduleCheck({ correct: true, scheduledAt: new Date(), intervalSeconds: 3_600 / K });
  while ((writesPerUser(writeMark).size ?? 0) < 30) await new Promise((resolve) => setTimeout(resolve, 10));

  // WHEN the next scheduled check comes while it works
  await world.scheduleCheck({ correct: true, scheduledAt: new Date(), intervalSeconds: 3_600 / K });
  const runs = await checkRuns(runsMark);

  // THEN the older one ended for it (stopped while it worked, or, caught between two invocations, its
  // hand-over found the newer check current), the newer completed, and every drifted agent was written exactly once
  const statuses = runs.map(({ summary }) => `${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`);
  expect(statuses.some((status) => /^stopped: a newer check superseded it$|^ignored: (its check is not the current one|a newer check supersedes its check)/.test(status))).toBe(true);
  expect(statuses.filter((status) => status === 'completed')).toHaveLength(1);
  for (const status of statuses.filter((each) => !each.startsWith('ignored'))) expect(status).toMatch(/^(completed|continuing|stopped: a newer check superseded it|stopped: the check is no longer this invocation's.*)$/);
  const writes = writesPerUser(writeMark);
  expect([...writes.values()].every((count) => count === 1)).toBe(true);
  expect(writes.size).toBe(drifted.length);
  for (const entry of drifted) expect(world.connect.user(INSTANCE, entry.UserId!).identityInfo.LastName).toBe(entry.IdentityInfo.LastName);
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
}, 300_000);

test("a check whose invocation crashed is taken over by Lambda's retry, or a copy, where the ledger says it got", async () => {
  // GIVEN 60 drifted agents, and the next run of the check crashing a second into its work
  const drifted = roster.slice(300, 360);
  for (const entry of drifted) world.connect.editUser(INSTANCE, entry.UserId!, { FirstName: 'Drifted' });
  const runsMark = world.lambda.invocations.length;
  const writeMark = world.connect.requests.length;
  world.lambda.crashNextRuns(1, 1_000);

  // WHEN the schedule starts a check
  await world.scheduleCheck({ correct: true, scheduledAt: new Date(), intervalSeconds: 3_600 / K });
  const runs = await checkRuns(runsMark);

  // THEN the first run crashed, another completed the check, and every drifted agent was written exactly once
  expect(runs[0].invocation.outcome).toBe('crashed');
  expect(runs[0].run.kind).toBe('original');
  expect(runs.filter(({ summary }) => summary?.status === 'completed')).toHaveLength(1);
  const writes = writesPerUser(writeMark);
  expect(writes.size).toBe(drifted.length);
  expect([...writes.values()].every((count) => count === 1)).toBe(true);
}, 300_000);
