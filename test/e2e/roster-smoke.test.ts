/**
 * The roster deploy path end to end, small: a roster deployed as one stage, a one-user change, and a
 * removal of the roster.
 */
import { CfnWaitConditionHandle } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ConnectUserRoster } from '../../lib';
import { calls } from '../support/end-to-end';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const INSTANCE = randomUUID();
const USERS = Array.from({ length: 30 }, (_, index) => ({ index, id: randomUUID() }));
const world = new RosterWorld({ timeScale: 1 });

const entry = (index: number, id: string, lastName = `Declared-${index}`): RosterFileEntry => ({
  InstanceId: INSTANCE,
  UserId: id,
  IdentityInfo: { LastName: lastName, Email: `agent${index}@example.org` },
});

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (const { index, id } of USERS) world.connect.addUser(INSTANCE, { id, username: `agent${index}`, identityInfo: { FirstName: `Held-${index}`, LastName: `Held-${index}` } });
});
afterAll(() => world.stop());

test('a roster deploys as a stage, a one-user change calls Connect for that user only, and removing it calls nothing', async () => {
  // GIVEN a roster of 30 users
  const v1 = await world.synth((stack) => new ConnectUserRoster(stack, 'Roster', { roster: world.roster(USERS.map(({ index, id }) => entry(index, id))) }));

  // WHEN it is deployed
  const first = await world.deployer.deploy(v1);

  // THEN one stage was created, and every user holds the declared fields beside the held first name
  expect(first.status).toBe('CREATE_COMPLETE');
  expect(first.operations.map((op) => [op.resourceType, op.requestType, op.answer.Status])).toEqual([['Custom::ConnectUserRoster', 'Create', 'SUCCESS']]);
  for (const { index, id } of USERS) {
    expect(world.connect.user(INSTANCE, id).identityInfo).toEqual({ FirstName: `Held-${index}`, LastName: `Declared-${index}`, Email: `agent${index}@example.org` });
  }
  // AND the handler logged plain structured JSON: the stage's calls as counts of their own, no JSON inside a string
  const invocation = first.operations[0].invocation;
  if (invocation instanceof Error) throw invocation;
  const lines = invocation.output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.find((line) => line.message === 'stage done')).toEqual(expect.objectContaining({ DescribeUserSent: expect.any(Number), UpdateUserIdentityInfoSent: expect.any(Number) }));
  const encoded = lines.flatMap((line) => Object.entries(line)).filter(([, value]) => typeof value === 'string' && /^\s*[{[]/.test(value));
  expect(encoded).toEqual([]);

  // WHEN one user's declaration changes
  const mark = world.connect.requests.length;
  const v2 = await world.synth((stack) =>
    new ConnectUserRoster(stack, 'Roster', { roster: world.roster(USERS.map(({ index, id }) => entry(index, id, index === 7 ? 'Renamed' : undefined))) }),
  );
  const second = await world.deployer.deploy(v2);

  // THEN only that user is read and written
  expect(second.status).toBe('UPDATE_COMPLETE');
  const requests = world.connect.requests.slice(mark);
  expect(calls(requests)).toEqual(['DescribeInstance 200', 'DescribeUser 200', 'UpdateUserIdentityInfo 200']);
  expect(requests[1].path).toContain(USERS[7].id);
  expect(world.connect.user(INSTANCE, USERS[7].id).identityInfo.LastName).toBe('Renamed');

  // WHEN the roster is removed from the stack
  const afterUpdate = world.connect.requests.length;
  const v3 = await world.synth((stack) => new CfnWaitConditionHandle(stack, 'SomethingElse'));
  const third = await world.deployer.deploy(v3);

  // THEN its stage is deleted without a call to Connect
  expect(third.operations.map((op) => [op.requestType, op.answer.Status])).toEqual([['Delete', 'SUCCESS']]);
  expect(world.connect.requests.length).toBe(afterUpdate);
}, 120_000);

test('a declaration file that holds an invalid declaration (written by hand) applies the others, and fails naming it, sending nothing for it', async () => {
  // GIVEN a synthesized roster whose declaration file is then edited by hand: one UserId becomes an email address
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Tampered', { roster: world.roster(USERS.slice(0, 3).map(({ index, id }) => entry(index, id, `Tampered-${index}`))) }));
  const [file] = readdirSync(source.cloudAssemblyDir).filter((name) => /^asset\.connect-user-roster-.*\.json$/.test(name));
  const path = `${source.cloudAssemblyDir}/${file}`;
  const document = JSON.parse(readFileSync(path, 'utf8'));
  const tampered = 'mary.major@example.org';
  world.secrets.add(tampered);
  document.declarations[1].UserId = tampered;
  writeFileSync(path, JSON.stringify(document));
  const mark = world.connect.requests.length;

  // WHEN it is deployed
  const result = await world.deployer.deploy(source);

  // THEN the stage fails naming the field (never the value), the other two are applied, and Connect never saw it
  expect(result.operations[0].answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`in instance ${INSTANCE}: UserId: the declaration file holds an invalid declaration`) });
  expect(world.connect.requests.slice(mark).filter((request) => decodeURIComponent(request.path).includes(tampered))).toEqual([]);
  expect(await world.leaksOf(result)).toEqual([]);
  for (const each of document.declarations.filter((_: unknown, index: number) => index !== 1)) {
    expect(world.connect.user(INSTANCE, each.UserId).identityInfo.LastName).toMatch(/^Tampered-/);
  }
}, 120_000);
