/**
 * A write sends back the fields a user did not declare as Connect holds them, so the read it is merged
 * with must be recent: at most a second old (Connect's clock) when the write arrives, however long the
 * queue of writes, so that an edit an admin made to an undeclared field before that read is kept.
 * Connect's answers to reads come back slowly (300 ms after it read the user), so a read's age must count
 * from when its request left, not from when its answer arrived.
 * Not time-scaled: a second here is a second in AWS. The largest age at a write is printed (under 0.8 s on
 * a quiet machine), not asserted: it is a timing.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { CONNECT_DEFAULT_QUOTAS, RequestRecord, scaledQuotas } from '../support/connect-emulator';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';

const K = 1;
const USER_COUNT = 40;
const ANSWER_DELAY_MS = 300;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const roster: RosterFileEntry[] = Array.from({ length: USER_COUNT }, (_, index) => ({ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { LastName: `Declared${index}` } }));

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(roster, (_, index) => ({ LastName: `Held${index}`, SecondaryEmail: `held${index}@example.org` }));
  world.throttleConnect({ quotas: scaledQuotas(CONNECT_DEFAULT_QUOTAS, K) });
  world.connect.setAnswerDelay('DescribeUser', ANSWER_DELAY_MS);
});
afterAll(() => world.stop());

test("every write is merged with a recent read of its user, and an admin's edit made before that read is kept", async () => {
  // GIVEN 40 agents to rename, which at the default quota takes 20 s of writes
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) }));

  // WHEN the deploy runs, and a second in, an admin changes the undeclared SecondaryEmail of the last 20
  const deploy = world.deployer.deploy(source);
  await new Promise((resolve) => setTimeout(resolve, 1_000 / K));
  const edited = roster.slice(20);
  const editedAt = Date.now();
  for (const each of edited) world.connect.editUser(INSTANCE, each.UserId!, { SecondaryEmail: `admin.${each.UserId}@example.org` });
  const result = await deploy;

  // THEN every agent holds its declared name
  expect(result.status).toBe('CREATE_COMPLETE');
  for (const each of roster) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo.LastName).toBe(each.IdentityInfo.LastName);
  // AND every edited agent whose write was merged with a read Connect made after the edit keeps the admin's
  // SecondaryEmail (one read just before the edit and written after it is the window the bound allows)
  const requests = world.connect.requests;
  const mergedReadOf = (write: RequestRecord) =>
    requests
      .slice(0, requests.indexOf(write))
      .reverse()
      .find((earlier) => earlier.operation === 'DescribeUser' && earlier.status === 200 && `${earlier.path}/identity-info` === write.path)!;
  const writes = requests.filter((request) => request.operation === 'UpdateUserIdentityInfo' && request.status === 200);
  const readAfterEdit = edited.filter((each) => mergedReadOf(writes.find((write) => write.path.includes(each.UserId!))!).answeredAt! > editedAt);
  expect(readAfterEdit.length).toBeGreaterThanOrEqual(edited.length / 2);
  for (const each of readAfterEdit) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo.SecondaryEmail).toBe(`admin.${each.UserId}@example.org`);
  // AND each write was merged with a read of its own user. How long after Connect read the user each write
  // reached it is printed, not asserted: on a machine busy enough to hold a process for a second, no rule
  // in the handler can keep it (the rule itself is tested with a simulated clock in test/core/user-sync.test.ts)
  const ages = writes.map((write) => (write.receivedAt - mergedReadOf(write).answeredAt!) * K);
  expect(ages).toHaveLength(USER_COUNT);
  console.log(`${USER_COUNT} writes at ${CONNECT_DEFAULT_QUOTAS.UpdateUserIdentityInfo.ratePerSecond}/s: the read each was merged with was at most ${Math.max(...ages)} ms old (AWS time); ${world.connect.requestsFor('DescribeUser').length} reads for ${USER_COUNT} users`);
}, 300_000);
