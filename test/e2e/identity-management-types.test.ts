/**
 * Instances whose identities an IdP (SAML) or a directory (EXISTING_DIRECTORY) owns, end to end: the
 * fields such an instance refuses fail the deploy when declared, and are never sent back from the read
 * when other fields are declared, so the values the IdP or directory set stay as they are.
 */
import { Stack } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity, UserIdentityInfo } from '../../lib';
import { calls, useEndToEnd } from '../support/end-to-end';

const SAML = randomUUID();
const DIRECTORY = randomUUID();
const USERS = {
  samlEmail: randomUUID(),
  directoryNames: randomUUID(),
  samlMobile: randomUUID(),
  directoryMobile: randomUUID(),
};

function declare(stack: Stack, instanceId: string, userId: string, identityInfo: UserIdentityInfo): void {
  new ConnectUserIdentity(stack, 'Agent', { instanceId, userId, identityInfo });
}

const e2e = useEndToEnd({
  SamlEmail: (stack) => declare(stack, SAML, USERS.samlEmail, { email: 'hallgerdur.new@example.com', mobile: '+14255550201' }),
  DirectoryNames: (stack) => declare(stack, DIRECTORY, USERS.directoryNames, { firstName: 'Radomir', lastName: 'Wisniewski-Kahn' }),
  SamlMobile: (stack) => declare(stack, SAML, USERS.samlMobile, { mobile: '+14255550202' }),
  DirectoryMobile: (stack) => declare(stack, DIRECTORY, USERS.directoryMobile, { mobile: '+14255550203', secondaryEmail: 'pager.eun@example.org' }),
});

const HELD = {
  samlEmail: { FirstName: 'Hallgerdur', LastName: 'Sigurdardottir', Email: 'hallgerdur.s@example.com' },
  directoryNames: { FirstName: 'Radomira', LastName: 'Wisniewska', Email: 'radomira.w@example.com' },
  samlMobile: { FirstName: 'Anneliese', LastName: 'Oberkirch', Email: 'anneliese.o@example.com', Mobile: '+14255550299' },
  directoryMobile: { FirstName: 'Eun-ji', LastName: 'Baekhyun', Email: 'eunji.b@example.com', SecondaryEmail: 'old.pager.eun@example.org' },
};

let arnOf: (instanceId: string, userId: string) => string;

beforeAll(() => {
  e2e.emulator.addInstance({ id: SAML, identityManagementType: 'SAML' });
  e2e.emulator.addInstance({ id: DIRECTORY, identityManagementType: 'EXISTING_DIRECTORY' });
  arnOf = (instanceId, userId) => `arn:aws:connect:us-east-1:123456789012:instance/${instanceId}/agent/${userId}`;
  e2e.seedUser(SAML, { id: USERS.samlEmail, username: 'hsigurdardottir', identityInfo: HELD.samlEmail });
  e2e.seedUser(DIRECTORY, { id: USERS.directoryNames, username: 'rwisniewska', identityInfo: HELD.directoryNames });
  e2e.seedUser(SAML, { id: USERS.samlMobile, username: 'aoberkirch', identityInfo: HELD.samlMobile });
  e2e.seedUser(DIRECTORY, { id: USERS.directoryMobile, username: 'ebaekhyun', identityInfo: HELD.directoryMobile });
});

test('fails when Email is declared for a user of a SAML instance, and writes nothing', async () => {
  // GIVEN a declaration of Email (and Mobile) for a user of a SAML instance
  const template = e2e.templates.SamlEmail;
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

  // THEN it fails, naming the field and the instance type, after reading only the instance
  expect(e2e.answerOf(created)).toEqual({
    Status: 'FAILED',
    Reason: expect.stringMatching(new RegExp(`^user ${USERS.samlEmail} in instance ${SAML}: Email cannot be set: the instance uses SAML`)),
    PhysicalResourceId: `failed-create-${created.event.RequestId}`,
  });
  expect(calls(e2e.requestsSince(mark))).toEqual(['DescribeInstance 200']);
  expect(e2e.identityOf(SAML, USERS.samlEmail)).toEqual(HELD.samlEmail);
});

test('fails when names are declared for a user of an EXISTING_DIRECTORY instance, naming each, and writes nothing', async () => {
  // GIVEN a declaration of FirstName and LastName for a user of an instance with an existing directory
  const template = e2e.templates.DirectoryNames;
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

  // THEN it fails, naming both fields and the directory
  const answer = e2e.answerOf(created);
  expect(answer).toEqual({
    Status: 'FAILED',
    Reason: expect.stringContaining(`user ${USERS.directoryNames} in instance ${DIRECTORY}: FirstName cannot be set: the instance uses an existing directory`),
    PhysicalResourceId: `failed-create-${created.event.RequestId}`,
  });
  expect(answer.Reason).toContain('; LastName cannot be set: the instance uses an existing directory');
  expect(calls(e2e.requestsSince(mark))).toEqual(['DescribeInstance 200']);
  expect(e2e.identityOf(DIRECTORY, USERS.directoryNames)).toEqual(HELD.directoryNames);
});

test.each([
  ['SAML', SAML, 'samlMobile', { FirstName: 'Anneliese', LastName: 'Oberkirch', Mobile: '+14255550202' }],
  ['EXISTING_DIRECTORY', DIRECTORY, 'directoryMobile', { SecondaryEmail: 'pager.eun@example.org', Mobile: '+14255550203' }],
] as const)('a partial declaration on a %s instance succeeds without sending back the fields the type refuses', async (_type, instanceId, key, sent) => {
  // GIVEN a user of the instance with a full identity, and a declaration of fields the type accepts
  const template = e2e.templates[key === 'samlMobile' ? 'SamlMobile' : 'DirectoryMobile'];
  const userId = USERS[key];
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(e2e.driver.createEvent(template.logicalId('Agent'), template.properties('Agent')));

  // THEN it succeeds
  expect(e2e.answerOf(created)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: `${instanceId}/${userId}`,
    NoEcho: true,
    Data: { UserId: userId, UserArn: arnOf(instanceId, userId) },
  });
  // AND the write held the declared fields and the held fields the type accepts, none of those it refuses
  const writes = e2e.requestsSince(mark).filter((request) => request.operation === 'UpdateUserIdentityInfo');
  expect(writes.map((request) => request.body)).toEqual([{ IdentityInfo: sent }]);
  // AND the fields owned by the IdP or the directory are intact
  expect(e2e.identityOf(instanceId, userId)).toEqual({ ...HELD[key], ...sent });
});
