/**
 * A whole contact center, time-scaled: 2,000 agents deployed from one roster at Connect's default quota
 * (2 requests a second per operation, burst 5) with a 15-minute Lambda, played ten times faster: 20
 * requests a second and a 90-second Lambda.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import type { ConnectOperation } from '../support/connect-emulator';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const K = 10;
const RATE = 2 * K;
const BURST = 5;
const USER_COUNT = 2_000;
const INSTANCE = randomUUID();
const USERS = Array.from({ length: USER_COUNT }, (_, index) => ({ index, id: randomUUID() }));
const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];
const world = new RosterWorld({ timeScale: K });

const entry = (index: number, id: string): RosterFileEntry => ({
  InstanceId: INSTANCE,
  UserId: id,
  IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}`, Email: `agent${index}@example.org` },
});

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (const { index, id } of USERS) world.connect.addUser(INSTANCE, { id, username: `agent.${index}`, identityInfo: { FirstName: `Held${index}`, LastName: `Held${index}` } });
  for (const operation of OPERATIONS) world.connect.throttle(operation, { ratePerSecond: RATE, burst: BURST });
});
afterAll(() => world.stop());

test('the first deploy of 2,000 users at the default quota completes with no failure and few throttled requests', async () => {
  // GIVEN a roster of 2,000 agents, none of whom holds the declared identity yet
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(USERS.map(({ index, id }) => entry(index, id))) }));

  // WHEN the stack is deployed
  const result = await world.deployer.deploy(source);

  // THEN it completes, and every agent holds the declaration
  expect(result.operations.map((op) => [op.requestType, op.answer.Status, op.answer.Reason])).toEqual([['Create', 'SUCCESS', undefined]]);
  expect(result.status).toBe('CREATE_COMPLETE');
  for (const { index, id } of USERS) expect(world.connect.user(INSTANCE, id).identityInfo).toEqual(entry(index, id).IdentityInfo);
  // AND the stage took more than one invocation, each within the Lambda's limit
  await world.lambda.settled();
  expect(world.lambda.invocations.length).toBeGreaterThan(0);
  // AND Connect received at most 1.25 times the calls the work needs
  const needed = 1 + 2 * USER_COUNT;
  const requests = world.connect.requests.length;
  const throttled = world.connect.requests.filter((request) => request.status === 429).length;
  expect(requests).toBeLessThanOrEqual(1.25 * needed);
  const bound = (USER_COUNT - BURST) / RATE;
  console.log(`2,000 users at ${RATE}/s: ${(result.wallMs / 1000).toFixed(1)} s = ${(result.wallMs / 1000 / bound).toFixed(2)}× the bound; ${requests} requests for ${needed} calls, ${throttled} throttled; ${world.lambda.invocations.length + 1} invocations`);
}, 600_000);
