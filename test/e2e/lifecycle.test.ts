/**
 * The deploy lifecycle of a declared user, end to end: CloudFormation's Create, Update, rollback,
 * replacement and Delete events, with the properties of synthesized templates, played against the
 * bundled handler and a Connect emulator whose UpdateUserIdentityInfo replaces the whole record.
 */
import { Stack } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity, UserIdentityInfo } from '../../lib';
import { calls, useEndToEnd } from '../support/end-to-end';

const INSTANCE = randomUUID();
const OTHER_INSTANCE = randomUUID();
const USERS = {
  lifecycle: randomUUID(),
  replacedFrom: randomUUID(),
  replacedByUser: randomUUID(),
  replacedByInstance: randomUUID(),
  partial: randomUUID(),
  trimmed: randomUUID(),
  noOp: randomUUID(),
  ghost: randomUUID(), // declared, never seeded: Connect does not know it
  bystander: randomUUID(),
  rollbackFrom: randomUUID(),
  rollbackTo: randomUUID(),
  firstDeployDone: randomUUID(),
  firstDeployFailed: randomUUID(), // never seeded: its Create fails
};

function declare(stack: Stack, userId: string, identityInfo: UserIdentityInfo, instanceId = INSTANCE): void {
  new ConnectUserIdentity(stack, 'Agent', { instanceId, userId, identityInfo });
}

const LIFECYCLE_V1 = { firstName: 'Mirela', lastName: 'Kowalczyk', email: 'mirela.kowalczyk@example.com' };
const LIFECYCLE_V2 = { lastName: 'Kowalczyk-Brandt', email: 'mirela.brandt@example.com', mobile: '+14255550123' };
const NO_OP = { firstName: 'Teodor', lastName: 'Vasquez-Lind', mobile: '+14255550177' };

// Each stack is one version of the app; the same construct path gives the same logical ID in each.
const e2e = useEndToEnd({
  LifecycleV1: (stack) => declare(stack, USERS.lifecycle, LIFECYCLE_V1),
  LifecycleV2: (stack) => declare(stack, USERS.lifecycle, LIFECYCLE_V2),
  ReplaceFrom: (stack) => declare(stack, USERS.replacedFrom, { lastName: 'Abernathy' }),
  ReplaceUser: (stack) => declare(stack, USERS.replacedByUser, { lastName: 'Abernathy' }),
  ReplaceInstance: (stack) => declare(stack, USERS.replacedByInstance, { lastName: 'Abernathy' }, OTHER_INSTANCE),
  Partial: (stack) => declare(stack, USERS.partial, { mobile: '+14255550142' }),
  TrimmedV1: (stack) => declare(stack, USERS.trimmed, { lastName: 'Okonkwo', mobile: '+14255550155' }),
  TrimmedV2: (stack) => declare(stack, USERS.trimmed, { lastName: 'Okonkwo-Reyes' }),
  NoOpV1: (stack) => declare(stack, USERS.noOp, NO_OP),
  NoOpV2: (stack) => declare(stack, USERS.noOp, { firstName: NO_OP.firstName, lastName: NO_OP.lastName }),
  Ghost: (stack) => declare(stack, USERS.ghost, { lastName: 'Nieznany' }),
  Bystander: (stack) => declare(stack, USERS.bystander, { lastName: 'Ferreira' }),
  RollbackFrom: (stack) => declare(stack, USERS.rollbackFrom, { lastName: 'Halvorsen' }),
  RollbackTo: (stack) => declare(stack, USERS.rollbackTo, { lastName: 'Halvorsen' }),
  FirstDeploy: (stack) => {
    new ConnectUserIdentity(stack, 'Done', { instanceId: INSTANCE, userId: USERS.firstDeployDone, identityInfo: { lastName: 'Oyelaran-Quist' } });
    new ConnectUserIdentity(stack, 'Failed', { instanceId: INSTANCE, userId: USERS.firstDeployFailed, identityInfo: { lastName: 'Oyelaran-Quist' } });
  },
});

let arnOf: (instanceId: string, userId: string) => string;

beforeAll(() => {
  const instance = e2e.emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  const other = e2e.emulator.addInstance({ id: OTHER_INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  arnOf = (instanceId, userId) => `${instanceId === INSTANCE ? instance.arn : other.arn}/agent/${userId}`;
});

test('create, update, rollback and delete: each declared field set, restored, then left as it is', async () => {
  // GIVEN a user whose identity differs from the declaration, and two versions of the template
  const { driver, templates } = e2e;
  const user = USERS.lifecycle;
  e2e.seedUser(INSTANCE, {
    id: user,
    username: 'mkowalczyk',
    identityInfo: { FirstName: 'Mirela', LastName: 'Kowalska', Email: 'mirela.old@example.com', SecondaryEmail: 'mk.alerts@example.org' },
  });
  const logicalId = templates.LifecycleV1.logicalId('Agent');
  expect(templates.LifecycleV2.logicalId('Agent')).toBe(logicalId);
  const v1 = templates.LifecycleV1.properties('Agent');
  const v2 = templates.LifecycleV2.properties('Agent');
  const physicalId = `${INSTANCE}/${user}`;
  const success = { Status: 'SUCCESS', PhysicalResourceId: physicalId, NoEcho: true, Data: { UserId: user, UserArn: arnOf(INSTANCE, user) } };

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(driver.createEvent(logicalId, v1));

  // THEN the declared fields are set and the undeclared one kept
  expect(e2e.answerOf(created)).toEqual(success);
  const afterCreate = { FirstName: 'Mirela', LastName: 'Kowalczyk', Email: 'mirela.kowalczyk@example.com', SecondaryEmail: 'mk.alerts@example.org' };
  expect(e2e.identityOf(INSTANCE, user)).toEqual(afterCreate);

  // WHEN the next deploy updates it to v2, which no longer declares FirstName and adds Mobile
  const updated = await e2e.play(driver.updateEvent(logicalId, physicalId, v2, v1));

  // THEN v2's fields are set, FirstName is kept although no longer declared
  expect(e2e.answerOf(updated)).toEqual(success);
  expect(e2e.identityOf(INSTANCE, user)).toEqual({
    FirstName: 'Mirela',
    LastName: 'Kowalczyk-Brandt',
    Email: 'mirela.brandt@example.com',
    SecondaryEmail: 'mk.alerts@example.org',
    Mobile: '+14255550123',
  });

  // WHEN the update rolls back: an Update back to v1's properties
  const rolledBack = await e2e.play(driver.updateEvent(logicalId, physicalId, v1, v2));

  // THEN every field v1 declares is restored; Mobile, which v1 does not declare, keeps v2's value
  expect(e2e.answerOf(rolledBack)).toEqual(success);
  expect(e2e.identityOf(INSTANCE, user)).toEqual({ ...afterCreate, Mobile: '+14255550123' });

  // WHEN the stack is deleted
  const mark = e2e.mark();
  const deleted = await e2e.play(driver.deleteEvent(logicalId, physicalId, v1));

  // THEN the answer is SUCCESS for the same physical ID, without any call to Connect
  expect(e2e.answerOf(deleted)).toEqual({ Status: 'SUCCESS', PhysicalResourceId: physicalId });
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(INSTANCE, user)).toEqual({ ...afterCreate, Mobile: '+14255550123' });
});

test('replacement: a changed user, then a changed instance, each get a new physical ID; the old resource\'s Delete does nothing', async () => {
  // GIVEN three users, the first declared and created
  const { driver, templates } = e2e;
  const held = { FirstName: 'Bao', LastName: 'Nguyen-Thi' };
  for (const [instanceId, id, username] of [
    [INSTANCE, USERS.replacedFrom, 'bnguyen1'],
    [INSTANCE, USERS.replacedByUser, 'bnguyen2'],
    [OTHER_INSTANCE, USERS.replacedByInstance, 'bnguyen3'],
  ]) {
    e2e.seedUser(instanceId, { id, username, identityInfo: held });
  }
  const logicalId = templates.ReplaceFrom.logicalId('Agent');
  const [from, byUser, byInstance] = [templates.ReplaceFrom, templates.ReplaceUser, templates.ReplaceInstance].map((template) => {
    expect(template.logicalId('Agent')).toBe(logicalId);
    return template.properties('Agent');
  });
  const firstId = `${INSTANCE}/${USERS.replacedFrom}`;
  e2e.answerOf(await e2e.play(driver.createEvent(logicalId, from)));

  // WHEN the declaration names another user: CloudFormation sends Update
  const toUser = await e2e.play(driver.updateEvent(logicalId, firstId, byUser, from));

  // THEN the new user is updated, under a new physical ID
  const secondId = `${INSTANCE}/${USERS.replacedByUser}`;
  expect(e2e.answerOf(toUser)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: secondId,
    NoEcho: true,
    Data: { UserId: USERS.replacedByUser, UserArn: arnOf(INSTANCE, USERS.replacedByUser) },
  });
  expect(e2e.identityOf(INSTANCE, USERS.replacedByUser)).toEqual({ FirstName: 'Bao', LastName: 'Abernathy' });

  // WHEN CloudFormation then deletes the old physical resource
  let mark = e2e.mark();
  const oldDeleted = await e2e.play(driver.deleteEvent(logicalId, firstId, from));

  // THEN nothing is called, and the old user keeps the identity the first deploy gave it
  expect(e2e.answerOf(oldDeleted)).toEqual({ Status: 'SUCCESS', PhysicalResourceId: firstId });
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(INSTANCE, USERS.replacedFrom)).toEqual({ FirstName: 'Bao', LastName: 'Abernathy' });

  // WHEN the declaration moves to a user of another instance, and the old resource is deleted
  const toInstance = await e2e.play(driver.updateEvent(logicalId, secondId, byInstance, byUser));
  mark = e2e.mark();
  const secondDeleted = await e2e.play(driver.deleteEvent(logicalId, secondId, byUser));

  // THEN the physical ID names the new instance, and the Delete again calls nothing
  const thirdId = `${OTHER_INSTANCE}/${USERS.replacedByInstance}`;
  expect(e2e.answerOf(toInstance)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: thirdId,
    NoEcho: true,
    Data: { UserId: USERS.replacedByInstance, UserArn: arnOf(OTHER_INSTANCE, USERS.replacedByInstance) },
  });
  expect(e2e.answerOf(secondDeleted)).toEqual({ Status: 'SUCCESS', PhysicalResourceId: secondId });
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(OTHER_INSTANCE, USERS.replacedByInstance)).toEqual({ FirstName: 'Bao', LastName: 'Abernathy' });
  expect(e2e.identityOf(INSTANCE, USERS.replacedByUser)).toEqual({ FirstName: 'Bao', LastName: 'Abernathy' });
});

test('a partial declaration sets its field and keeps every other one, although the API replaces the record', async () => {
  // GIVEN a user with all five fields, and a declaration of Mobile only
  const { driver, templates } = e2e;
  const held = {
    FirstName: 'Ilse',
    LastName: 'Vandersloot',
    Email: 'ilse.v@example.com',
    SecondaryEmail: 'ilse.pager@example.org',
    Mobile: '+14255550100',
  };
  e2e.seedUser(INSTANCE, { id: USERS.partial, username: 'ivandersloot', identityInfo: held });
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource
  const created = await e2e.play(driver.createEvent(templates.Partial.logicalId('Agent'), templates.Partial.properties('Agent')));

  // THEN only Mobile changed: the write carried the four held fields back
  expect(e2e.answerOf(created)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: `${INSTANCE}/${USERS.partial}`,
    NoEcho: true,
    Data: { UserId: USERS.partial, UserArn: arnOf(INSTANCE, USERS.partial) },
  });
  expect(e2e.identityOf(INSTANCE, USERS.partial)).toEqual({ ...held, Mobile: '+14255550142' });
  const writes = e2e.requestsSince(mark).filter((request) => request.operation === 'UpdateUserIdentityInfo');
  expect(writes.map((request) => request.body)).toEqual([{ IdentityInfo: { ...held, Mobile: '+14255550142' } }]);
});

test('removing a field from the declaration stops managing it: its value stays', async () => {
  // GIVEN a user created with LastName and Mobile declared
  const { driver, templates } = e2e;
  e2e.seedUser(INSTANCE, { id: USERS.trimmed, username: 'cokonkwo', identityInfo: { FirstName: 'Chidi', LastName: 'Obi' } });
  const logicalId = templates.TrimmedV1.logicalId('Agent');
  const [v1, v2] = [templates.TrimmedV1.properties('Agent'), templates.TrimmedV2.properties('Agent')];
  const physicalId = `${INSTANCE}/${USERS.trimmed}`;
  e2e.answerOf(await e2e.play(driver.createEvent(logicalId, v1)));
  expect(e2e.identityOf(INSTANCE, USERS.trimmed)).toEqual({ FirstName: 'Chidi', LastName: 'Okonkwo', Mobile: '+14255550155' });

  // WHEN the next deploy drops Mobile from the declaration and changes LastName
  const updated = await e2e.play(driver.updateEvent(logicalId, physicalId, v2, v1));

  // THEN LastName changed, and Mobile kept the value it had
  expect(e2e.answerOf(updated)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: physicalId,
    NoEcho: true,
    Data: { UserId: USERS.trimmed, UserArn: arnOf(INSTANCE, USERS.trimmed) },
  });
  expect(e2e.identityOf(INSTANCE, USERS.trimmed)).toEqual({ FirstName: 'Chidi', LastName: 'Okonkwo-Reyes', Mobile: '+14255550155' });
});

test('a user who already matches the declaration is not written to, on Create or Update', async () => {
  // GIVEN a user whose identity is what v1 declares; v2 declares less
  const { driver, templates } = e2e;
  const held = { FirstName: 'Teodor', LastName: 'Vasquez-Lind', Email: 'teodor.vl@example.com', Mobile: '+14255550177' };
  e2e.seedUser(INSTANCE, { id: USERS.noOp, username: 'tvasquez', identityInfo: held });
  const logicalId = templates.NoOpV1.logicalId('Agent');
  const [v1, v2] = [templates.NoOpV1.properties('Agent'), templates.NoOpV2.properties('Agent')];
  const physicalId = `${INSTANCE}/${USERS.noOp}`;
  const success = { Status: 'SUCCESS', PhysicalResourceId: physicalId, NoEcho: true, Data: { UserId: USERS.noOp, UserArn: arnOf(INSTANCE, USERS.noOp) } };
  const mark = e2e.mark();

  // WHEN CloudFormation creates the resource, then updates it to v2, then sends v2 again
  const created = await e2e.play(driver.createEvent(logicalId, v1));
  const updated = await e2e.play(driver.updateEvent(logicalId, physicalId, v2, v1));
  const repeated = await e2e.play(driver.updateEvent(logicalId, physicalId, v2, v2));

  // THEN each answer is SUCCESS, the user was only read, never written
  for (const invocation of [created, updated, repeated]) expect(e2e.answerOf(invocation)).toEqual(success);
  const ofUser = e2e.requestsSince(mark).filter((request) => request.path.includes(USERS.noOp));
  expect(calls(ofUser)).toEqual(['DescribeUser 200', 'DescribeUser 200', 'DescribeUser 200']);
  expect(e2e.emulator.requestsFor('UpdateUserIdentityInfo').filter((request) => request.path.includes(USERS.noOp))).toEqual([]);
  expect(created.output).toContain('identity already matched; nothing written');
  expect(e2e.identityOf(INSTANCE, USERS.noOp)).toEqual(held);
});

test('Delete after a failed Create, and Delete of a physical ID the handler never issued, succeed without calling Connect', async () => {
  // GIVEN a declaration of a user Connect does not know, whose Create failed
  const { driver, templates } = e2e;
  const ghost = templates.Ghost.properties('Agent');
  const ghostLogicalId = templates.Ghost.logicalId('Agent');
  const failedCreate = await e2e.play(driver.createEvent(ghostLogicalId, ghost));
  const failed = e2e.answerOf(failedCreate);
  expect(failed).toEqual({
    Status: 'FAILED',
    Reason: expect.stringContaining(`user ${USERS.ghost} in instance ${INSTANCE} not found`),
    PhysicalResourceId: `failed-create-${failedCreate.event.RequestId}`,
  });
  // AND a user of the instance who is declared elsewhere
  const held = { FirstName: 'Oskar', LastName: 'Lindqvist' };
  e2e.seedUser(INSTANCE, { id: USERS.bystander, username: 'olindqvist', identityInfo: held });
  const mark = e2e.mark();

  // WHEN CloudFormation deletes the failed resource, as its rollback does, with the physical ID the Create returned
  const afterFailure = await e2e.play(driver.deleteEvent(ghostLogicalId, failed.PhysicalResourceId, ghost));
  // AND deletes a resource under a physical ID the handler never issued
  const foreignId = `${INSTANCE}-elsewhere/${USERS.bystander}`;
  const foreign = await e2e.play(driver.deleteEvent(templates.Bystander.logicalId('Agent'), foreignId, templates.Bystander.properties('Agent')));

  // THEN both succeed with the physical ID they were sent, and Connect was not called
  expect(e2e.answerOf(afterFailure)).toEqual({ Status: 'SUCCESS', PhysicalResourceId: failed.PhysicalResourceId });
  expect(e2e.answerOf(foreign)).toEqual({ Status: 'SUCCESS', PhysicalResourceId: foreignId });
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(INSTANCE, USERS.bystander)).toEqual(held);
});

test('a failed first deploy rolls back with Deletes that call nothing: a user already written keeps the new identity', async () => {
  // GIVEN a first deploy of two declarations, one of a user Connect does not know
  const { driver, templates } = e2e;
  const held = { FirstName: 'Adaeze', LastName: 'Oyelaran' };
  e2e.seedUser(INSTANCE, { id: USERS.firstDeployDone, username: 'aoyelaran', identityInfo: held });
  const [done, failed] = ['Done', 'Failed'].map((path) => ({ logicalId: templates.FirstDeploy.logicalId(path), properties: templates.FirstDeploy.properties(path) }));

  // WHEN CloudFormation creates both, one fails, and the stack rolls back by deleting what it created
  const created = e2e.answerOf(await e2e.play(driver.createEvent(done.logicalId, done.properties)));
  const refused = e2e.answerOf(await e2e.play(driver.createEvent(failed.logicalId, failed.properties)));
  const mark = e2e.mark();
  e2e.answerOf(await e2e.play(driver.deleteEvent(done.logicalId, created.PhysicalResourceId, done.properties)));
  e2e.answerOf(await e2e.play(driver.deleteEvent(failed.logicalId, refused.PhysicalResourceId, failed.properties)));

  // THEN the rollback called nothing, and the user whose Create succeeded keeps the identity it wrote
  expect([created.Status, refused.Status]).toEqual(['SUCCESS', 'FAILED']);
  expect(e2e.requestsSince(mark)).toEqual([]);
  expect(e2e.identityOf(INSTANCE, USERS.firstDeployDone)).toEqual({ FirstName: 'Adaeze', LastName: 'Oyelaran-Quist' });
});

test('a rolled-back replacement leaves the new user with the identity it wrote, and the old one with its declared values', async () => {
  // GIVEN a declaration created for one user
  const { driver, templates } = e2e;
  const held = { FirstName: 'Sigrun', LastName: 'Halvorsen-Berg' };
  e2e.seedUser(INSTANCE, { id: USERS.rollbackFrom, username: 'shalvorsen1', identityInfo: held });
  e2e.seedUser(INSTANCE, { id: USERS.rollbackTo, username: 'shalvorsen2', identityInfo: held });
  const logicalId = templates.RollbackFrom.logicalId('Agent');
  const [from, to] = [templates.RollbackFrom.properties('Agent'), templates.RollbackTo.properties('Agent')];
  const fromId = `${INSTANCE}/${USERS.rollbackFrom}`;
  const toId = `${INSTANCE}/${USERS.rollbackTo}`;
  e2e.answerOf(await e2e.play(driver.createEvent(logicalId, from)));

  // WHEN the declaration moves to another user (a replacement), and the stack update then rolls back:
  // an Update back to the old properties, then the Delete of the replacement
  const moved = e2e.answerOf(await e2e.play(driver.updateEvent(logicalId, fromId, to, from)));
  const rolledBack = e2e.answerOf(await e2e.play(driver.updateEvent(logicalId, toId, from, to)));
  const mark = e2e.mark();
  const cleanedUp = e2e.answerOf(await e2e.play(driver.deleteEvent(logicalId, toId, to)));

  // THEN the rollback answered with the old physical ID, and the Delete called nothing
  expect([moved.PhysicalResourceId, rolledBack.PhysicalResourceId, cleanedUp.PhysicalResourceId]).toEqual([toId, fromId, toId]);
  expect(e2e.requestsSince(mark)).toEqual([]);
  // AND the user it had moved to keeps the identity written; the old user has its declared values
  expect(e2e.identityOf(INSTANCE, USERS.rollbackTo)).toEqual({ FirstName: 'Sigrun', LastName: 'Halvorsen' });
  expect(e2e.identityOf(INSTANCE, USERS.rollbackFrom)).toEqual({ FirstName: 'Sigrun', LastName: 'Halvorsen' });
});
