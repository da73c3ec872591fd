/**
 * A large first deploy, end to end: CloudFormation creates the custom resources of a 50-user stack all
 * at once, each in its own Lambda container (an isolated process, cold), against a Connect that lets
 * through 10 requests per second per operation with bursts of 5. Every one must get through.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import type { ConnectOperation } from '../support/connect-emulator';
import { useEndToEnd } from '../support/end-to-end';

const USER_COUNT = 50;
const INSTANCE = randomUUID();
const USERS = Array.from({ length: USER_COUNT }, (_, index) => ({ index, id: randomUUID() }));
const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];

const lastNameOf = (index: number) => `Declared-Agent-${String(index).padStart(2, '0')}`;

const e2e = useEndToEnd({
  Roster: (stack) => {
    for (const { index, id } of USERS) {
      new ConnectUserIdentity(stack, `Agent${index}`, { instanceId: INSTANCE, userId: id, identityInfo: { lastName: lastNameOf(index) } });
    }
  },
});

test('50 concurrent Creates, each in its own container, all succeed against a throttled Connect', async () => {
  // GIVEN 50 users, and every operation limited to 10 requests per second with bursts of 5
  e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (const { index, id } of USERS) {
    e2e.seedUser(INSTANCE, { id, username: `agent.number.${index}`, identityInfo: { FirstName: `Held-First-${index}`, LastName: `Held-Last-${index}` } });
  }
  for (const operation of OPERATIONS) e2e.emulator.throttle(operation, { ratePerSecond: 10, burst: 5 });
  const template = e2e.templates.Roster;
  expect(template.resources).toHaveLength(USER_COUNT);
  const startedAt = Date.now();

  // WHEN CloudFormation sends the Create of every custom resource of the template at once
  const invocations = await Promise.all(
    template.resources.map((resource) => e2e.play(e2e.driver.createEvent(resource.logicalId, resource.properties), { mode: 'isolated', timeoutMs: 60_000 })),
  );
  const elapsedMs = Date.now() - startedAt;

  // THEN each got one SUCCESS answer, and every user holds its declared last name
  for (const invocation of invocations) {
    const userId = String(invocation.event.ResourceProperties.UserId);
    expect(e2e.answerOf(invocation)).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: `${INSTANCE}/${userId}`,
      NoEcho: true,
      Data: { UserId: userId, UserArn: `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}/agent/${userId}` },
    });
  }
  for (const { index, id } of USERS) {
    expect(e2e.identityOf(INSTANCE, id)).toEqual({ FirstName: `Held-First-${index}`, LastName: lastNameOf(index) });
  }
  // AND Connect did throttle them: each cold container asked for the instance, and got through in the end
  const throttled = e2e.emulator.requests.filter((request) => request.status === 429);
  expect(throttled.length).toBeGreaterThan(0);
  for (const operation of ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo'] as const) {
    expect(e2e.emulator.requestsFor(operation).filter((request) => request.status === 200)).toHaveLength(USER_COUNT);
  }
  // AND at 10 writes a second, 50 users take about 5 s; retries with jitter must not stretch that much
  expect(elapsedMs).toBeLessThan(45_000);
}, 120_000);
