/**
 * The single-user path (one `ConnectUserIdentity` per user) under at-least-once delivery: every
 * CloudFormation event delivered twice, the copy at once; then the first deploy's events delivered again
 * after a newer deploy. Time-scaled ten times at Connect's default quotas. A copy writes nothing and
 * answers nothing (or an answer that agrees), and a late event writes nothing outdated.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import { DeployResult } from '../support/stack-deployer';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K } = TIME_SCALED_DEFAULT_QUOTA;
const USER_COUNT = 4;
const INSTANCE = randomUUID();
// A copy of every event up to 2 s (AWS time) after the first: while the first still works
const world = new RosterWorld({ timeScale: K, duplicates: { share: 1, delayMs: [0, 2_000] } });
const ids = Array.from({ length: USER_COUNT }, () => randomUUID());
const declarationsOf = (version: string): RosterFileEntry[] =>
  ids.map((id, index) => ({ InstanceId: INSTANCE, UserId: id, IdentityInfo: { FirstName: `Agent${index}`, LastName: `${version}-${index}` } }));

const results: DeployResult[] = [];

/** Deploys one ConnectUserIdentity per declaration, waits for every copy, and checks what every deploy must. */
async function deploy(declarations: RosterFileEntry[]): Promise<DeployResult> {
  const source = await world.synth((stack) => {
    for (const [index, each] of declarations.entries()) {
      new ConnectUserIdentity(stack, `User${index}`, {
        instanceId: each.InstanceId,
        userId: each.UserId,
        identityInfo: { firstName: each.IdentityInfo.FirstName, lastName: each.IdentityInfo.LastName },
      });
    }
  });
  const result = await world.deployer.deploy(source);
  await world.lambda.settled();
  results.push(result);
  expect(await world.leaksOf(result)).toEqual([]);
  expect(world.disagreeingAnswers(results)).toEqual([]);
  expect(world.staleWrites(results)).toEqual([]);
  return result;
}

const writesOf = (since: number) => world.connect.requests.slice(since).filter((request) => request.operation === 'UpdateUserIdentityInfo' && request.status === 200);

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(declarationsOf('held'), (each) => ({ ...each.IdentityInfo }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('every event delivered twice: each user written once, each event answered once', async () => {
  // WHEN the users are declared, each event delivered twice
  const result = await deploy(declarationsOf('v1'));

  // THEN the stack is created, each user holds its declaration, and was written once: the copies wrote nothing
  expect(result.status).toBe('CREATE_COMPLETE');
  expect(world.lambda.invocations.filter((run) => run.kind === 'copy').length).toBeGreaterThanOrEqual(USER_COUNT);
  for (const [index, each] of declarationsOf('v1').entries()) expect(world.connect.user(INSTANCE, ids[index]).identityInfo).toEqual(each.IdentityInfo);
  expect(writesOf(0).map((write) => write.path).sort()).toEqual(ids.map((id) => `/users/${INSTANCE}/${id}/identity-info`).sort());
  // AND CloudFormation got exactly one answer for each event
  for (const op of result.operations) expect(world.driver.puts.filter((put) => put.requestId === op.event.RequestId && put.status === 200)).toHaveLength(1);
}, 120_000);

test("the first deploy's events delivered again after a newer deploy write nothing and answer nothing", async () => {
  // GIVEN a newer deploy that renamed every user
  const firstEvents = results[0].operations.map((op) => op.event);
  await deploy(declarationsOf('v2'));
  const mark = world.connect.requests.length;
  const puts = world.driver.puts.length;

  // WHEN Lambda delivers the first deploy's events again
  for (const event of firstEvents) world.lambda.enqueue(world.driver.functionName, event);
  await world.lambda.settled();

  // THEN nothing was written, CloudFormation got no answer, and every user keeps the newer declaration
  expect(writesOf(mark)).toEqual([]);
  expect(world.driver.puts.slice(puts)).toEqual([]);
  for (const [index, each] of declarationsOf('v2').entries()) expect(world.connect.user(INSTANCE, ids[index]).identityInfo).toEqual(each.IdentityInfo);
}, 120_000);
