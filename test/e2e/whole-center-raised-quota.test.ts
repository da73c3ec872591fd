/**
 * A whole center on an account whose Connect quota was raised to 50 requests a second per operation,
 * in real time. The pacer starts at the default 2 a second and must find the raised quota by itself,
 * with no setting, and without flooding Connect with throttled requests on the way.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const RATE = 50;
const BURST = 10;
const USER_COUNT = 1_000;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: 1 });
const entries: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { LastName: `Declared${index}` } }));

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(entries, (_, index) => ({ LastName: `Held${index}` }));
  world.throttleConnect({ ratePerSecond: RATE, burst: BURST });
});
afterAll(() => world.stop());

test('1,000 users at a quota raised to 50 a second: no failure, and at most 1.25 requests per call needed', async () => {
  // GIVEN a roster of 1,000 agents
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));

  // WHEN it is deployed
  const result = await world.deployer.deploy(source);
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN every agent is applied, with nearly no throttled request
  expect(result.operations.map((op) => [op.answer.Status, op.answer.Reason])).toEqual([['SUCCESS', undefined]]);
  for (const each of entries) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo).toEqual(each.IdentityInfo);
  const needed = 1 + 2 * USER_COUNT;
  const requests = world.connect.requests;
  expect(requests.length).toBeLessThanOrEqual(1.25 * needed);
  const bound = (USER_COUNT - BURST) / RATE;
  console.log(
    `1,000 users at ${RATE}/s: ${(result.wallMs / 1000).toFixed(1)} s = ${(result.wallMs / 1000 / bound).toFixed(2)}× the bound; ` +
      `${requests.length} requests for ${needed} calls, ${requests.filter((request) => request.status === 429).length} throttled`,
  );
}, 600_000);
