/**
 * A write sends back the fields a user did not declare as Connect holds them, so the read it is merged
 * with must be recent: at most a second old (Connect's clock) when the write arrives, however long the
 * queue of writes, so that an edit an admin made to an undeclared field before that read is kept.
 * Not time-scaled: a second here is a second in AWS, well above the noise of a busy machine.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { CONNECT_DEFAULT_QUOTAS, RequestRecord, scaledQuotas } from '../support/connect-emulator';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const K = 1;
const USER_COUNT = 40;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const roster: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { LastName: `Declared${index}` } }));

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (_, index) => ({ LastName: `Held${index}`, SecondaryEmail: `held${index}@example.org` }));
  world.throttleConnect({ quotas: scaledQuotas(CONNECT_DEFAULT_QUOTAS, K) });
});
afterAll(() => world.stop());

test("every write is merged with a read at most a second old, and an admin's edit made before that read is kept", async () => {
  // GIVEN 40 agents to rename, which at the default quota takes 20 s of writes
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) }));

  // WHEN the deploy runs, and a second in, an admin changes the undeclared SecondaryEmail of the last 20
  const deploy = world.deployer.deploy(source);
  await new Promise((resolve) => setTimeout(resolve, 1_000 / K));
  const edited = roster.slice(20);
  for (const each of edited) world.connect.editUser(INSTANCE, each.UserId!, { SecondaryEmail: `admin.${each.UserId}@example.org` });
  const result = await deploy;

  // THEN every agent holds its declared name, and the edited ones keep the admin's SecondaryEmail
  expect(result.status).toBe('CREATE_COMPLETE');
  for (const each of roster) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo.LastName).toBe(each.IdentityInfo.LastName);
  for (const each of edited) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo.SecondaryEmail).toBe(`admin.${each.UserId}@example.org`);
  // AND each write reached Connect at most a second (of AWS time) after the read it was merged with was answered
  const requests = world.connect.requests;
  const ages = requests
    .map((write, index) => ({ write, index }))
    .filter(({ write }) => write.operation === 'UpdateUserIdentityInfo' && write.status === 200)
    .map(({ write, index }) => {
      const read = requests
        .slice(0, index)
        .reverse()
        .find((earlier: RequestRecord) => earlier.operation === 'DescribeUser' && earlier.status === 200 && `${earlier.path}/identity-info` === write.path)!;
      return (write.receivedAt - read.answeredAt!) * K;
    });
  expect(ages).toHaveLength(USER_COUNT);
  expect(Math.max(...ages)).toBeLessThanOrEqual(1_000);
  console.log(`${USER_COUNT} writes at ${CONNECT_DEFAULT_QUOTAS.UpdateUserIdentityInfo.ratePerSecond}/s: the read each was merged with was at most ${Math.max(...ages)} ms old (AWS time); ${world.connect.requestsFor('DescribeUser').length} reads for ${USER_COUNT} users`);
}, 300_000);
