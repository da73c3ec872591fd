/**
 * A stack deployed with the earlier roster design (one Custom::ConnectUserIdentity per entry, under
 * `User-<instance>-<user>` construct IDs) upgrades to roster stages: the stage is created and reads
 * every user, the per-user resources are deleted, and nobody's identity changes.
 */
import { randomUUID } from 'node:crypto';
import { Construct } from 'constructs';
import { ConnectUserIdentity, ConnectUserRoster, rosterConstructId } from '../../lib';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const USER_COUNT = 20;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: 1 });
const entries: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({
  InstanceId: INSTANCE,
  ...(index % 10 === 0 ? { Username: `agent.${index}` } : { UserId: randomUUID() }),
  IdentityInfo: { FirstName: `Agent${index}`, LastName: `Declared${index}` },
}));

/** Every entry's user ID in Connect, also for those named by username. */
const ids: string[] = [];

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  ids.push(...world.seedRoster(entries, (_, index) => ({ FirstName: `Held${index}` })).map((user) => user.id));
});
afterAll(() => world.stop());

test('a stack with per-user roster resources upgrades to stages with no failure and no write', async () => {
  // GIVEN the roster deployed the earlier way: one ConnectUserIdentity per entry, under the roster's construct IDs
  const roster = world.roster(entries);
  const perUser = await world.synth((stack) => {
    const scope = new Construct(stack, 'Roster');
    for (const entry of roster.entries) {
      new ConnectUserIdentity(scope, rosterConstructId(entry), { instanceId: entry.instanceId, userId: entry.userId, username: entry.username, identityInfo: entry.identityInfo });
    }
  });
  const before = await world.deployer.deploy(perUser);
  expect(before.status).toBe('CREATE_COMPLETE');
  const declared = ids.map((id) => world.connect.user(INSTANCE, id).identityInfo);
  expect(declared.every((identity, index) => identity.LastName === `Declared${index}`)).toBe(true);

  // WHEN the same roster is deployed with this version's ConnectUserRoster
  const mark = world.connect.requests.length;
  const upgraded = await world.synth((stack) => new ConnectUserRoster(stack, 'Roster', { roster }));
  const result = await world.deployer.deploy(upgraded);
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN the stage is created, every per-user resource deleted, and the deploy completes
  expect(result.status).toBe('UPDATE_COMPLETE');
  const kinds = result.operations.map((op) => `${op.resourceType} ${op.requestType} ${op.answer.Status}`);
  expect(kinds.filter((kind) => kind === 'Custom::ConnectUserRoster Create SUCCESS')).toHaveLength(1);
  expect(kinds.filter((kind) => kind === 'Custom::ConnectUserIdentity Delete SUCCESS')).toHaveLength(USER_COUNT);
  expect(kinds).toHaveLength(USER_COUNT + 1);
  // AND Connect was only read: nobody's identity changed
  const requests = world.connect.requests.slice(mark);
  expect(requests.filter((request) => request.operation === 'UpdateUserIdentityInfo')).toEqual([]);
  expect(requests.filter((request) => request.operation === 'DescribeUser')).toHaveLength(USER_COUNT);
  ids.forEach((id, index) => expect(world.connect.user(INSTANCE, id).identityInfo).toEqual(declared[index]));
}, 600_000);

