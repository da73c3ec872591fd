/**
 * Drift checks end to end: a stack with a roster of agents, one agent declared by hand, and one whose
 * declaration holds a parameter (a value only CloudFormation resolves); people edit identities in
 * Connect between deploys, and the check reports (and, with correction, puts back) exactly the declared
 * fields that drifted. Each check runs in a fresh container of the check function, as Lambda runs it.
 * The tests run in order, each from the state the one before left.
 */
import { CfnParameter } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserIdentity, ConnectUserRoster } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: 1, parameters: { LastName: 'Parametrized' } });
const byHand = { id: randomUUID(), identity: { FirstName: 'Handwritten', Email: 'handwritten@example.org' } };
const byParameter = randomUUID();
let roster: RosterFileEntry[] = Array.from({ length: 20 }, (_, index) => ({
  InstanceId: INSTANCE,
  UserId: randomUUID(),
  IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` },
}));

/** Synthesizes and deploys the stack with the current roster. */
async function deploy() {
  const source = await world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserIdentity(stack, 'ByHand', { instanceId: INSTANCE, userId: byHand.id, identityInfo: { firstName: byHand.identity.FirstName, email: byHand.identity.Email } });
    new ConnectUserIdentity(stack, 'ByParameter', { instanceId: INSTANCE, userId: byParameter, identityInfo: { lastName: new CfnParameter(stack, 'LastName', { noEcho: true }).valueAsString } });
    new ConnectUserDriftCheck(stack, 'Drift');
  });
  const result = await world.deployer.deploy(source);
  expect(result.status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
  expect(await world.leaksOf(result)).toEqual([]);
}

/** Runs a check; asserts it leaked nothing; returns its summary, its log lines and its Connect requests. */
async function check(correct: boolean) {
  const mark = world.connect.requests.length;
  const invocation = await world.checkDrift({ correct });
  await world.lambda.settled();
  expect(invocation.outcome).toBe('returned');
  expect(findLeaks(invocation, world.secrets)).toEqual([]);
  return { summary: invocation.result as DriftSummary, logs: logLines(invocation), requests: world.connect.requests.slice(mark) };
}

/** The structured log lines of an invocation (the EMF metric lines among them). */
function logLines(invocation: Invocation): Record<string, any>[] {
  return invocation.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

const identityOf = (userId: string) => world.connect.user(INSTANCE, userId).identityInfo;
const drift = (logs: Record<string, any>[]) => logs.filter((line) => line.message === 'drift').map(({ instanceId, user, fields, corrected }) => ({ instanceId, user, fields, corrected }));
const writes = (requests: { operation: string }[]) => requests.filter((request) => request.operation === 'UpdateUserIdentityInfo');

beforeAll(async () => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (_, index) => ({ FirstName: 'Held', Mobile: `+1206555${String(1000 + index)}` }));
  world.seedUser(INSTANCE, { id: byHand.id, username: 'by.hand', identityInfo: { FirstName: 'Held' } });
  world.seedUser(INSTANCE, { id: byParameter, username: 'by.parameter', identityInfo: { LastName: 'Held' } });
  await deploy();
}, 120_000);
afterAll(() => world.stop());

test('a check of an undrifted stack finds nothing, and counts the declaration it cannot resolve as not checked', async () => {
  // WHEN a check runs right after the deploy
  const { summary, logs, requests } = await check(false);

  // THEN every declared user was compared, none drifted, and the parameter's user was not checked
  expect(summary).toEqual({ status: 'completed', users: 22, checked: 21, drifted: 0, corrected: 0, failed: 0, notChecked: 1 });
  expect(logs.filter((line) => line.message?.startsWith('user not checked'))).toEqual([expect.objectContaining({ logicalId: expect.stringMatching(/^ByParameter/) })]);
  expect(writes(requests)).toEqual([]);
  // AND the metrics went out in the Embedded Metric Format, with counts only
  const metrics = logs.find((line) => line._aws)!;
  expect(metrics._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'ConnectUserIdentity', Dimensions: [['service', 'StackName']] });
  expect(metrics).toMatchObject({ UsersChecked: 21, UsersDrifted: 0, UsersNotChecked: 1, StackName: world.stackName });
});

test('a declared field edited in Connect is reported by IDs and field name; an undeclared one is neither reported nor touched', async () => {
  // GIVEN a supervisor fixed agent 3's last name and the handwritten user's email, and changed agent 4's mobile
  world.connect.editUser(INSTANCE, roster[3].UserId!, { LastName: 'Fixed-By-Supervisor' });
  world.connect.editUser(INSTANCE, byHand.id, { Email: 'changed-by-idp@example.org' });
  world.connect.editUser(INSTANCE, roster[4].UserId!, { Mobile: '+12065550999' });

  // WHEN a check without correction runs
  const { summary, logs, requests } = await check(false);

  // THEN the two declared fields are reported, with IDs and field names only, and nothing is written
  expect(summary).toMatchObject({ status: 'completed', checked: 21, drifted: 2, corrected: 0 });
  expect(drift(logs)).toEqual(
    expect.arrayContaining([
      { instanceId: INSTANCE, user: roster[3].UserId, fields: ['LastName'], corrected: false },
      { instanceId: INSTANCE, user: byHand.id, fields: ['Email'], corrected: false },
    ]),
  );
  expect(drift(logs)).toHaveLength(2);
  expect(writes(requests)).toEqual([]);
  expect(identityOf(roster[4].UserId!).Mobile).toBe('+12065550999');
});

test('with correction on, the drifted declared fields are put back, and the undeclared field stays as edited', async () => {
  // WHEN a correcting check runs
  const { summary, logs, requests } = await check(true);

  // THEN the two drifted users are written back with their declaration, and only they
  expect(summary).toMatchObject({ status: 'completed', checked: 21, drifted: 2, corrected: 2 });
  expect(drift(logs).every((line) => line.corrected)).toBe(true);
  expect(writes(requests)).toHaveLength(2);
  expect(identityOf(roster[3].UserId!)).toMatchObject(roster[3].IdentityInfo);
  expect(identityOf(byHand.id)).toMatchObject(byHand.identity);
  expect(identityOf(roster[4].UserId!).Mobile).toBe('+12065550999');
  // AND a second check finds nothing left
  expect((await check(true)).summary).toMatchObject({ drifted: 0, corrected: 0 });
});

test('a check that starts while the stack is being updated or rolled back changes nothing, and says so', async () => {
  // GIVEN a drifted user, and the stack in the middle of a deploy, then of a rollback
  world.connect.editUser(INSTANCE, roster[5].UserId!, { LastName: 'Edited-During-Deploy' });
  for (const status of ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS']) {
    world.cloudFormation.setStack(world.driver.stackId, status);

    // WHEN a correcting check runs
    const { summary, logs, requests } = await check(true);

    // THEN it is skipped, without a single call to Connect, and its log says why
    expect(summary).toMatchObject({ status: 'skipped', reason: `the stack is ${status}: a check changes nothing while it is being deployed or rolled back`, checked: 0 });
    expect(requests).toEqual([]);
    expect(logs.some((line) => line.message === 'drift check skipped' && line.reason.includes(status))).toBe(true);
  }
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_COMPLETE');
  expect(identityOf(roster[5].UserId!).LastName).toBe('Edited-During-Deploy');
});

test('a check that sees a deploy start stops before its next write', async () => {
  // GIVEN every roster agent drifted, and Connect slow to answer reads
  for (const each of roster) world.connect.editUser(INSTANCE, each.UserId!, { LastName: 'Drifted' });
  world.connect.setLatency('DescribeUser', 150);
  const mark = world.connect.requests.length;
  const started = world.checkDrift({ correct: true });
  // WHEN a deploy starts after the check's first few writes
  while (writes(world.connect.requests.slice(mark)).length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
  const writesBefore = writes(world.connect.requests).length;
  const deployStartedAt = Date.now();
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_IN_PROGRESS');
  const invocation = await started;
  world.connect.setLatency('DescribeUser', 0);
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_COMPLETE');

  // THEN the check stops, says why, and no write reached Connect more than 2 s after the deploy began
  const summary = invocation.result as DriftSummary;
  expect(summary).toMatchObject({ status: 'stopped', reason: expect.stringContaining('UPDATE_IN_PROGRESS') });
  const late = world.connect.requestsFor('UpdateUserIdentityInfo').slice(writesBefore);
  expect(late.filter((write) => write.receivedAt > deployStartedAt + 2_000)).toEqual([]);
  expect(roster.filter((each) => identityOf(each.UserId!).LastName === 'Drifted').length).toBeGreaterThan(10);
}, 60_000);

test('a check after a newer deploy compares with the newer declaration, and never restores the older one', async () => {
  // GIVEN a deploy that renames agent 6, after which someone types the old name back in Connect
  const older = roster[6].IdentityInfo.LastName;
  roster = roster.map((each, index) => (index === 6 ? { ...each, IdentityInfo: { ...each.IdentityInfo, LastName: 'Newer' } } : each));
  await deploy();
  world.connect.editUser(INSTANCE, roster[6].UserId!, { LastName: older });

  // WHEN a correcting check runs
  const { logs } = await check(true);

  // THEN agent 6 is put back to the newer declaration
  expect(drift(logs)).toContainEqual({ instanceId: INSTANCE, user: roster[6].UserId, fields: ['LastName'], corrected: true });
  expect(identityOf(roster[6].UserId!).LastName).toBe('Newer');
}, 120_000);

test('a user deleted in Connect is reported as failed, with a clear message', async () => {
  // GIVEN agent 8 deleted out of band
  world.connect.removeUser(INSTANCE, roster[8].UserId!);

  // WHEN a check runs
  const { summary, logs } = await check(false);

  // THEN it counts one failure, and its log names the user, the field and what happened
  expect(summary).toMatchObject({ status: 'completed', failed: 1 });
  expect(logs.filter((line) => line.message === 'user could not be checked')).toEqual([
    expect.objectContaining({ instanceId: INSTANCE, user: roster[8].UserId, field: 'UserId', problem: expect.stringContaining('the user was not found') }),
  ]);
  expect(logs.find((line) => line._aws)).toMatchObject({ UsersFailed: 1 });
});
