/**
 * The drift check's event option end to end, time-scaled ten times: every Connect call that changes a user
 * is recorded by CloudTrail, reaches EventBridge a few seconds later as "AWS API Call via CloudTrail", and
 * the rule of the deployed template sends the matching ones to the check function through Lambda's queue
 * (every event delivered twice). A person's edit of a declared user is reported within a minute, with at
 * most three Connect requests; the deploy's own writes and a correction's are not sent at all; an edit of
 * a user the stack does not declare reads nothing but the declaration.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserDriftCheck, ConnectUserRoster } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import type { Invocation } from '../support/cloudformation-driver';
import { ACCOUNT } from '../support/connect-emulator';
import { cloudTrailEvent } from '../support/event-bridge';
import { findLeaks } from '../support/personal-data';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const K = TIME_SCALED_DEFAULT_QUOTA.timeScale;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K, duplicates: { share: 1, delayMs: [500, 5_000] } });
const roster: RosterFileEntry[] = [
  ...Array.from({ length: 20 }, (_, index) => ({ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` } })),
  { InstanceId: INSTANCE, Username: 'agent.by.name', IdentityInfo: { FirstName: 'Named', LastName: 'ByUsername' } },
];

function synth() {
  return world.synth((stack) => {
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    new ConnectUserDriftCheck(stack, 'Drift', { checkOnEdit: true });
  });
}
let first: Awaited<ReturnType<typeof synth>>;

/** The check runs started since `from`, once everything delivered so far has run. */
async function runsSince(from: number): Promise<{ payload: any; summary: DriftSummary; invocation: Invocation; startedAt: number }[]> {
  await world.eventBridge!.settled();
  await world.lambda.settled();
  const runs = world.lambda.invocations.slice(from).filter((run) => run.functionName.includes('DriftCheck'));
  return Promise.all(
    runs.map(async (run) => {
      const invocation = (await run.ended) as Invocation;
      expect(findLeaks(invocation, world.secrets)).toEqual([]);
      return { payload: run.payload, summary: invocation.result as DriftSummary, invocation, startedAt: run.startedAt };
    }),
  );
}

const driftLines = (invocation: Invocation) =>
  invocation.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((line) => line.message === 'drift');

beforeAll(async () => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (entry) => ({ FirstName: 'Held', LastName: entry.IdentityInfo.LastName }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
  first = await synth();
  // CloudTrail's events reach EventBridge 2 to 10 s after the call (AWS time).
  world.deliverCloudTrailEvents({ delayMs: [2_000, 10_000] });
  await world.checkAccessKeyId(false);
}, 120_000);
afterAll(() => world.stop());

test("the deploy's own writes are not sent to the check", async () => {
  // WHEN the stack deploys, writing every agent
  const mark = world.lambda.invocations.length;
  const trailMark = world.connect.trail.length;
  expect((await world.deployer.deploy(first)).status).toBe('CREATE_COMPLETE');
  const runs = await runsSince(mark);

  // THEN CloudTrail recorded the writes, EventBridge matched none of them to the rule, and the check never ran
  expect(world.connect.trail.slice(trailMark).filter((event) => event.eventName === 'UpdateUserIdentityInfo').length).toBeGreaterThanOrEqual(20);
  expect(runs).toEqual([]);
}, 120_000);

test('an edit of a declared user in the admin website is reported within a minute of its event, with at most three Connect requests', async () => {
  // GIVEN a supervisor fixes a declared last name
  const user = roster[3].UserId!;
  const mark = world.lambda.invocations.length;
  const requestMark = world.connect.requests.length;
  world.connect.editUser(INSTANCE, user, { LastName: 'Fixed' });
  const editedAt = Date.now();

  // WHEN CloudTrail's event reaches the check (twice)
  const runs = await runsSince(mark);

  // THEN one run checked that user alone and reported its drift, the copy did nothing
  const working = runs.filter((run) => run.summary.status === 'completed');
  expect(working).toHaveLength(1);
  expect(runs.filter((run) => run.summary.status === 'ignored')).toHaveLength(runs.length - 1);
  expect(working[0].summary).toMatchObject({ users: 1, read: 1, drifted: 1 });
  expect(driftLines(working[0].invocation)).toEqual([expect.objectContaining({ instanceId: INSTANCE, user, fields: ['LastName'], corrected: false })]);
  // AND within 60 s (AWS time) of the edit, with at most three Connect requests
  expect((working[0].startedAt + working[0].invocation.durationMs - editedAt) * K).toBeLessThan(60_000);
  const requests = world.connect.requests.slice(requestMark);
  expect(requests.length).toBeLessThanOrEqual(3);
  expect(requests.map((request) => request.operation).sort()).toEqual(['DescribeInstance', 'DescribeUser']);
}, 60_000);

test('an edit of a user declared by username is found and reported, within three requests', async () => {
  const named = world.connect.usersOf(INSTANCE).find((user) => user.username === 'agent.by.name')!;
  const mark = world.lambda.invocations.length;
  const requestMark = world.connect.requests.length;
  world.connect.editUser(INSTANCE, named.id, { FirstName: 'Renamed' });

  const runs = await runsSince(mark);

  const working = runs.filter((run) => run.summary.status === 'completed');
  expect(working).toHaveLength(1);
  expect(driftLines(working[0].invocation)).toEqual([expect.objectContaining({ user: expect.stringMatching(/^Username:/), fields: ['FirstName'] })]);
  expect(world.connect.requests.slice(requestMark).length).toBeLessThanOrEqual(3);
}, 60_000);

test('an edit of a user the stack does not declare is not compared; a change that is not an identity is not sent', async () => {
  // GIVEN an undeclared user edited, and a declared one's routing profile changed
  const stranger = world.seedUser(INSTANCE, { username: 'not.declared', identityInfo: { LastName: 'Stranger' } });
  const mark = world.lambda.invocations.length;
  const requestMark = world.connect.requests.length;
  world.connect.editUser(INSTANCE, stranger.id, { LastName: 'StillStranger' });
  world.connect.touchUser(INSTANCE, roster[5].UserId!);

  const runs = await runsSince(mark);

  // THEN one check ran, for the edit, and found the user not declared: it only asked Connect the user's username
  // (the stack declares a user by username), and compared nothing
  expect(runs.filter((run) => run.summary.status === 'completed').map((run) => run.summary.reason)).toEqual(['the stack does not declare the edited user']);
  expect(world.connect.requests.slice(requestMark).map((request) => request.operation)).toEqual(['DescribeUser']);
}, 60_000);

test("a correcting check's own writes are not sent back to it", async () => {
  // GIVEN a correcting check (its own role), and an edit it corrects when the schedule runs it
  const mark = world.lambda.invocations.length;
  await world.scheduleCheck({ correct: true });
  const afterSchedule = await runsSince(mark);
  expect(afterSchedule.filter((run) => run.payload.action === 'check-drift' && run.summary.status === 'completed')).toHaveLength(1);
  const trailMark = world.connect.trail.length;
  const writeMark = world.lambda.invocations.length;
  world.connect.editUser(INSTANCE, roster[7].UserId!, { FirstName: 'EditedAgain' });
  await runsSince(writeMark);
  const correcting = await world.scheduleCheck({ correct: true });
  const runs = await runsSince(writeMark);

  // THEN its write was recorded by CloudTrail but matched no rule: only the person's edit was checked
  expect(((await correcting.ended) as Invocation).result).toMatchObject({ corrected: expect.any(Number) });
  const ownWrites = world.connect.trail.slice(trailMark).filter((event) => (event.userIdentity as { arn: string }).arn.includes('DriftCheck'));
  expect(ownWrites.length).toBeGreaterThan(0);
  const editChecks = runs.filter((run) => run.payload.source === 'aws.connect');
  expect(editChecks.every((run) => run.payload.detail.requestParameters.UserId === roster[7].UserId)).toBe(true);

  // AND such a write's event, delivered to the check all the same (a rule edited by hand, say), is ignored without a Connect request
  const requestMark = world.connect.requests.length;
  const delivered = await world.checkDrift({ correct: true, payload: cloudTrailEvent(ownWrites[0], ACCOUNT) as unknown as Record<string, unknown> });
  expect(delivered.result).toMatchObject({ status: 'ignored', reason: expect.stringContaining("the stack's own roles") });
  expect(world.connect.requests.slice(requestMark)).toEqual([]);
}, 120_000);
