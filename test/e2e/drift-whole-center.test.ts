/**
 * A drift check of a whole center, time-scaled as in whole-center: 2,000 agents at Connect's default
 * quotas (DescribeUser and ListUsers 10 a second) with a 15-minute Lambda, played ten times faster. The
 * first check reads every agent once; after that, a check lists the agents (two pages) and reads only
 * the ones Connect says were edited. Request counts are asserted; times are printed against the bound.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserRoster } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K, quotas: QUOTAS } = TIME_SCALED_DEFAULT_QUOTA;
const USER_COUNT = 2_000;
const PAGES = Math.ceil(USER_COUNT / 1_000);
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const roster: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({
  InstanceId: INSTANCE,
  UserId: randomUUID(),
  IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` },
}));

beforeAll(async () => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (each) => ({ ...each.IdentityInfo }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
  const source = await world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserDriftCheck(stack, 'Drift');
  });
  world.deployer.assumeDeployed(source);
}, 120_000);
afterAll(() => world.stop());

/** A check as its schedule starts it; its summary, its Connect requests by operation, and its wall time. */
async function scheduledCheck(label: string) {
  const mark = world.connect.requests.length;
  const runsMark = world.lambda.invocations.length;
  const startedAt = Date.now();
  // An hourly schedule: a first check slowed by a busy machine still completes in one check, as the assertions expect
  await world.scheduleCheck({ correct: false, intervalSeconds: 3_600 / K });
  await world.lambda.settled();
  const wallMs = Date.now() - startedAt;
  const runs = (await Promise.all(world.lambda.invocations.slice(runsMark).map((run) => run.ended))) as Invocation[];
  for (const run of runs) expect(findLeaks(run, world.secrets)).toEqual([]);
  const summary = runs.map((run) => run.result as DriftSummary).find((each) => each.status === 'completed')!;
  const requests: Record<string, number> = {};
  const answered: Record<string, number> = {};
  for (const request of world.connect.requests.slice(mark)) {
    requests[request.operation] = (requests[request.operation] ?? 0) + 1;
    if (request.status !== 429) answered[request.operation] = (answered[request.operation] ?? 0) + 1;
  }
  console.log(`${label}: ${(wallMs / 1000).toFixed(1)} s (${((wallMs * K) / 1000).toFixed(0)} s of Connect time), requests ${JSON.stringify(requests)}`);
  return { summary, requests, answered };
}

test('the first check of 2,000 agents reads each once, at about the bound of DescribeUser', async () => {
  const { summary, requests, answered } = await scheduledCheck('first check of 2,000');
  expect(summary).toMatchObject({ users: USER_COUNT, checked: USER_COUNT, read: USER_COUNT, drifted: 0, pages: PAGES });
  // Each agent read once; the pacer finds the quota with a few throttled requests (more on a busy machine,
  // whose requests reach Connect in bursts), as a deploy does
  expect(answered.DescribeUser).toBe(USER_COUNT);
  expect(requests.DescribeUser).toBeLessThanOrEqual(USER_COUNT * 1.1);
  console.log(`  bound of the reads: ${(USER_COUNT / QUOTAS.DescribeUser.ratePerSecond).toFixed(1)} s`);
}, 300_000);

test('with ten agents edited since, a check costs the pages, ten DescribeUser and one DescribeInstance, and reports exactly those ten', async () => {
  // GIVEN ten agents edited in Connect
  const edited = roster.filter((_, index) => index % 200 === 7);
  for (const each of edited) world.connect.editUser(INSTANCE, each.UserId!, { LastName: 'Edited' });
  // (LastModifiedTime and Connect's Date are in whole seconds: what was edited within two seconds before a check's listing is read by the next one too)
  await new Promise((resolve) => setTimeout(resolve, 2_100));

  const { summary, requests } = await scheduledCheck('check of 2,000 with 10 edits');

  expect(summary).toMatchObject({ status: 'completed', checked: USER_COUNT, read: 10, drifted: 10 });
  expect(requests).toEqual({ ListUsers: PAGES, DescribeUser: 10, DescribeInstance: 1 });
}, 120_000);

test('with nothing edited since, a check costs the pages of ListUsers and nothing else', async () => {
  const { summary, requests } = await scheduledCheck('check of 2,000 with nothing edited');
  // (the ten drifted ones are reported again, from what the last check learned, without a read)
  expect(summary).toMatchObject({ status: 'completed', read: 0, drifted: 10 });
  expect(requests).toEqual({ ListUsers: PAGES });
}, 120_000);
