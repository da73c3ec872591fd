/**
 * Drift checks end to end: a stack with a roster of agents, one agent declared by hand, and one whose
 * declaration holds a parameter (a value only CloudFormation resolves); people edit identities in
 * Connect between deploys, and the check reports (and, with correction, puts back) exactly the declared
 * fields that drifted, reading only the users Connect says changed. Each check runs in a fresh container
 * of the check function, as Lambda runs it. The tests run in order, each from the state the one before left.
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
/** The Connect requests of a check, by operation: `ListUsers 1, DescribeUser 3, ...`. */
const byOperation = (requests: { operation: string }[]) => {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.operation] = (counts[request.operation] ?? 0) + 1;
  return counts;
};
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

test('the first check reads every declared user, finds nothing, and counts the declaration it cannot resolve as not checked', async () => {
  // WHEN a check runs right after the deploy
  const { summary, logs, requests } = await check(false);

  // THEN every declared user was read (nothing was known of them yet), none drifted, and the parameter's user was not checked
  expect(summary).toEqual({
    status: 'completed',
    full: false,
    users: 22,
    checked: 21,
    read: 21,
    listed: 22,
    pages: 1,
    drifted: 0,
    corrected: 0,
    failed: 0,
    notChecked: 1,
    coveredTo: expect.any(String),
  });
  expect(byOperation(requests)).toEqual({ ListUsers: 1, DescribeInstance: 1, DescribeUser: 21 });
  expect(logs.filter((line) => line.message?.startsWith('user not checked'))).toEqual([expect.objectContaining({ logicalId: expect.stringMatching(/^ByParameter/) })]);
  expect(writes(requests)).toEqual([]);
  // AND the metrics went out in the Embedded Metric Format, with counts only
  const metrics = logs.find((line) => line._aws)!;
  expect(metrics._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'ConnectUserIdentity', Dimensions: [['service', 'StackName']] });
  expect(metrics).toMatchObject({ UsersChecked: 21, UsersRead: 21, UsersDrifted: 0, UsersNotChecked: 1, StackName: world.stackName });
});

test('a check with nothing edited since costs one page of ListUsers, and says up to when every edit has been seen', async () => {
  // GIVEN the previous check's moment
  const previous = (await check(false)).summary.coveredTo!;

  // WHEN another check runs
  const { summary, requests, logs } = await check(false);

  // THEN it read nobody: Connect's listing said nobody changed
  expect(byOperation(requests)).toEqual({ ListUsers: 1 });
  expect(summary).toMatchObject({ status: 'completed', checked: 21, read: 0, drifted: 0, coveredFrom: previous });
  expect(Date.parse(summary.coveredTo!)).toBeGreaterThan(Date.parse(previous));
  expect(logs.find((line) => line._aws)).toMatchObject({ UsersRead: 0, CoverageLagSeconds: expect.any(Number) });
});

test('a declared field edited in Connect is reported by IDs and field name; an undeclared one is neither reported nor touched', async () => {
  // GIVEN a supervisor fixed agent 3's last name and the handwritten user's email, and changed agent 4's mobile
  world.connect.editUser(INSTANCE, roster[3].UserId!, { LastName: 'Fixed-By-Supervisor' });
  world.connect.editUser(INSTANCE, byHand.id, { Email: 'changed-by-idp@example.org' });
  world.connect.editUser(INSTANCE, roster[4].UserId!, { Mobile: '+12065550999' });
  // (Connect's LastModifiedTime and Date are in whole seconds: edits within two seconds before a check are read again by the next one.)
  await new Promise((resolve) => setTimeout(resolve, 2_100));

  // WHEN a check without correction runs
  const { summary, logs, requests } = await check(false);

  // THEN the three edited users are read (the mobile is not declared: read, not reported), the two declared
  // fields are reported, with IDs and field names only, and nothing is written
  expect(summary).toMatchObject({ status: 'completed', checked: 21, read: 3, drifted: 2, corrected: 0 });
  expect(byOperation(requests)).toEqual({ ListUsers: 1, DescribeInstance: 1, DescribeUser: 3 });
  expect(drift(logs)).toEqual(
    expect.arrayContaining([
      { instanceId: INSTANCE, user: roster[3].UserId, fields: ['LastName'], corrected: false },
      { instanceId: INSTANCE, user: byHand.id, fields: ['Email'], corrected: false },
    ]),
  );
  expect(drift(logs)).toHaveLength(2);
  expect(writes(requests)).toEqual([]);
  expect(identityOf(roster[4].UserId!).Mobile).toBe('+12065550999');

  // AND the next check reports the same drift, still there, without reading anyone
  const again = await check(false);
  expect(again.summary).toMatchObject({ read: 0, drifted: 2 });
  expect(drift(again.logs)).toHaveLength(2);
  expect(byOperation(again.requests)).toEqual({ ListUsers: 1 });
});

test('with correction on, the drifted declared fields are put back, and the undeclared field stays as edited', async () => {
  // WHEN a correcting check runs
  const { summary, logs, requests } = await check(true);

  // THEN the two drifted users are read and written back with their declaration, and only they
  expect(summary).toMatchObject({ status: 'completed', checked: 21, read: 2, drifted: 2, corrected: 2 });
  expect(drift(logs).every((line) => line.corrected)).toBe(true);
  expect(writes(requests)).toHaveLength(2);
  expect(identityOf(roster[3].UserId!)).toMatchObject(roster[3].IdentityInfo);
  expect(identityOf(byHand.id)).toMatchObject(byHand.identity);
  expect(identityOf(roster[4].UserId!).Mobile).toBe('+12065550999');
  // AND the next check reads the two it wrote (their LastModifiedTime moved) and reports no drift: a correction is not an edit
  const next = await check(true);
  expect(next.summary).toMatchObject({ read: 2, drifted: 0, corrected: 0 });
  expect(writes(next.requests)).toEqual([]);
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

/**
 * Starts a correcting check of every roster agent drifted, with writes queued behind a quota of one every
 * 2 s, and once three are written, changes the stack with `change`. Returns the check's summary, and the
 * writes (any attempt) that reached Connect more than 1.5 s after the change: a write confirms the stack
 * in a read at most a second older than its slot, and the next slot after the change is 2 s away.
 */
async function correctWhileTheStackChanges(change: () => void): Promise<{ summary: DriftSummary; late: unknown[] }> {
  for (const each of roster) world.connect.editUser(INSTANCE, each.UserId!, { LastName: 'Drifted' });
  world.connect.throttle('UpdateUserIdentityInfo', { ratePerSecond: 0.5, burst: 1 });
  const mark = world.connect.requests.length;
  const started = world.checkDrift({ correct: true });
  while (writes(world.connect.requests.slice(mark)).filter((write) => (write as { status?: number }).status === 200).length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  const changedAt = Date.now();
  change();
  const invocation = await started;
  world.connect.throttle('UpdateUserIdentityInfo', undefined);
  const late = world.connect.requestsFor('UpdateUserIdentityInfo').slice(0).filter((write) => write.receivedAt > changedAt + 1_500);
  return { summary: invocation.result as DriftSummary, late };
}

test('a check that sees a deploy start stops before its next write, however many writes wait for their turn', async () => {
  // WHEN a deploy starts after the check's first three writes, with 17 more queued behind the quota
  const { summary, late } = await correctWhileTheStackChanges(() => world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_IN_PROGRESS'));
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_COMPLETE');

  // THEN the check stops, says why, and no write reached Connect more than 1.5 s after the deploy began
  expect(summary).toMatchObject({ status: 'stopped', reason: expect.stringContaining('UPDATE_IN_PROGRESS') });
  expect(late).toEqual([]);
  expect(roster.filter((each) => identityOf(each.UserId!).LastName === 'Drifted').length).toBeGreaterThan(10);
}, 60_000);

test('a check that sees the stack deployed meanwhile (its status back where it was, its last update not) stops before its next write', async () => {
  // WHEN a whole deploy comes and goes after the check's first three writes: the status is UPDATE_COMPLETE again
  const template = world.cloudFormation.templateBody!;
  const { summary, late } = await correctWhileTheStackChanges(() => world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_COMPLETE', template));

  // THEN the check stops all the same: its declaration may be outdated
  expect(summary).toMatchObject({ status: 'stopped', reason: expect.stringContaining('UPDATE_COMPLETE') });
  expect(late).toEqual([]);
  expect(roster.filter((each) => identityOf(each.UserId!).LastName === 'Drifted').length).toBeGreaterThan(10);
  // AND the next check corrects the rest
  expect((await check(true)).summary).toMatchObject({ status: 'completed', failed: 0 });
  expect(roster.filter((each) => identityOf(each.UserId!).LastName === 'Drifted')).toEqual([]);
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

test("after a deploy, a check reads the users whose declaration changed, and does not report the deploy's own writes", async () => {
  // GIVEN a check that has seen everything so far (begun over two seconds after the last test's writes: an
  // edit in the seconds before a check's moment is read again by the next check, by design), then a deploy
  // that renames agents 10 and 11 (it writes them)
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await check(false);
  roster = roster.map((each, index) => (index === 10 || index === 11 ? { ...each, IdentityInfo: { ...each.IdentityInfo, FirstName: `Renamed${index}` } } : each));
  await deploy();

  // WHEN a check runs
  const { summary, requests } = await check(false);

  // THEN it reads the two (declared differently, and written since), finds them as declared, and reads no one else
  expect(summary).toMatchObject({ status: 'completed', read: 2, drifted: 0 });
  expect(byOperation(requests)).toEqual({ ListUsers: 1, DescribeInstance: 1, DescribeUser: 2 });
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
