/**
 * Errors that quote personal data, end to end: Connect's messages echo the values they refuse (declared
 * ones, held ones, in another letter case), and a malformed answer makes Node's JSON error quote the
 * record. None of it may reach a Reason or a log line; each Reason still says what failed, with the
 * error's code, its HTTP status and the fields involved. Every invocation is checked by the leak check
 * of useEndToEnd, which finds values in any letter case.
 */
import { Stack } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity, UserIdentityInfo } from '../../lib';
import { calls, useEndToEnd } from '../support/end-to-end';

const INSTANCE = randomUUID();
const SCENARIOS = ['declared', 'held', 'recased', 'malformed'] as const;
type Scenario = (typeof SCENARIOS)[number];
const USERS = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, randomUUID()])) as Record<Scenario, string>;

const HELD = { FirstName: 'Ottilie', LastName: 'Marchetti', Email: 'ottilie.held@example.com' };
const DECLARED: Record<Scenario, UserIdentityInfo> = {
  declared: { lastName: 'Marchetti-Oyelowo', email: 'ottilie.declared@example.com' },
  held: { lastName: 'Marchetti-Oyelowo' },
  recased: { lastName: 'Marchetti-Oyelowo' },
  malformed: { lastName: 'Marchetti-Oyelowo' },
};

const e2e = useEndToEnd(
  Object.fromEntries(
    SCENARIOS.map((scenario) => [
      scenario,
      (stack: Stack) => {
        new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, userId: USERS[scenario], identityInfo: DECLARED[scenario] });
      },
    ]),
  ) as Record<Scenario, (stack: Stack) => void>,
);

beforeAll(() => {
  e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (const scenario of SCENARIOS) e2e.seedUser(INSTANCE, { id: USERS[scenario], username: `omarchetti.${scenario}`, identityInfo: HELD });
});

afterEach(() => e2e.emulator.echoValuesInErrors('verbatim'));

/** Plays the Create of a scenario's declaration; returns its answer and the calls made for its user. */
async function create(scenario: Scenario) {
  const template = e2e.templates[scenario];
  const mark = e2e.mark();
  const invocation = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));
  const ofUser = e2e.requestsSince(mark).filter((request) => request.path.includes(USERS[scenario]));
  return { invocation, answer: e2e.answerOf(invocation), calls: calls(ofUser) };
}

const subject = (scenario: Scenario) => `user ${USERS[scenario]} in instance ${INSTANCE}`;

test('fails when Connect refuses a declared value and echoes it, naming the field, not the value', async () => {
  // GIVEN a Connect that refuses the declared Email and quotes it in its message
  e2e.emulator.refuseNextUpdateOf('Email');

  // WHEN CloudFormation creates the declaration
  const { invocation, answer, calls: made } = await create('declared');

  // THEN the Reason names the operation, the code, the status and the field
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: `${subject('declared')}: Amazon Connect rejected UpdateUserIdentityInfo (InvalidParameterException, HTTP 400); its message names Email`,
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(made).toEqual(['DescribeUser 200', 'UpdateUserIdentityInfo 400']);
  expect(e2e.identityOf(INSTANCE, USERS.declared)).toEqual(HELD);
});

test('fails when Connect refuses a value it holds and echoes it, pointing at the undeclared field', async () => {
  // GIVEN a Connect that refuses the Email it holds (sent back with the new last name) and quotes it
  e2e.emulator.refuseNextUpdateOf('Email');

  // WHEN CloudFormation creates a declaration of LastName only
  const { invocation, answer } = await create('held');

  // THEN the Reason says that the held Email was refused, and how to replace it, without its value
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason:
      `${subject('held')}: Amazon Connect rejected UpdateUserIdentityInfo (InvalidParameterException, HTTP 400); its message names Email; ` +
      'Email is not declared here, so the value Connect holds was refused: declare Email to replace it',
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(e2e.identityOf(INSTANCE, USERS.held)).toEqual(HELD);
});

test('fails when Connect echoes a declared value in another letter case, without passing it on', async () => {
  // GIVEN a Connect that refuses the declared LastName and quotes it in upper case
  e2e.emulator.echoValuesInErrors('upper-case');
  e2e.emulator.refuseNextUpdateOf('LastName');

  // WHEN CloudFormation creates the declaration
  const { invocation, answer } = await create('recased');

  // THEN the Reason names LastName only
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: `${subject('recased')}: Amazon Connect rejected UpdateUserIdentityInfo (InvalidParameterException, HTTP 400); its message names LastName`,
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(e2e.identityOf(INSTANCE, USERS.recased)).toEqual(HELD);
});

test('fails when the answer to DescribeUser is malformed, without quoting the record', async () => {
  // GIVEN a Connect whose next DescribeUser answer is cut short, with unquoted identity values
  e2e.emulator.malformNext('DescribeUser');

  // WHEN CloudFormation creates the declaration
  const { invocation, answer, calls: made } = await create('malformed');

  // THEN the Reason says the answer could not be read, with the parser's error code and the status
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: `${subject('malformed')}: the answer to DescribeUser could not be read (SyntaxError, HTTP 200); deploy again`,
    PhysicalResourceId: `failed-create-${invocation.event.RequestId}`,
  });
  expect(made).toEqual(['DescribeUser 200']);
  expect(e2e.identityOf(INSTANCE, USERS.malformed)).toEqual(HELD);
});
