/**
 * Declarations by Username, end to end: the handler looks the user up with SearchUsers in the emulator,
 * and goes on only with exactly one match. The username is personal data: no Reason repeats it.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import { calls, useEndToEnd } from '../support/end-to-end';

const INSTANCE = randomUUID();
const USERNAMES = { none: 'zeta.nobody', one: 'quinn.single', two: 'rory.double' };
const DECLARED = { lastName: 'Castellanos-Ibarra' };

const e2e = useEndToEnd({
  NoMatch: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, username: USERNAMES.none, identityInfo: DECLARED }),
  OneMatch: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, username: USERNAMES.one, identityInfo: DECLARED }),
  TwoMatches: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, username: USERNAMES.two, identityInfo: DECLARED }),
});

const HELD = { FirstName: 'Quinn', LastName: 'Castellanos' };

beforeAll(() => {
  e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  // Near misses of every username, which an exact search must not return
  e2e.seedUser(INSTANCE, { username: 'zeta.nobody2', identityInfo: { LastName: 'Oyelaran' } });
  e2e.seedUser(INSTANCE, { username: 'quinn.single.old', identityInfo: { LastName: 'Oyelaran' } });
});

function play(template: 'NoMatch' | 'OneMatch' | 'TwoMatches') {
  const { logicalId, properties } = e2e.templates[template];
  expect(properties('Agent')).toMatchObject({ InstanceId: INSTANCE, Username: expect.any(String) });
  expect(properties('Agent')).not.toHaveProperty('UserId');
  return e2e.play(e2e.driver.createEvent(logicalId('Agent'), properties('Agent')));
}

test('fails when no user has the declared Username, without repeating it', async () => {
  // GIVEN no user named exactly as declared
  const mark = e2e.mark();

  // WHEN CloudFormation creates the declaration
  const created = await play('NoMatch');

  // THEN it fails after the search, saying what to do, not which name it looked for
  const answer = e2e.answerOf(created);
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: `no user in instance ${INSTANCE} has the declared Username; check it, or give the UserId`,
    PhysicalResourceId: `failed-create-${created.event.RequestId}`,
  });
  expect(answer.Reason).not.toContain(USERNAMES.none);
  expect(calls(e2e.requestsSince(mark).filter((request) => request.operation !== 'DescribeInstance'))).toEqual(['SearchUsers 200']);
});

test('with exactly one match, updates that user and answers with its ID and ARN', async () => {
  // GIVEN one user named exactly as declared
  const user = e2e.seedUser(INSTANCE, { username: USERNAMES.one, identityInfo: HELD });
  const mark = e2e.mark();

  // WHEN CloudFormation creates the declaration
  const created = await play('OneMatch');

  // THEN the physical ID and the attributes name the user found
  expect(e2e.answerOf(created)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: `${INSTANCE}/${user.id}`,
    NoEcho: true,
    Data: { UserId: user.id, UserArn: user.arn },
  });
  expect(e2e.identityOf(INSTANCE, user.id)).toEqual({ FirstName: 'Quinn', LastName: 'Castellanos-Ibarra' });
  const search = e2e.requestsSince(mark).find((request) => request.operation === 'SearchUsers');
  expect(search?.body).toMatchObject({
    InstanceId: INSTANCE,
    SearchCriteria: { StringCondition: { FieldName: 'Username', Value: USERNAMES.one, ComparisonType: 'EXACT' } },
  });
  expect(calls(e2e.requestsSince(mark).filter((request) => request.operation !== 'DescribeInstance'))).toEqual([
    'SearchUsers 200',
    'DescribeUser 200',
    'UpdateUserIdentityInfo 200',
  ]);
});

test('fails when two users have the declared Username, naming their IDs, and writes nothing', async () => {
  // GIVEN two users with the same username (possible in the emulator, and in a SearchUsers answer)
  const first = e2e.seedUser(INSTANCE, { username: USERNAMES.two, identityInfo: HELD });
  const second = e2e.seedUser(INSTANCE, { username: USERNAMES.two, identityInfo: HELD });
  const mark = e2e.mark();

  // WHEN CloudFormation creates the declaration
  const created = await play('TwoMatches');

  // THEN it fails, giving the IDs to choose from, and neither user changed
  const answer = e2e.answerOf(created);
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: `2 users in instance ${INSTANCE} have the declared Username (${first.id}, ${second.id}); give the UserId instead`,
    PhysicalResourceId: `failed-create-${created.event.RequestId}`,
  });
  expect(answer.Reason).not.toContain(USERNAMES.two);
  expect(calls(e2e.requestsSince(mark).filter((request) => request.operation !== 'DescribeInstance'))).toEqual(['SearchUsers 200']);
  expect(e2e.identityOf(INSTANCE, first.id)).toEqual(HELD);
  expect(e2e.identityOf(INSTANCE, second.id)).toEqual(HELD);
});
