/**
 * A Connect that refuses, fails, hangs or throttles, and a ResponseURL that fails, end to end: the
 * handler retries what is worth retrying, gives up on what is not, and always sends exactly one answer
 * before its own timeout: never the silence that leaves a stack waiting for an hour.
 */
import { Stack } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import type { Invocation } from '../support/cloudformation-driver';
import type { ConnectOperation } from '../support/connect-emulator';
import { calls, useEndToEnd } from '../support/end-to-end';

const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];
const SCENARIOS = ['denied', 'serverErrors', 'mixedErrors', 'hung', 'tooShort', 'throttledForever', 'answerRetried'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Each scenario has its own instance, so that the handler's per-container cache of instance types plays no part. */
const IDS = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, { instance: randomUUID(), user: randomUUID() }])) as Record<
  Scenario,
  { instance: string; user: string }
>;

const HELD = { FirstName: 'Leopoldine', LastName: 'Achterberg', Email: 'leopoldine.a@example.com' };
const DECLARED = { LastName: 'Achterberg-Quist', Mobile: '+14255550401' };

const e2e = useEndToEnd(
  Object.fromEntries(
    SCENARIOS.map((scenario) => [
      scenario,
      (stack: Stack) => {
        new ConnectUserIdentity(stack, 'Agent', {
          instanceId: IDS[scenario].instance,
          userId: IDS[scenario].user,
          identityInfo: { lastName: DECLARED.LastName, mobile: DECLARED.Mobile },
        });
      },
    ]),
  ) as Record<Scenario, (stack: Stack) => void>,
);

/** Seeds the scenario's instance and user, and plays the Create of its declaration. */
async function createIn(scenario: Scenario, options: { timeoutMs?: number; arrange?: () => void } = {}): Promise<{ invocation: Invocation; mark: number }> {
  const { instance, user } = IDS[scenario];
  e2e.emulator.addInstance({ id: instance, identityManagementType: 'CONNECT_MANAGED' });
  e2e.seedUser(instance, { id: user, username: `lachterberg.${scenario}`, identityInfo: HELD });
  options.arrange?.();
  const mark = e2e.mark();
  const template = e2e.templates[scenario];
  const invocation = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')), { timeoutMs: options.timeoutMs });
  return { invocation, mark };
}

function success(scenario: Scenario) {
  const { instance, user } = IDS[scenario];
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: `${instance}/${user}`,
    NoEcho: true,
    Data: { UserId: user, UserArn: `arn:aws:connect:us-east-1:123456789012:instance/${instance}/agent/${user}` },
  };
}

afterEach(() => {
  for (const operation of OPERATIONS) {
    e2e.emulator.allowAccess(operation);
    e2e.emulator.throttle(operation, undefined);
    e2e.emulator.hang(operation, 0);
  }
});

test('fails when UpdateUserIdentityInfo is denied, without retrying it', async () => {
  // GIVEN a role that may read users but not update them
  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('denied', { arrange: () => e2e.emulator.denyAccess('UpdateUserIdentityInfo') });

  // THEN it fails at once, naming the action the role lacks
  const { instance, user } = IDS.denied;
  expect(e2e.answerOf(invocation)).toEqual({
    Status: 'FAILED',
    Reason: expect.stringMatching(
      new RegExp(`^user ${user} in instance ${instance}: access denied to connect:UpdateUserIdentityInfo; the handler's role must allow it on this resource`),
    ),
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(calls(e2e.requestsSince(mark))).toEqual(['DescribeInstance 200', 'DescribeUser 200', 'UpdateUserIdentityInfo 403']);
  expect(e2e.identityOf(instance, user)).toEqual(HELD);
});

test('succeeds after a burst of 500s on UpdateUserIdentityInfo', async () => {
  // GIVEN a Connect that answers the next three updates with 500
  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('serverErrors', { arrange: () => e2e.emulator.failNext('UpdateUserIdentityInfo', 3, 500) });

  // THEN the fourth attempt went through
  expect(e2e.answerOf(invocation)).toEqual(success('serverErrors'));
  const requests = e2e.requestsSince(mark);
  expect(calls(requests).filter((call) => !call.startsWith('DescribeUser'))).toEqual([
    'DescribeInstance 200',
    'UpdateUserIdentityInfo 500',
    'UpdateUserIdentityInfo 500',
    'UpdateUserIdentityInfo 500',
    'UpdateUserIdentityInfo 200',
  ]);
  // AND each attempt was merged with a read at most a second old (a retry after a longer wait read the user again)
  for (const [index, request] of requests.entries()) {
    if (request.operation !== 'UpdateUserIdentityInfo') continue;
    const read = requests.slice(0, index).reverse().find((earlier) => earlier.operation === 'DescribeUser');
    expect(request.receivedAt - read!.answeredAt!).toBeLessThanOrEqual(1_000 + 50);
  }
  expect(e2e.identityOf(IDS.serverErrors.instance, IDS.serverErrors.user)).toEqual({ ...HELD, ...DECLARED });
});

test('succeeds after 503s and 429s on every read', async () => {
  // GIVEN a Connect whose reads fail a few times first, with 503 and 429
  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('mixedErrors', {
    arrange: () => {
      e2e.emulator.failNext('DescribeInstance', 2, 503);
      e2e.emulator.failNext('DescribeUser', 2, 429);
    },
  });

  // THEN each read was retried until it went through
  expect(e2e.answerOf(invocation)).toEqual(success('mixedErrors'));
  expect(calls(e2e.requestsSince(mark))).toEqual([
    'DescribeInstance 503',
    'DescribeInstance 503',
    'DescribeInstance 200',
    'DescribeUser 429',
    'DescribeUser 429',
    'DescribeUser 200',
    'UpdateUserIdentityInfo 200',
  ]);
  expect(invocation.output).toContain('"DescribeUserThrottled":2');
  expect(e2e.identityOf(IDS.mixedErrors.instance, IDS.mixedErrors.user)).toEqual({ ...HELD, ...DECLARED });
});

test('fails before its timeout when a call hangs, saying what it was waiting for', async () => {
  // GIVEN a Connect that never answers the next DescribeUser, and a Lambda timeout of 3 s
  const timeoutMs = 3_000;

  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('hung', { timeoutMs, arrange: () => e2e.emulator.hang('DescribeUser', 1) });

  // THEN the handler answered FAILED within its time, naming the call it waited for
  expect(e2e.answerOf(invocation)).toEqual({
    Status: 'FAILED',
    Reason: expect.stringMatching(/^timed out waiting for DescribeUser \(.*DescribeUser: 1 attempts, 0 throttled\); deploy again, or raise the handler's timeout$/),
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(invocation.durationMs).toBeLessThan(timeoutMs);
  expect(calls(e2e.requestsSince(mark))).toEqual(['DescribeInstance 200', 'DescribeUser unanswered']);
  expect(e2e.identityOf(IDS.hung.instance, IDS.hung.user)).toEqual(HELD);
});

test('fails at once when started with too little time left, calling nothing', async () => {
  // GIVEN a Lambda timeout of 300 ms
  const timeoutMs = 300;

  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('tooShort', { timeoutMs });

  // THEN the handler answered FAILED within its time, saying to raise the timeout
  expect(e2e.answerOf(invocation)).toEqual({
    Status: 'FAILED',
    Reason: expect.stringMatching(/^only \d+ ms were left when the handler started; raise the handler's timeout$/),
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(invocation.durationMs).toBeLessThan(timeoutMs);
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(IDS.tooShort.instance, IDS.tooShort.user)).toEqual(HELD);
});

test('fails before its timeout when Connect throttles forever, saying which call was throttled', async () => {
  // GIVEN a Connect that throttles every operation, for good, and a Lambda timeout of 3 s
  const timeoutMs = 3_000;

  // WHEN CloudFormation creates a declaration
  const { invocation, mark } = await createIn('throttledForever', {
    timeoutMs,
    arrange: () => OPERATIONS.forEach((operation) => e2e.emulator.throttle(operation, { ratePerSecond: 0, burst: 0 })),
  });

  // THEN the handler answered FAILED within its time, naming the call and the throttling
  const answer = e2e.answerOf(invocation);
  expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `failed-create-${invocation.event.RequestId}` });
  expect(answer.Reason).toMatch(/DescribeInstance.*(ThrottlingException|throttled)/);
  expect(answer.Reason).toMatch(/deploy again, or raise the handler's timeout$/);
  expect(invocation.durationMs).toBeLessThan(timeoutMs);
  const requests = calls(e2e.requestsSince(mark));
  expect(requests.length).toBeGreaterThan(2);
  expect(new Set(requests)).toEqual(new Set(['DescribeInstance 429']));
  expect(e2e.identityOf(IDS.throttledForever.instance, IDS.throttledForever.user)).toEqual(HELD);
});

test('delivers exactly one answer when the first PUT to the ResponseURL fails', async () => {
  // GIVEN a ResponseURL that fails the next PUT with 500
  // WHEN CloudFormation creates a declaration
  const { invocation } = await createIn('answerRetried', { arrange: () => e2e.driver.failNextAnswers(1, 500) });

  // THEN the handler PUT the same answer again, and CloudFormation took it once
  expect(e2e.answerOf(invocation, { puts: 2 })).toEqual(success('answerRetried'));
  expect(invocation.puts.map((put) => put.status)).toEqual([500, 200]);
  expect(invocation.puts[1].raw).toBe(invocation.puts[0].raw);
  expect(e2e.identityOf(IDS.answerRetried.instance, IDS.answerRetried.user)).toEqual({ ...HELD, ...DECLARED });
});
