/**
 * A whole contact center, time-scaled: 2,000 agents deployed from one roster at Connect's default quotas
 * (UpdateUserIdentityInfo 2 requests a second, DescribeUser 10, ...) with a 15-minute Lambda, played ten
 * times faster: 20 writes a second and a 90-second Lambda. Then the changes a center makes between
 * deploys: one agent renamed, one joining and one leaving, and a deploy that fails and rolls back. During the
 * first deploy, another caller of the account reads a user at a quarter of DescribeUser's quota. Lambda
 * delivers every asynchronous invocation twice, as it may: every CloudFormation event and every hand-over
 * runs again 0.1 to 60 s (of AWS time) after the first. The tests run in order, each from the stack the
 * one before left.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { Invocation } from '../support/cloudformation-driver';
import { CompetingCaller } from '../support/competing-caller';
import { RequestRecord } from '../support/connect-emulator';
import { calls } from '../support/end-to-end';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';
import { DeployResult } from '../support/stack-deployer';

const { timeScale: K, ratePerSecond: RATE, burst: BURST, quotas: QUOTAS } = TIME_SCALED_DEFAULT_QUOTA;
/** A user of the instance outside the roster, that another caller of the account reads. */
const integrationUser = randomUUID();
const USER_COUNT = 2_000;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K, duplicates: { share: 1, delayMs: [100, 60_000] } });
const results: DeployResult[] = [];

const entry = (index: number, id: string, lastName = `Declared${index}`): RosterFileEntry => ({
  InstanceId: INSTANCE,
  UserId: id,
  IdentityInfo: { FirstName: `Agent${index}`, LastName: lastName, Email: `agent${index}@example.org` },
});
/** The roster as deployed now; each test starts from it. */
let deployed: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => entry(index, randomUUID()));

/**
 * Deploys a roster and waits for every copy Lambda still has to deliver; returns the deploy and the Connect
 * requests it made (the copies' included). Every deploy must leave no value in any output, give each event
 * one answer (or answers that agree), and send Connect nothing but what a declaration in progress held.
 */
async function deploy(entries: RosterFileEntry[]) {
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
  const mark = world.connect.requests.length;
  const result = await world.deployer.deploy(source);
  await world.lambda.settled();
  results.push(result);
  expect(await world.leaksOf(result)).toEqual([]);
  expect(world.disagreeingAnswers(results)).toEqual([]);
  expect(world.staleWrites(results)).toEqual([]);
  return { result, requests: world.connect.requests.slice(mark) };
}

const identityOf = (userId: string) => world.connect.user(INSTANCE, userId).identityInfo;

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(deployed, (_, index) => ({ FirstName: `Held${index}`, LastName: `Held${index}` }));
  world.seedUser(INSTANCE, { id: integrationUser, username: 'integration.user', identityInfo: { LastName: 'Integration' } });
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

/**
 * The calls of a deploy that changes one agent, a second read of it folded into the first: time-scaled, a
 * read may be 100 ms old before its write, and a busy machine can hold a write that long (the rule itself
 * is tested in test/core/user-sync.test.ts). Fails on a third read.
 */
function oneAgentCalls(requests: readonly RequestRecord[]): string[] {
  const all = calls(requests);
  expect(all.filter((call) => call === 'DescribeUser 200').length).toBeLessThanOrEqual(2);
  return all.filter((call, index) => !(call === 'DescribeUser 200' && all[index - 1] === 'DescribeUser 200'));
}

test('the first deploy of 2,000 users at the default quota completes with no failure and few throttled requests, leaving another caller its share', async () => {
  // GIVEN a roster of 2,000 agents, none of whom holds the declared identity yet, and another caller of the
  // account reading a user at a quarter of DescribeUser's quota for the whole deploy
  await world.startEmulators();
  const other = new CompetingCaller(world.connect.endpoint, { instanceId: INSTANCE, userId: integrationUser });
  other.start(QUOTAS.DescribeUser.ratePerSecond / 4);

  // WHEN the stack is deployed
  const { result, requests: all } = await deploy(deployed);
  const competitor = await other.stop();
  const requests = all.filter((request) => request.path !== `/users/${INSTANCE}/${integrationUser}`);

  // THEN it completes, and every agent holds the declaration
  expect(result.operations.map((op) => [op.requestType, op.answer.Status, op.answer.Reason])).toEqual([['Create', 'SUCCESS', undefined]]);
  expect(result.status).toBe('CREATE_COMPLETE');
  for (const each of deployed) expect(identityOf(each.UserId!)).toEqual(each.IdentityInfo);
  // AND the stage took more than one invocation (each within the Lambda's limit, or the driver would fail it), and
  // answered once every agent was written
  const handOvers = world.lambda.invocations.filter((run) => (run.payload as { kind?: string }).kind === 'connect-user-roster/continuation');
  expect(handOvers.length).toBeGreaterThan(0);
  const answeredAt = world.driver.puts.find((put) => put.requestId === result.operations[0].event.RequestId && put.status === 200)!.receivedAt;
  expect(Math.max(...requests.filter((request) => request.operation === 'UpdateUserIdentityInfo').map((request) => request.receivedAt))).toBeLessThanOrEqual(answeredAt);
  // AND Connect received at most 1.1 times the calls the work needs (without copies, a deploy needs 1.01 times):
  // a copy finds the work held or done in the ledger, and calls nothing
  const needed = 1 + 2 * USER_COUNT;
  expect(requests.length).toBeLessThanOrEqual(1.1 * needed);
  const throttled = requests.filter((request) => request.status === 429).length;
  const bound = (USER_COUNT - BURST) / RATE;
  // AND the other caller got at least 90% of its requests through
  expect(competitor.sent).toBeGreaterThan(100);
  expect(competitor.succeeded / competitor.sent).toBeGreaterThanOrEqual(0.9);
  // AND its progress, published without a value, rose monotonically to the 2,000 users Connect now holds
  const runs = (await Promise.all(world.lambda.invocations.map((run) => run.ended))).filter((run): run is Invocation => !(run instanceof Error));
  const progress = runs.flatMap((run) => run.output.split('\n').filter((line) => line.includes('"message":"deploy progress"')).map((line) => JSON.parse(line)));
  const done = progress.map((line) => line.done as number);
  expect(done.length).toBeGreaterThan(2);
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(done.at(-1)).toBe(USER_COUNT);
  expect(progress.every((line) => line.total === USER_COUNT)).toBe(true);
  expect(progress.reduce((sum, line) => sum + line.written, 0)).toBe(deployed.filter((each) => JSON.stringify(identityOf(each.UserId!)) === JSON.stringify(each.IdentityInfo)).length);
  const copies = world.lambda.invocations.filter((run) => run.kind === 'copy').length;
  console.log(
    `2,000 users at ${RATE}/s, every event delivered twice: ${(result.wallMs / 1000).toFixed(1)} s = ${(result.wallMs / 1000 / bound).toFixed(2)}× the bound; ` +
      `${requests.length} requests for ${needed} calls, ${throttled} throttled; ${world.lambda.invocations.length - copies} invocations and ${copies} copies; ` +
      `another caller at ${QUOTAS.DescribeUser.ratePerSecond / 4}/s got ${competitor.succeeded} of ${competitor.sent} through`,
  );
}, 600_000);

test('a change to one agent calls Connect for that agent only', async () => {
  // GIVEN the deployed roster, with agent 1234 renamed
  deployed = deployed.map((each, index) => (index === 1234 ? { ...each, IdentityInfo: { ...each.IdentityInfo, LastName: 'Renamed' } } : each));

  // WHEN it is deployed
  const { result, requests } = await deploy(deployed);

  // THEN the one stage is updated, with one read and one write of that agent (and the instance's type)
  expect(result.status).toBe('UPDATE_COMPLETE');
  expect(oneAgentCalls(requests)).toEqual(['DescribeInstance 200', 'DescribeUser 200', 'UpdateUserIdentityInfo 200']);
  expect(requests.slice(1).every((request) => request.path.includes(deployed[1234].UserId!))).toBe(true);
  expect(identityOf(deployed[1234].UserId!).LastName).toBe('Renamed');
  console.log(`a one-agent change of a 2,000-agent roster took ${result.wallMs} ms`);
}, 120_000);

test('an agent joining and another leaving call Connect for the newcomer only', async () => {
  // GIVEN the roster without agent 7, and with a new agent
  const leaver = deployed[7];
  const newcomer = entry(USER_COUNT, randomUUID());
  world.seedUser(INSTANCE, { id: newcomer.UserId, username: 'newcomer', identityInfo: { FirstName: 'HeldNew' } });
  deployed = [...deployed.filter((each) => each !== leaver), newcomer];

  // WHEN it is deployed
  const { result, requests } = await deploy(deployed);

  // THEN only the newcomer is read and written; the leaver keeps the identity it had
  expect(result.status).toBe('UPDATE_COMPLETE');
  expect(oneAgentCalls(requests)).toEqual(['DescribeInstance 200', 'DescribeUser 200', 'UpdateUserIdentityInfo 200']);
  expect(requests.slice(1).every((request) => request.path.includes(newcomer.UserId!))).toBe(true);
  expect(identityOf(leaver.UserId!)).toEqual(leaver.IdentityInfo);
}, 120_000);

test('a failed update rolls back, and the rollback restores the old declaration of every changed agent', async () => {
  // GIVEN 30 agents renamed, and an agent that Connect does not know
  const unknown = randomUUID();
  const changed = deployed.map((each, index) => (index < 30 ? { ...each, IdentityInfo: { ...each.IdentityInfo, LastName: 'Interim' } } : each));

  // WHEN it is deployed
  const { result } = await deploy([...changed, entry(9_999, unknown)]);

  // THEN the stage fails naming the unknown agent by ID and field
  expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  const [forward, rollback] = result.operations;
  expect(forward.answer.Status).toBe('FAILED');
  expect(forward.answer.Reason).toContain('1 of 31 users could not be applied');
  expect(forward.answer.Reason).toContain(`1 is not in Connect (no such user in the instance): user ${unknown} in instance ${INSTANCE}.`);
  // AND the rollback (an Update back to the old properties) restores the 30 agents
  expect(rollback).toMatchObject({ requestType: 'Update', rollback: true, answer: { Status: 'SUCCESS' } });
  for (const each of deployed.slice(0, 30)) expect(identityOf(each.UserId!)).toEqual(each.IdentityInfo);
}, 300_000);
