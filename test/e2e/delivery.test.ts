/**
 * Lambda delivers asynchronous invocations at least once, and so CloudFormation's events and the
 * handler's own hand-overs can arrive twice, late, lost or forged. Time-scaled ten times, with a short
 * Lambda (10 s of test time) so that a stage of 200 agents takes several invocations, each scenario plays
 * one way delivery goes wrong and checks that nothing outdated is written, that each event gets one answer
 * (or answers that agree), and that the log says why an invocation did nothing.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { Invocation } from '../support/cloudformation-driver';
import { DeployResult } from '../support/stack-deployer';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K } = TIME_SCALED_DEFAULT_QUOTA;
const USER_COUNT = 200;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K, lambdaTimeoutMs: 100_000 });
const ids = Array.from({ length: USER_COUNT }, () => randomUUID());
const rosterOf = (version: string, changed: (index: number) => boolean = () => true): RosterFileEntry[] =>
  ids.map((id, index) => ({ InstanceId: INSTANCE, UserId: id, IdentityInfo: { FirstName: `Agent${index}`, LastName: changed(index) ? `${version}-${index}` : `v1-${index}` } }));

const results: DeployResult[] = [];
let deployed: RosterFileEntry[] = [];

/** Deploys a roster, waits for every copy and retry Lambda still has queued, and checks what every deploy must. */
async function deploy(entries: RosterFileEntry[]): Promise<DeployResult> {
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
  const result = await world.deployer.deploy(source);
  await world.lambda.settled();
  results.push(result);
  deployed = entries;
  expect(await world.leaksOf(result)).toEqual([]);
  expect(world.disagreeingAnswers(results)).toEqual([]);
  expect(world.staleWrites(results)).toEqual([]);
  return result;
}

/** What every run of the handler logged, as parsed JSON lines. */
async function logsOfRuns(since: number): Promise<Record<string, any>[]> {
  const runs = (await Promise.all(world.lambda.invocations.slice(since).map((run) => run.ended))).filter((run): run is Invocation => !(run instanceof Error));
  return runs.flatMap((run) => run.output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)));
}

/** The continuation payloads Lambda took since `since`. */
const handOversSince = (since: number) => world.lambda.invocations.slice(since).filter((run) => (run.payload as { kind?: string }).kind === 'connect-user-roster/continuation');

const identityOf = (index: number) => world.connect.user(INSTANCE, ids[index]).identityInfo;

beforeAll(async () => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(rosterOf('held'), (_, index) => ({ FirstName: `Held${index}`, LastName: `Held${index}` }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('a first deploy whose stage takes several invocations answers once, after its last write', async () => {
  // GIVEN 200 agents, none holding the declaration
  const runs = world.lambda.invocations.length;

  // WHEN they are deployed
  const result = await deploy(rosterOf('v1'));

  // THEN the stage handed over at least once and answered SUCCESS once, after the last write of the deploy
  expect(result.status).toBe('CREATE_COMPLETE');
  expect(handOversSince(runs).length).toBeGreaterThan(0);
  const answers = world.driver.puts.filter((put) => put.requestId === result.operations[0].event.RequestId);
  expect(answers.map((put) => put.body?.Status)).toEqual(['SUCCESS']);
  const lastWrite = Math.max(...world.connect.requestsFor('UpdateUserIdentityInfo').map((write) => write.receivedAt));
  expect(answers[0].receivedAt).toBeGreaterThanOrEqual(lastWrite);
  for (const [index, entry] of deployed.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
}, 300_000);

test('a hand-over and a CloudFormation event delivered again after a newer deploy write nothing and answer nothing', async () => {
  // GIVEN the first deploy's event and hand-overs, and a newer deploy that changed ten agents
  const firstEvent = results[0].operations[0].event;
  const oldHandOvers = handOversSince(0).map((run) => run.payload);
  await deploy(rosterOf('v2', (index) => index < 10));
  const mark = world.connect.requests.length;
  const puts = world.driver.puts.length;
  const runs = world.lambda.invocations.length;

  // WHEN Lambda delivers them again, late; and an event of the first deploy's that never arrived before arrives now
  const neverSeen = { ...firstEvent, RequestId: randomUUID() };
  for (const payload of [firstEvent, neverSeen, ...oldHandOvers]) world.lambda.enqueue(world.driver.functionName, payload);
  await world.lambda.settled();

  // THEN Connect got no request, CloudFormation no answer, and each run logged why it did nothing
  expect(world.connect.requests.slice(mark)).toEqual([]);
  expect(world.driver.puts.slice(puts)).toEqual([]);
  const whys = (await logsOfRuns(runs)).filter((line) => /not the current work/.test(line.message)).map((line) => line.why);
  expect(whys).toHaveLength(2 + oldHandOvers.length);
  expect(whys).toContain('a copy of an event whose request has ended (answered, or replaced by a newer one)');
  expect(whys).toContain('CloudFormation is not waiting for a Create of the resource (it is UPDATE_COMPLETE)');
  for (const [index, entry] of deployed.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
}, 300_000);

test('forged continuations invoked by hand write nothing, answer nothing, and the log says why', async () => {
  // GIVEN continuations naming the stage's resource, but not the work the ledger hands over
  const stage = results.at(-1)!.operations[0].event;
  const forged = [
    { kind: 'connect-user-roster/continuation', stackId: stage.StackId, logicalResourceId: stage.LogicalResourceId, requestId: randomUUID(), generation: 1 },
    { kind: 'connect-user-roster/continuation', stackId: stage.StackId, logicalResourceId: stage.LogicalResourceId, requestId: stage.RequestId, generation: 42, pacer: { UpdateUserIdentityInfo: { rate: 1e9, probing: true } } },
    { kind: 'connect-user-roster/continuation', stackId: stage.StackId, logicalResourceId: 'SomeOtherResource', requestId: stage.RequestId, generation: 1 },
    { kind: 'connect-user-roster/continuation', stackId: stage.StackId },
  ];
  const mark = world.connect.requests.length;
  const puts = world.driver.puts.length;
  const runs = world.lambda.invocations.length;

  // WHEN someone invokes the function with them
  for (const payload of forged) world.lambda.enqueue(world.driver.functionName, payload);
  await world.lambda.settled();

  // THEN nothing reached Connect or CloudFormation, and each says why it did nothing
  expect(world.connect.requests.slice(mark)).toEqual([]);
  expect(world.driver.puts.slice(puts)).toEqual([]);
  const whys = (await logsOfRuns(runs)).filter((line) => /not the current work|not a stage continuation/.test(line.message)).map((line) => line.why);
  expect(whys.sort()).toEqual(
    [
      "its request is not the resource's current one",
      'it is generation 42 of the work, and the ledger is at 1',
      'the ledger has no work for the resource',
      'its payload lacks the stack, resource, request or generation',
    ].sort(),
  );
}, 120_000);

test('a hand-over whose Invoke answer is lost reaches Lambda twice, and one invocation works on the stage', async () => {
  // GIVEN an Invoke whose answer is lost after Lambda queued it
  world.lambda.loseNextAnswers(1);
  const runs = world.lambda.invocations.length;

  // WHEN every agent is renamed (the stage hands over)
  await deploy(rosterOf('v3'));

  // THEN a generation was queued twice and worked once: the copy logged that another invocation had it,
  // or (its holder's lease run out on a busy machine) took the work over in a generation of its own
  const handOvers = handOversSince(runs).map((run) => (run.payload as { generation: number }).generation);
  expect(new Set(handOvers).size).toBeLessThan(handOvers.length);
  const logs = await logsOfRuns(runs);
  const started = logs.filter((line) => line.message === 'stage invocation started').map((line) => line.generation);
  expect(new Set(started).size).toBe(started.length);
  const tookOver = started.some((generation) => generation > 1 && !handOvers.includes(generation));
  expect(logs.some((line) => /not the current work/.test(line.message)) || tookOver).toBe(true);
  for (const [index, entry] of deployed.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
}, 300_000);

test('an Invoke that never answers is given up within the reserve, and the stage still answers once', async () => {
  // GIVEN Invokes that Lambda queues but never answers
  world.lambda.hangNextAnswers(2);
  const runs = world.lambda.invocations.length;
  const previous = deployed;

  // WHEN every agent is renamed
  const result = await deploy(rosterOf('v4'));

  // THEN no run outlived its Lambda (the driver would report silence), and the stage answered once: either the
  // queued hand-over took the work up in time and every agent was renamed, or the stage failed saying it could not
  // go on and the rollback restored every agent
  const ended = await Promise.all(world.lambda.invocations.slice(runs).map((run) => run.ended));
  expect(ended.filter((run) => run instanceof Error)).toEqual([]);
  const [forward] = result.operations;
  if (forward.answer.Status === 'SUCCESS') {
    for (const [index, entry] of deployed.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
  } else {
    expect(forward.answer.Reason).toMatch(/^could not continue the stage in a new invocation/);
    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    for (const [index, entry] of previous.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
    deployed = previous;
  }
}, 300_000);

test("a run that crashes is retried by Lambda, and the retry takes the work over where the ledger says it got", async () => {
  // GIVEN the first run of the next deploy crashes three seconds in (Lambda retries it a minute later)
  world.lambda.crashNextRuns(1, 3_000);
  const runs = world.lambda.invocations.length;

  // WHEN every agent is renamed
  const result = await deploy(rosterOf('v5'));

  // THEN Lambda retried the crashed run, which took over from the progress saved before the crash
  expect(result.status).toBe('UPDATE_COMPLETE');
  const kinds = world.lambda.invocations.slice(runs).map((run) => run.kind);
  expect(kinds).toContain('retry');
  const starts = (await logsOfRuns(runs)).filter((line) => line.message === 'stage invocation started');
  expect(starts[0]).toMatchObject({ generation: 1, alreadyDone: 0 });
  expect(starts[1].generation).toBe(2);
  expect(starts[1].alreadyDone).toBeGreaterThan(0);
  for (const [index, entry] of deployed.entries()) expect(identityOf(index)).toEqual(entry.IdentityInfo);
}, 300_000);
