/**
 * A first deploy of 1,000 agents of which five cannot be applied, time-scaled as in whole-center: two
 * are unknown to Connect, one declares an Email on an instance that uses SAML, one holds a Mobile that
 * Connect would refuse, and one the handler's role may not update. The deploy must fail naming each of
 * the five by ID and field, within CloudFormation's 4 KiB answer, and apply every other agent in full.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K } = TIME_SCALED_DEFAULT_QUOTA;
const USER_COUNT = 1_000;
const INSTANCE = randomUUID();
const SAML_INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });

const entry = (index: number, id: string, instanceId = INSTANCE): RosterFileEntry => ({
  InstanceId: instanceId,
  UserId: id,
  IdentityInfo: { LastName: `Declared${index}`, ...(index % 2 === 0 ? { Email: `agent${index}@example.org` } : {}) },
});

const good = Array.from({ length: USER_COUNT - 5 }, (_, index) => entry(index, randomUUID()));
const unknown = [entry(10_001, randomUUID()), entry(10_003, randomUUID())];
const onSaml = entry(10_000, randomUUID(), SAML_INSTANCE); // even index: declares an Email
const heldBadMobile = entry(10_005, randomUUID());
const denied = entry(10_007, randomUUID());

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.connect.addInstance({ id: SAML_INSTANCE, identityManagementType: 'SAML' });
  world.seedRoster([...good, denied], (_, index) => ({ FirstName: `Held${index}` }));
  world.seedUser(SAML_INSTANCE, { id: onSaml.UserId, username: 'saml.agent', identityInfo: { FirstName: 'HeldSaml' } });
  // A Mobile that lost its "+" in some old import: the merged write would send it back, and be refused.
  world.seedUser(INSTANCE, { id: heldBadMobile.UserId, username: 'bad.mobile', identityInfo: { FirstName: 'HeldMobile', Mobile: '12065550199' } });
  world.connect.denyAccessToUser('UpdateUserIdentityInfo', denied.UserId!);
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('five bad agents among 1,000: the deploy fails naming each by ID and field, and applies every other in full', async () => {
  // GIVEN the roster with the five bad agents among the good ones
  const entries = [...good.slice(0, 350), unknown[0], onSaml, ...good.slice(350, 700), heldBadMobile, unknown[1], ...good.slice(700), denied];
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));

  // WHEN it is deployed for the first time
  const result = await world.deployer.deploy(source);
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN the stage fails, and CloudFormation rolls the stack back
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  const [create, rollback] = result.operations;
  expect(create.answer.Status).toBe('FAILED');
  expect(rollback).toMatchObject({ requestType: 'Delete', answer: { Status: 'SUCCESS' } });
  // AND the Reason names all five, by ID and field, within CloudFormation's 4 KiB answer
  const reason = create.answer.Reason!;
  expect(reason).toMatch(/^5 of 1000 users could not be applied/);
  // Users Connect does not know are named together, after the others
  expect(reason).toMatch(/\. 2 are not in Connect \(no such user in the instance\): user /);
  const notInConnect = reason.slice(reason.indexOf('2 are not in Connect'));
  expect(notInConnect).toContain(`user ${unknown[0].UserId} in instance ${INSTANCE}`);
  expect(notInConnect).toContain(`user ${unknown[1].UserId} in instance ${INSTANCE}`);
  expect(reason).toContain(`user ${onSaml.UserId} in instance ${SAML_INSTANCE}: Email: `);
  expect(reason).toContain(`user ${heldBadMobile.UserId} in instance ${INSTANCE}: Mobile: the value Connect holds (not declared here)`);
  expect(reason).toContain(`user ${denied.UserId} in instance ${INSTANCE}: UpdateUserIdentityInfo: access denied`);
  const delivered = create.puts.find((put) => put.status === 200)!;
  expect(Buffer.byteLength(delivered.raw)).toBeLessThanOrEqual(4_096);
  // AND every good agent holds its whole declaration; the bad ones are untouched
  for (const each of good) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo).toMatchObject(each.IdentityInfo);
  expect(world.connect.user(SAML_INSTANCE, onSaml.UserId!).identityInfo).toEqual({ FirstName: 'HeldSaml' });
  expect(world.connect.user(INSTANCE, heldBadMobile.UserId!).identityInfo).toEqual({ FirstName: 'HeldMobile', Mobile: '12065550199' });
  // (the held Mobile Connect would refuse was caught before any write was sent)
  expect(world.connect.requestsFor('UpdateUserIdentityInfo').filter((request) => request.path.includes(heldBadMobile.UserId!))).toEqual([]);
  expect(world.connect.user(INSTANCE, denied.UserId!).identityInfo.LastName).toBeUndefined();
}, 600_000);

test('the Reason counts the failures it has no room to name', async () => {
  // GIVEN a roster whose 300 agents are all unknown to Connect
  const missing = Array.from({ length: 300 }, (_, index) => entry(20_000 + index, randomUUID()));
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Again', { roster: world.roster(missing) }));

  // WHEN it is deployed
  const result = await world.deployer.deploy(source);

  // THEN the Reason names as many as fit, says how many more, and the answer stays within 4 KiB
  const create = result.operations[0];
  expect(create.answer.Reason).toMatch(/^300 of 300 users could not be applied/);
  expect(create.answer.Reason).toMatch(/\.\.\. and \d+ more \(the handler's log lists each\)\. If the roster names people who are not Connect users, set skipUsersNotInConnect to skip them$/);
  expect(Buffer.byteLength(create.puts.find((put) => put.status === 200)!.raw)).toBeLessThanOrEqual(4_096);
}, 300_000);
