/**
 * The edges an incremental drift check must not miss, end to end, time-scaled ten times, with Connect's
 * clock two minutes behind the machine's (the check must compare Connect's times with Connect's, never
 * with its own): an edit in the same second as the last check's listing or as a deploy's write, an edit
 * while a check runs, a change to something no declaration holds, a check skipped or crashed, a second
 * instance, a user deleted and re-created with the same username, an edit whose LastModifiedTime did
 * not move (the full re-read's job), and a deploy writing while a check reads. Report-only checks; each
 * in a fresh container. The tests run in order, each from the state the one before left.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserRoster } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';
import { StackSource } from '../support/stack-deployer';

const A = randomUUID();
const B = randomUUID();
const world = new RosterWorld({ timeScale: 10, connectClockOffsetMs: -120_000 });
const byId: RosterFileEntry[] = Array.from({ length: 10 }, (_, index) => ({ InstanceId: A, UserId: randomUUID(), IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` } }));
const inB: RosterFileEntry[] = Array.from({ length: 3 }, (_, index) => ({ InstanceId: B, UserId: randomUUID(), IdentityInfo: { FirstName: `Other${index}`, LastName: `Declared${index}` } }));
const byName: RosterFileEntry = { InstanceId: A, Username: 'agent.by.name', IdentityInfo: { FirstName: 'Named', LastName: 'ByUsername' } };
let roster = [...byId, ...inB, byName];

function synth(): Promise<StackSource> {
  return world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserDriftCheck(stack, 'Drift');
  });
}

async function deploy(): Promise<void> {
  const source = await synth();
  const result = await world.deployer.deploy(source);
  expect(result.status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
}

/** Runs a check in a fresh container; returns its summary, log lines and Connect requests. */
async function check(payload?: Record<string, unknown>, crashAfterMs?: number) {
  const mark = world.connect.requests.length;
  const invocation = await world.checkDrift({ correct: false, payload, crashAfterMs });
  expect(findLeaks(invocation, world.secrets)).toEqual([]);
  return { invocation, summary: invocation.result as DriftSummary, logs: logLines(invocation), requests: world.connect.requests.slice(mark) };
}

function logLines(invocation: Invocation): Record<string, any>[] {
  return invocation.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** The users a check reported drifted (by user ID), with their fields. */
const reported = (logs: Record<string, any>[]) => Object.fromEntries(logs.filter((line) => line.message === 'drift').map((line) => [line.userId ?? line.user, line.fields]));
/** Connect's LastModifiedTime and Date are in whole seconds: a check reads again what was edited within two seconds before its last listing. */
const pastTheSecond = () => new Promise((resolve) => setTimeout(resolve, 2_100));
const instanceKey = (instance: string) => `us-east-1/${instance.toLowerCase()}`;

beforeAll(async () => {
  world.connect.addInstance({ id: A, identityManagementType: 'CONNECT_MANAGED' });
  world.connect.addInstance({ id: B, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (entry) => ({ ...entry.IdentityInfo }));
  await deploy();
  // A first check reads everyone: nothing is known of them yet.
  expect((await check()).summary).toMatchObject({ status: 'completed', read: roster.length, drifted: 0 });
}, 120_000);
afterAll(() => world.stop());

test('an edit made in the same second as the moment the last check began listing is seen by the next check', async () => {
  // GIVEN an edit that Connect records in the very second the last check's listing began (LastModifiedTime is in whole seconds)
  const asOf = (await world.checkKnowledge())[instanceKey(A)].covered!.asOf;
  world.connect.editUser(A, byId[0].UserId!, { LastName: 'SameSecond' }, { at: asOf });
  expect(Math.floor(world.connect.user(A, byId[0].UserId!).lastModifiedAt / 1000) * 1000).toBeLessThanOrEqual(asOf);

  // WHEN a check runs
  const { summary, logs } = await check();

  // THEN it read and reported that user
  expect(reported(logs)).toEqual({ [byId[0].UserId!]: ['LastName'] });
  expect(summary).toMatchObject({ status: 'completed', read: 1, drifted: 1 });
});

test("an edit right after a check, in Connect's clock two minutes behind this machine's, is seen by the next", async () => {
  // GIVEN an edit just after the last check
  world.connect.editUser(A, byId[1].UserId!, { FirstName: 'JustAfter' });

  // WHEN a check runs
  const { logs } = await check();

  // THEN it is reported (and the earlier drift again, without a read)
  expect(reported(logs)).toEqual({ [byId[0].UserId!]: ['LastName'], [byId[1].UserId!]: ['FirstName'] });
});

test('an edit made while a check runs is seen by the next check, if not by that one', async () => {
  // GIVEN a check that reads slowly (a touched user to read), started before an edit
  await pastTheSecond();
  world.connect.touchUser(A, byId[2].UserId!);
  world.connect.setLatency('DescribeUser', 1_500, { accessKeyId: await world.checkAccessKeyId(false) });
  const mark = world.connect.requests.length;
  const running = check();
  while (!world.connect.requests.slice(mark).some((request) => request.operation === 'ListUsers' && request.status === 200)) await new Promise((resolve) => setTimeout(resolve, 10));

  // WHEN an agent is edited after the check listed the users
  world.connect.editUser(A, byId[3].UserId!, { LastName: 'DuringCheck' });
  const during = await running;
  world.connect.setLatency('DescribeUser', 0, { accessKeyId: await world.checkAccessKeyId(false) });
  const after = await check();

  // THEN the next check reports it: nothing edited after a check's listing began escapes the next one
  expect(during.summary.status).toBe('completed');
  expect(reported(after.logs)[byId[3].UserId!]).toEqual(['LastName']);
});

test('a change to a field no declaration holds, or to something other than identity, is read and not reported', async () => {
  // GIVEN an agent's mobile (not declared) edited, and another's routing profile changed
  await pastTheSecond();
  world.connect.editUser(A, byId[4].UserId!, { Mobile: '+12065550100' });
  world.connect.touchUser(A, byId[5].UserId!);

  // WHEN a check runs
  const { summary, logs, requests } = await check();

  // THEN both were read, neither reported
  const read = requests.filter((request) => request.operation === 'DescribeUser').map((request) => request.path.split('/').pop());
  expect(read.sort()).toEqual([byId[4].UserId, byId[5].UserId].sort());
  expect(Object.keys(reported(logs))).not.toEqual(expect.arrayContaining([byId[4].UserId, byId[5].UserId]));
  expect(summary).toMatchObject({ read: 2, drifted: 3 });
});

test('a check that was skipped, then one that crashed, leave their span to the next, which covers it', async () => {
  // GIVEN an edit, then a check skipped during a deploy, then one whose container crashes while it reads
  world.connect.editUser(A, byId[6].UserId!, { FirstName: 'WhileSkipped' });
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_IN_PROGRESS');
  expect((await check()).summary).toMatchObject({ status: 'skipped', read: 0 });
  world.cloudFormation.setStack(world.driver.stackId, 'UPDATE_COMPLETE');
  const key = await world.checkAccessKeyId(false);
  world.connect.setLatency('DescribeUser', 3_000, { accessKeyId: key });
  const crashed = await check(undefined, 1_500);
  world.connect.setLatency('DescribeUser', 0, { accessKeyId: key });
  expect(crashed.invocation.outcome).toBe('crashed');

  // WHEN the next check runs (it waits for the crashed one's lease to run out)
  const { summary, logs } = await check();

  // THEN it reports the edit
  expect(summary.status).toBe('completed');
  expect(reported(logs)[byId[6].UserId!]).toEqual(['FirstName']);
}, 60_000);

test('a second instance is listed and covered on its own', async () => {
  // GIVEN an edit in the second instance
  world.connect.editUser(B, inB[0].UserId!, { LastName: 'OtherInstance' });

  // WHEN a check runs
  const { summary, logs, requests } = await check();

  // THEN it listed both instances, and reported the edit
  expect(requests.filter((request) => request.operation === 'ListUsers').map((request) => request.path.split('/').pop()).sort()).toEqual([A, B].sort());
  expect(reported(logs)[inB[0].UserId!]).toEqual(['LastName']);
  expect(summary.pages).toBe(2);
  const knowledge = await world.checkKnowledge();
  expect(knowledge[instanceKey(A)].covered).toBeDefined();
  expect(knowledge[instanceKey(B)].covered!.exceptions).toEqual({ [inB[0].UserId!]: expect.any(Array) });
});

test('a user deleted and re-created with the same username is found in the listing, read and compared', async () => {
  // GIVEN the user declared by username deleted, and created again with another last name
  const old = world.connect.usersOf(A).find((user) => user.username === byName.Username)!;
  world.connect.removeUser(A, old.id);
  const recreated = world.connect.addUser(A, { username: byName.Username!, identityInfo: { FirstName: 'Named', LastName: 'Recreated' } });

  // WHEN a check runs
  const { logs, requests } = await check();

  // THEN the new user is reported by its ID, and the listing found it: no search
  expect(logs.filter((line) => line.message === 'drift' && line.userId === recreated.id)).toEqual([expect.objectContaining({ user: expect.stringMatching(/^Username:/), fields: ['LastName'] })]);
  expect(requests.filter((request) => request.operation === 'SearchUsers')).toEqual([]);
});

test("the full re-read finds an edit whose LastModifiedTime did not move, which incremental checks cannot see", async () => {
  // GIVEN an edit that Connect recorded without moving LastModifiedTime
  const user = world.connect.user(A, byId[7].UserId!);
  world.connect.editUser(A, byId[7].UserId!, { LastName: 'Unseen' }, { at: user.lastModifiedAt });

  // WHEN an incremental check runs, then a full re-read on demand
  const incremental = await check();
  const full = await check({ action: 'check-drift', full: true });

  // THEN only the full re-read, which read every declared user, reports it
  expect(reported(incremental.logs)[byId[7].UserId!]).toBeUndefined();
  expect(full.summary).toMatchObject({ status: 'completed', full: true, read: roster.length, checked: roster.length });
  expect(reported(full.logs)[byId[7].UserId!]).toEqual(['LastName']);
});

test("a check reading while a deploy writes does not report the deploy's writes", async () => {
  // GIVEN two agents to read (touched), a check whose reads Connect answers only once the deploy has
  // written them, and a deploy that renames them
  await pastTheSecond();
  world.connect.touchUser(A, byId[8].UserId!);
  world.connect.touchUser(A, byId[9].UserId!);
  roster = roster.map((entry) => (entry === byId[8] || entry === byId[9] ? { ...entry, IdentityInfo: { ...entry.IdentityInfo, FirstName: `Renamed-${entry.IdentityInfo.FirstName}` } } : entry));
  const source = await synth();
  const key = await world.checkAccessKeyId(false);
  let release = () => {};
  world.connect.holdRequests('DescribeUser', new Promise<void>((resolve) => (release = resolve)), { accessKeyId: key });
  const mark = world.connect.requests.length;
  const running = check();
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 10));
  while (world.connect.requests.slice(mark).filter((request) => request.operation === 'DescribeUser').length < 2) await sleep();

  // WHEN the deploy writes the two while the check's reads are on their way
  const deploying = world.deployer.deploy(source);
  const writtenByDeploy = (entry: RosterFileEntry) => world.connect.requests.slice(mark).some((request) => request.operation === 'UpdateUserIdentityInfo' && request.status === 200 && request.path.includes(entry.UserId!));
  while (!(writtenByDeploy(byId[8]) && writtenByDeploy(byId[9]))) await sleep();
  release();
  expect((await deploying).status).toBe('UPDATE_COMPLETE');
  const during = await running;

  // THEN the reads did see the deploy's values (the race happened), and the check reported neither, stopping instead
  const racedReads = [byId[8], byId[9]].filter((entry) => {
    const written = world.connect.requests.slice(mark).find((request) => request.operation === 'UpdateUserIdentityInfo' && request.status === 200 && request.path.includes(entry.UserId!))!;
    const reads = during.requests.filter((request) => request.operation === 'DescribeUser' && request.accessKeyId === key && request.path.endsWith(entry.UserId!));
    return reads.some((read) => read.answeredAt !== undefined && read.answeredAt > written.answeredAt!);
  });
  expect(racedReads.length).toBeGreaterThan(0);
  expect(reported(during.logs)[byId[8].UserId!]).toBeUndefined();
  expect(reported(during.logs)[byId[9].UserId!]).toBeUndefined();
  expect(during.summary).toMatchObject({ status: 'stopped', reason: expect.stringContaining('UPDATE') });
  // AND the next check reads them (declared anew) and finds them as declared
  const after = await check();
  expect(reported(after.logs)[byId[8].UserId!]).toBeUndefined();
  expect(after.summary.status).toBe('completed');
}, 60_000);

test('a declaration that changed without the deploy writing the user (Connect still holds the old) is read and reported', async () => {
  // GIVEN a newer declaration of two agents taken as deployed with no event sent: Connect holds the older values
  await pastTheSecond();
  roster = roster.map((entry) => (entry === byId[5] || entry.UserId === byId[6].UserId ? { ...entry, IdentityInfo: { ...entry.IdentityInfo, LastName: 'NeverApplied' } } : entry));
  world.deployer.assumeDeployed(await synth());

  // WHEN a check runs
  const { logs } = await check();

  // THEN the two are read (their declaration changed, the stage's previous file says which) and reported
  expect(reported(logs)[byId[5].UserId!]).toEqual(['LastName']);
  expect(reported(logs)[byId[6].UserId!]).toEqual(expect.arrayContaining(['LastName']));
  expect(logs.filter((line) => line.message === 'drift' && line.read === true).map((line) => line.user).sort()).toEqual([byId[5].UserId, byId[6].UserId].sort());
});
