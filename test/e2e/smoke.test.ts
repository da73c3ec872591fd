/**
 * Smoke test of the end-to-end harness: the bundled handler asset, invoked the way Lambda would, makes
 * real SDK calls over HTTP to the Connect emulator and answers at the ResponseURL.
 */
import * as path from 'node:path';
import { CloudFormationDriver, InvocationMode } from '../support/cloudformation-driver';
import { ConnectEmulator } from '../support/connect-emulator';

const HANDLER = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');

const emulator = new ConnectEmulator();
let driver: CloudFormationDriver;

beforeAll(async () => {
  await emulator.start();
  driver = new CloudFormationDriver({ handlerPath: HANDLER, environment: emulator.environment(), timeoutMs: 20_000 });
  await driver.start();
});

afterAll(async () => {
  await driver.stop();
  await emulator.stop();
});

test.each<InvocationMode>(['isolated', 'in-process'])('Create of one user (%s) answers SUCCESS and sets the identity in Connect', async (mode) => {
  // GIVEN a CONNECT_MANAGED instance with a user who has a first name and an email
  const instance = emulator.addInstance({ identityManagementType: 'CONNECT_MANAGED' });
  const user = emulator.addUser(instance.id, {
    username: `ana.${mode}`,
    identityInfo: { FirstName: 'Ana', LastName: 'Old', Email: 'ana@example.com' },
  });
  const declared = { LastName: 'Núñez-Sørensen', Mobile: '+12065550100' };

  // WHEN CloudFormation sends Create for the declared user
  const invocation = await driver.invoke(
    driver.createEvent('AgentIdentity', { InstanceId: instance.id, UserId: user.id, IdentityInfo: declared }),
    { mode },
  );

  // THEN the handler answered once, with SUCCESS and the physical ID <instanceId>/<userId>
  expect(invocation.outcome).toBe('returned');
  expect(invocation.puts).toHaveLength(1);
  expect(invocation.answer).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: `${instance.id}/${user.id}`,
    LogicalResourceId: 'AgentIdentity',
    Data: { UserId: user.id, UserArn: user.arn },
  });
  // AND Connect holds the declared fields, with the undeclared ones kept
  expect(emulator.user(instance.id, user.id).identityInfo).toEqual({
    FirstName: 'Ana',
    LastName: 'Núñez-Sørensen',
    Email: 'ana@example.com',
    Mobile: '+12065550100',
  });
  expect(emulator.requests.filter((request) => request.path.includes(user.id)).map((request) => [request.operation, request.status])).toEqual([
    ['DescribeUser', 200],
    ['UpdateUserIdentityInfo', 200],
  ]);
  // AND the logs hold no identity value, no username and no part of the ResponseURL's signature
  expect(invocation.output).toContain('identity updated');
  for (const secret of ['Ana', 'Núñez', 'ana@example.com', '2065550100', user.username, 'X-Amz-Signature']) {
    expect(invocation.output).not.toContain(secret);
  }
  expect(emulator.internalErrors).toEqual([]);
});
