/**
 * A whole center deployed while the account's other callers use Connect too, time-scaled as in
 * whole-center: another caller sends DescribeUser at a quarter of DescribeUser's quota for the whole deploy. The
 * deploy must leave it at least 90% of its requests, and still complete with no failure.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { CompetingCaller } from '../support/competing-caller';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K, quotas: QUOTAS } = TIME_SCALED_DEFAULT_QUOTA;
/** DescribeUser's quota, the operation the other caller shares with the deploy. */
const RATE = QUOTAS.DescribeUser.ratePerSecond;
const USER_COUNT = 2_000;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const entries: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({
  InstanceId: INSTANCE,
  UserId: randomUUID(),
  IdentityInfo: { LastName: `Declared${index}` },
}));
const integrationUser = randomUUID();

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(entries, (_, index) => ({ LastName: `Held${index}` }));
  world.seedUser(INSTANCE, { id: integrationUser, username: 'integration.user', identityInfo: { LastName: 'Integration' } });
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test("a deploy leaves another DescribeUser caller at a quarter of the quota at least 90% of its requests, and completes", async () => {
  // GIVEN another caller reading a user at a quarter of the quota
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
  const other = new CompetingCaller(world.connect.endpoint, { instanceId: INSTANCE, userId: integrationUser });
  other.start(RATE / 4);

  // WHEN 2,000 agents are deployed meanwhile
  const result = await world.deployer.deploy(source);
  const competitor = await other.stop();
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN the deploy completed with every agent applied
  expect(result.operations.map((op) => [op.answer.Status, op.answer.Reason])).toEqual([['SUCCESS', undefined]]);
  for (const each of entries) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo).toEqual(each.IdentityInfo);
  // AND the other caller got at least 90% of its requests through
  expect(competitor.sent).toBeGreaterThan(100);
  expect(competitor.succeeded / competitor.sent).toBeGreaterThanOrEqual(0.9);
  const deploy = world.connect.requests.filter((request) => request.path !== `/users/${INSTANCE}/${integrationUser}`);
  console.log(
    `with another caller at ${RATE / 4}/s: it got ${competitor.succeeded} of ${competitor.sent} through; the deploy took ${(result.wallMs / 1000).toFixed(1)} s, ` +
      `${deploy.length} requests (${deploy.filter((request) => request.status === 429).length} throttled) for ${1 + 2 * USER_COUNT} calls`,
  );
}, 600_000);
