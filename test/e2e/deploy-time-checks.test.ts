/**
 * What the handler refuses at deploy time, end to end: values only known then (parameters) that break
 * the rules synth could not check, users and instances Connect does not know, a value Connect holds that
 * it would refuse to take back, and events CloudFormation would never send. Each ends in one FAILED
 * answer whose Reason names the field or the ID, and in no write.
 */
import { CfnParameter, Stack } from 'aws-cdk-lib';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import { calls, useEndToEnd } from '../support/end-to-end';

const INSTANCE = randomUUID();
const UNKNOWN_INSTANCE = randomUUID();
const USERS = {
  parameters: randomUUID(),
  unknown: randomUUID(), // never seeded
  inUnknownInstance: randomUUID(),
  heldInvalid: randomUUID(),
  malformed: randomUUID(),
};

const e2e = useEndToEnd({
  Parameters: (stack: Stack) => {
    const parameter = (id: string) => new CfnParameter(stack, id, { type: 'String', noEcho: true }).valueAsString;
    new ConnectUserIdentity(stack, 'Agent', {
      instanceId: INSTANCE,
      userId: USERS.parameters,
      identityInfo: { firstName: 'Zofia', lastName: parameter('LastNameValue'), mobile: parameter('MobileValue'), secondaryEmail: parameter('SecondaryEmailValue') },
    });
  },
  UnknownUser: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, userId: USERS.unknown, identityInfo: { lastName: 'Unbekannt' } }),
  UnknownInstance: (stack) =>
    new ConnectUserIdentity(stack, 'Agent', { instanceId: UNKNOWN_INSTANCE, userId: USERS.inUnknownInstance, identityInfo: { lastName: 'Unbekannt' } }),
  HeldInvalid: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, userId: USERS.heldInvalid, identityInfo: { lastName: 'Haverkamp' } }),
  Malformed: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, userId: USERS.malformed, identityInfo: { lastName: 'Nakamura-Ode' } }),
});

const VALID = { LastNameValue: 'Wójcik', MobileValue: '+14255550301', SecondaryEmailValue: 'zofia.pager@example.org' };
const HELD = {
  parameters: { FirstName: 'Zofia', LastName: 'Kaminska' },
  heldInvalid: { FirstName: 'Femke', LastName: 'Verhoeven', Mobile: '555-0100' },
  malformed: { FirstName: 'Haruto', LastName: 'Nakamura' },
};

beforeAll(() => {
  e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  e2e.seedUser(INSTANCE, { id: USERS.parameters, username: 'zkaminska', identityInfo: HELD.parameters });
  e2e.seedUser(INSTANCE, { id: USERS.heldInvalid, username: 'fverhoeven', identityInfo: HELD.heldInvalid });
  e2e.seedUser(INSTANCE, { id: USERS.malformed, username: 'hnakamura', identityInfo: HELD.malformed });
});

/** The requests that concern one user: they name it in their path. */
function requestsOfUser(mark: number, userId: string) {
  return e2e.requestsSince(mark).filter((request) => request.path.includes(userId));
}

describe('values resolved at deploy time', () => {
  test('the template carries the parameters unresolved, and synth let them through', () => {
    // GIVEN a declaration whose LastName, Mobile and SecondaryEmail are parameters
    // WHEN it was synthesized (before all)
    // THEN the template holds references to them, for CloudFormation to resolve
    expect(e2e.templates.Parameters.resources.map((resource) => resource.properties.IdentityInfo)).toEqual([
      { FirstName: 'Zofia', LastName: { Ref: 'LastNameValue' }, Mobile: { Ref: 'MobileValue' }, SecondaryEmail: { Ref: 'SecondaryEmailValue' } },
    ]);
  });

  test.each([
    ['LastName', { LastNameValue: 'Wo\u0301jcik' }, 'is not in Unicode Normalization Form C'],
    ['Mobile', { MobileValue: '4255550301' }, 'is not an E.164 number'],
    ['SecondaryEmail', { SecondaryEmailValue: 'zofia.pager@localhost' }, 'does not match the API pattern'],
  ])('fails when the resolved %s is invalid, naming the field and the user, and writes nothing', async (field, invalid, problem) => {
    // GIVEN the parameters resolved to valid values but one
    const template = e2e.templates.Parameters;
    const properties = template.properties('Agent', { ...VALID, ...invalid });
    const mark = e2e.mark();

    // WHEN CloudFormation creates the resource
    const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), properties));

    // THEN it fails before any call, with a Reason naming the field and the user, not the value
    expect(e2e.answerOf(created)).toEqual({
      Status: 'FAILED',
      Reason: expect.stringMatching(new RegExp(`^user ${USERS.parameters} in instance ${INSTANCE}: ${field} ${problem}`)),
      PhysicalResourceId: `failed-create-${created.event.RequestId}`,
    });
    expect(e2e.requestsSince(mark)).toEqual([]);
    expect(e2e.identityOf(INSTANCE, USERS.parameters)).toEqual(HELD.parameters);
  });

  test('fails naming every invalid resolved field at once', async () => {
    // GIVEN all three parameters resolved to invalid values
    const template = e2e.templates.Parameters;
    const properties = template.properties('Agent', { LastNameValue: 'Wo\u0301jcik', MobileValue: '+0425555', SecondaryEmailValue: 'zofia at example.org' });
    const mark = e2e.mark();

    // WHEN CloudFormation creates the resource
    const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), properties));

    // THEN the one Reason names all three
    const answer = e2e.answerOf(created);
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `failed-create-${created.event.RequestId}` });
    expect(answer.Reason).toMatch(new RegExp(`^user ${USERS.parameters} in instance ${INSTANCE}: LastName is not in Unicode Normalization Form C`));
    expect(answer.Reason).toContain('; SecondaryEmail does not match the API pattern');
    expect(answer.Reason).toContain('; Mobile is not an E.164 number');
    expect(e2e.requestsSince(mark)).toEqual([]);
    expect(e2e.identityOf(INSTANCE, USERS.parameters)).toEqual(HELD.parameters);
  });

  test('valid resolved values are written', async () => {
    // GIVEN the parameters resolved to valid values
    const template = e2e.templates.Parameters;

    // WHEN CloudFormation creates the resource
    const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent', VALID)));

    // THEN they are set
    expect(e2e.answerOf(created)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${INSTANCE}/${USERS.parameters}` });
    expect(e2e.identityOf(INSTANCE, USERS.parameters)).toEqual({
      FirstName: 'Zofia',
      LastName: 'Wójcik',
      Mobile: '+14255550301',
      SecondaryEmail: 'zofia.pager@example.org',
    });
  });
});

describe('users and instances Connect does not know', () => {
  test('fails for an unknown user with a Reason naming it, after one DescribeUser', async () => {
    // GIVEN a declaration of a user the instance does not have
    const template = e2e.templates.UnknownUser;
    const mark = e2e.mark();

    // WHEN CloudFormation creates the resource
    const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

    // THEN it fails, saying which user was not found; a 404 is not retried
    expect(e2e.answerOf(created)).toEqual({
      Status: 'FAILED',
      Reason: expect.stringMatching(new RegExp(`^user ${USERS.unknown} in instance ${INSTANCE} not found \\(DescribeUser: `)),
      PhysicalResourceId: `failed-create-${created.event.RequestId}`,
    });
    expect(calls(requestsOfUser(mark, USERS.unknown))).toEqual(['DescribeUser 404']);
  });

  test('fails for an unknown instance with a Reason naming it, after one DescribeInstance', async () => {
    // GIVEN a declaration in an instance Connect does not have
    const template = e2e.templates.UnknownInstance;
    const mark = e2e.mark();

    // WHEN CloudFormation creates the resource
    const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

    // THEN it fails, saying which instance was not found, in which region
    expect(e2e.answerOf(created)).toEqual({
      Status: 'FAILED',
      Reason: expect.stringMatching(new RegExp(`^instance ${UNKNOWN_INSTANCE} in us-east-1 not found \\(DescribeInstance: `)),
      PhysicalResourceId: `failed-create-${created.event.RequestId}`,
    });
    expect(calls(e2e.requestsSince(mark))).toEqual(['DescribeInstance 404']);
  });
});

test('fails when a value Connect holds but the declaration does not name is invalid, naming it, and writes nothing', async () => {
  // GIVEN a user whose stored Mobile is not E.164, and a declaration of LastName only
  const template = e2e.templates.HeldInvalid;
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

  // THEN it fails, blaming the held Mobile, not the declaration; the user is read, not written
  expect(e2e.answerOf(created)).toEqual({
    Status: 'FAILED',
    Reason: `user ${USERS.heldInvalid} in instance ${INSTANCE}: the value Connect holds for Mobile (not declared here) is not an E.164 number: a "+", then 2 to 15 digits, the first not 0 (e.g. +12065550100); declare Mobile to replace it`,
    PhysicalResourceId: `failed-create-${created.event.RequestId}`,
  });
  expect(calls(requestsOfUser(mark, USERS.heldInvalid))).toEqual(['DescribeUser 200']);
  expect(e2e.identityOf(INSTANCE, USERS.heldInvalid)).toEqual(HELD.heldInvalid);
});

describe('malformed events', () => {
  test('fails an unknown RequestType with a Reason saying which are known', async () => {
    // GIVEN an event of a request type CloudFormation does not have
    const template = e2e.templates.Malformed;
    const event = { ...e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')), RequestType: 'Upsert' };
    const mark = e2e.mark();

    // WHEN the handler gets it
    const invocation = await e2e.play(event as unknown as CloudFormationCustomResourceEvent);

    // THEN it answers FAILED, and calls nothing
    expect(e2e.answerOf(invocation)).toEqual({
      Status: 'FAILED',
      Reason: 'unknown RequestType; expected Create, Update or Delete',
      PhysicalResourceId: `failed-create-${event.RequestId}`,
    });
    expect(e2e.requestsSince(mark)).toEqual([]);
    expect(e2e.identityOf(INSTANCE, USERS.malformed)).toEqual(HELD.malformed);
  });

  test.each(['Create', 'Update'] as const)('fails a %s without ResourceProperties with a Reason saying so', async (requestType) => {
    // GIVEN an event without ResourceProperties
    const template = e2e.templates.Malformed;
    const physicalId = `${INSTANCE}/${USERS.malformed}`;
    const properties = template.properties('Agent');
    const full =
      requestType === 'Create'
        ? e2e.driver.createEvent(template.logicalId('Agent'), properties)
        : e2e.driver.updateEvent(template.logicalId('Agent'), physicalId, properties, properties);
    const { ResourceProperties: _dropped, ...event } = full;
    const mark = e2e.mark();

    // WHEN the handler gets it
    const invocation = await e2e.play(event as unknown as CloudFormationCustomResourceEvent);

    // THEN it answers FAILED (an Update keeping its physical ID), and calls nothing
    expect(e2e.answerOf(invocation)).toEqual({
      Status: 'FAILED',
      Reason: 'the event has no ResourceProperties',
      PhysicalResourceId: requestType === 'Create' ? `failed-create-${event.RequestId}` : physicalId,
    });
    expect(e2e.requestsSince(mark)).toEqual([]);
    expect(e2e.identityOf(INSTANCE, USERS.malformed)).toEqual(HELD.malformed);
  });
});
