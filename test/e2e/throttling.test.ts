/**
 * A large first deploy, end to end: CloudFormation creates the custom resources of a 50-user stack all
 * at once, each in its own Lambda container (an isolated process, cold), against a Connect that lets
 * through 10 requests per second per operation with bursts of 5. Every one must get through. How long
 * that takes is measured by `npm run bench`, not here: this suite runs on machines busy with other work.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import type { ConnectOperation, ErrorAnswer, RequestRecord } from '../support/connect-emulator';
import { calls, useEndToEnd } from '../support/end-to-end';

const USER_COUNT = 50;
const INSTANCE = randomUUID();
const USERS = Array.from({ length: USER_COUNT }, (_, index) => ({ index, id: randomUUID() }));
const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];

const lastNameOf = (index: number) => `Declared-Agent-${String(index).padStart(2, '0')}`;

/** Ways to say "throttled": by error type (with a status other than 429, as some AWS services answer), or by a bare 429. */
const THROTTLING_ANSWERS: Record<string, ErrorAnswer> = {
  ThrottlingException: { status: 400, errorType: 'ThrottlingException' },
  TooManyRequestsException: { status: 400, errorType: 'TooManyRequestsException' },
  'a bare 429, without an error type': { status: 429 },
};
const STYLE_INSTANCE = randomUUID();
const STYLE_USERS = Object.fromEntries(Object.keys(THROTTLING_ANSWERS).map((style) => [style, randomUUID()]));

const e2e = useEndToEnd({
  Roster: (stack) => {
    for (const { index, id } of USERS) {
      new ConnectUserIdentity(stack, `Agent${index}`, { instanceId: INSTANCE, userId: id, identityInfo: { lastName: lastNameOf(index) } });
    }
  },
  Styles: (stack) => {
    for (const [index, id] of Object.values(STYLE_USERS).entries()) {
      new ConnectUserIdentity(stack, `Agent${index}`, { instanceId: STYLE_INSTANCE, userId: id, identityInfo: { lastName: 'Declared-Throttled' } });
    }
  },
});

beforeAll(() => {
  e2e.emulator.addInstance({ id: STYLE_INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
});

test.each(Object.keys(THROTTLING_ANSWERS))('retries a call throttled with %s until it goes through', async (style) => {
  // GIVEN a user, and a Connect that answers its next two DescribeUser with this throttling answer
  const answer = THROTTLING_ANSWERS[style];
  const userId = STYLE_USERS[style];
  e2e.seedUser(STYLE_INSTANCE, { id: userId, username: `throttled.${Object.keys(THROTTLING_ANSWERS).indexOf(style)}`, identityInfo: { FirstName: 'Held-First', LastName: 'Held-Last' } });
  e2e.emulator.failNext('DescribeUser', 2, answer);
  const resource = e2e.templates.Styles.resources.find((each) => each.properties.UserId === userId)!;
  const mark = e2e.mark();

  // WHEN CloudFormation creates the declaration
  const created = await e2e.play(e2e.driver.createEvent(resource.logicalId, resource.properties));

  // THEN DescribeUser was retried as throttled, and the user holds the declared last name
  expect(e2e.answerOf(created)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${STYLE_INSTANCE}/${userId}` });
  const ofUser = e2e.requestsSince(mark).filter((request) => request.path.includes(userId));
  expect(calls(ofUser)).toEqual([`DescribeUser ${answer.status}`, `DescribeUser ${answer.status}`, 'DescribeUser 200', 'UpdateUserIdentityInfo 200']);
  expect(created.output).toContain('"DescribeUserThrottled":2');
  expect(e2e.identityOf(STYLE_INSTANCE, userId)).toEqual({ FirstName: 'Held-First', LastName: 'Declared-Throttled' });
});

test('50 concurrent Creates, each in its own container, all succeed against a throttled Connect', async () => {
  // GIVEN 50 users, and every operation limited to 5 requests per second with bursts of 1
  e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (const { index, id } of USERS) {
    e2e.seedUser(INSTANCE, { id, username: `agent.number.${index}`, identityInfo: { FirstName: `Held-First-${index}`, LastName: `Held-Last-${index}` } });
  }
  for (const operation of OPERATIONS) e2e.emulator.throttle(operation, { ratePerSecond: 5, burst: 1 });
  const template = e2e.templates.Roster;
  expect(template.resources).toHaveLength(USER_COUNT);

  // WHEN CloudFormation sends the Create of every custom resource of the template at once
  const invocations = await e2e.playTogether(
    template.resources.map((resource) => e2e.driver.createEvent(resource.logicalId, resource.properties)),
    { timeoutMs: 60_000 },
  );

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
  const ofInstance = (requests: RequestRecord[]) => requests.filter((request) => request.path.includes(INSTANCE));
  const throttled = ofInstance(e2e.emulator.requests).filter((request) => request.status === 429);
  expect(throttled.length).toBeGreaterThan(0);
  for (const operation of ['DescribeInstance', 'UpdateUserIdentityInfo'] as const) {
    expect(ofInstance(e2e.emulator.requestsFor(operation)).filter((request) => request.status === 200)).toHaveLength(USER_COUNT);
  }
  // AND each user was read at least once (a write that waited long for Connect read its user again: see resilience)
  expect(ofInstance(e2e.emulator.requestsFor('DescribeUser')).filter((request) => request.status === 200).length).toBeGreaterThanOrEqual(USER_COUNT);
}, 600_000);
