/**
 * A drift check of a whole center, time-scaled as in whole-center: 2,000 agents at Connect's default
 * quota with a 15-minute Lambda, played ten times faster. The check reads every agent once, paced like
 * a deploy, and goes on in new invocations of itself until all are compared.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserRoster } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K, quotas: QUOTAS } = TIME_SCALED_DEFAULT_QUOTA;
/** DescribeUser's quota: a check reads. */
const { ratePerSecond: RATE, burst: BURST } = QUOTAS.DescribeUser;
const USER_COUNT = 2_000;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const roster: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({
  InstanceId: INSTANCE,
  UserId: randomUUID(),
  IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` },
}));
const drifted = roster.filter((_, index) => index % 200 === 0);

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (each) => ({ ...each.IdentityInfo, LastName: drifted.includes(each) ? 'Edited' : each.IdentityInfo.LastName }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('a check of 2,000 agents at the default quota reads each once, nearly unthrottled, and finds the drifted ones', async () => {
  // GIVEN a deployed stack of 2,000 agents with a drift check, ten of them edited in Connect since
  const source = await world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserDriftCheck(stack, 'Drift');
  });
  world.deployer.assumeDeployed(source);

  // WHEN the schedule starts a check
  const startedAt = Date.now();
  const first = await world.checkDrift({ correct: false, payload: { action: 'check-drift', scheduledAt: new Date().toISOString(), intervalSeconds: 3_600 / K } });
  await world.lambda.settled();
  const wallMs = Date.now() - startedAt;

  // THEN it went on in new invocations until the last one completed it
  const invocations = [first, ...(await Promise.all(world.lambda.invocations.map((each) => each.ended)))] as Invocation[];
  const summaries = invocations.map((invocation) => invocation.result as DriftSummary);
  expect(summaries.map((summary) => summary.status)).toEqual([...Array(invocations.length - 1).fill('continuing'), 'completed']);
  expect(summaries.at(-1)).toMatchObject({ users: USER_COUNT, checked: USER_COUNT, drifted: drifted.length, corrected: 0, failed: 0, notChecked: 0 });
  for (const invocation of invocations) expect(findLeaks(invocation, world.secrets)).toEqual([]);
  // AND Connect received at most 1.25 times the reads the check needs, and no write
  const requests = world.connect.requests;
  expect(requests.filter((request) => request.operation === 'UpdateUserIdentityInfo')).toEqual([]);
  expect(requests.length).toBeLessThanOrEqual(1.25 * (USER_COUNT + 1));
  const throttled = requests.filter((request) => request.status === 429).length;
  const bound = (USER_COUNT - BURST) / RATE;
  console.log(`drift check of 2,000 users at ${RATE}/s: ${(wallMs / 1000).toFixed(1)} s = ${(wallMs / 1000 / bound).toFixed(2)}× the bound; ${requests.length} requests, ${throttled} throttled; ${invocations.length} invocations`);
}, 600_000);
