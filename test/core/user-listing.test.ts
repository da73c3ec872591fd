import { ConnectClient } from '@aws-sdk/client-connect';
import { randomUUID } from 'node:crypto';
import { Pacer, systemClock } from '../../core/pacer';
import { LIST_USERS_PAGE_SIZE, listUserPages, listUsers, ListedUser } from '../../core/user-listing';
import { ConnectEmulator, LAST_MODIFIED_RESOLUTION_MS } from '../support/connect-emulator';

const emulator = new ConnectEmulator();
const INSTANCE = randomUUID();
let client: ConnectClient;

beforeAll(async () => {
  await emulator.start();
  emulator.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (let index = 0; index < 2_345; index++) emulator.addUser(INSTANCE, { username: `agent.${index}` });
  client = new ConnectClient({ region: 'us-east-1', endpoint: emulator.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } });
});
afterAll(() => emulator.stop());

async function listAll(pacer = new Pacer(systemClock)): Promise<ListedUser[][]> {
  const pages: ListedUser[][] = [];
  for await (const page of listUsers({ pacer, clock: systemClock, signal: new AbortController().signal }, client, INSTANCE)) pages.push(page);
  return pages;
}

test('lists every user of an instance in pages of 1,000, with when each last changed', async () => {
  // GIVEN 2,345 users, one of them edited five seconds (of Connect's clock) after the others were created
  const edited = emulator.usersOf(INSTANCE)[1_500];
  emulator.editUser(INSTANCE, edited.id, { LastName: 'Edited' }, { at: emulator.now() + 5_000 });
  const mark = emulator.requests.length;

  // WHEN they are listed
  const pages = await listAll();

  // THEN three requests of 1,000 each gave every user once
  expect(pages.map((page) => page.length)).toEqual([LIST_USERS_PAGE_SIZE, LIST_USERS_PAGE_SIZE, 345]);
  expect(emulator.requests.slice(mark).map((request) => `${request.operation} ${request.status}`)).toEqual(Array(3).fill('ListUsers 200'));
  const listed = pages.flat();
  expect(new Set(listed.map((user) => user.userId)).size).toBe(2_345);
  // AND each carries Connect's last-modified time, in whole seconds as Connect gives it, the edited one later than the others
  const times = new Map(listed.map((user) => [user.userId, user.lastModifiedAt!]));
  const resolution = LAST_MODIFIED_RESOLUTION_MS;
  expect(times.get(edited.id)).toBe(Math.floor(emulator.user(INSTANCE, edited.id).lastModifiedAt / resolution) * resolution);
  expect(Math.max(...listed.filter((user) => user.userId !== edited.id).map((user) => user.lastModifiedAt!))).toBeLessThan(times.get(edited.id)!);
});

test('a throttled page is asked again, and no page is lost or repeated', async () => {
  // GIVEN ListUsers throttled to one request a second, with a burst of one
  emulator.throttle('ListUsers', { ratePerSecond: 1, burst: 1 });
  const mark = emulator.requests.length;
  try {
    // WHEN the users are listed
    const pages = await listAll();

    // THEN every user came once, although some requests were throttled
    expect(emulator.requests.slice(mark).filter((request) => request.status === 429).length).toBeGreaterThan(0);
    expect(pages.flat().length).toBe(2_345);
    expect(new Set(pages.flat().map((user) => user.userId)).size).toBe(2_345);
  } finally {
    emulator.throttle('ListUsers', undefined);
  }
});

test("each page says, in Connect's clock and not this machine's, a moment no later than the one it showed", async () => {
  // GIVEN Connect's clock an hour behind this machine's
  emulator.setClockOffset(-3_600_000);
  try {
    // WHEN the users are listed
    const before = emulator.now();
    const pages: number[] = [];
    for await (const page of listUserPages({ pacer: new Pacer(systemClock), clock: systemClock, signal: new AbortController().signal }, client, INSTANCE)) pages.push(page.shownNotBefore!);
    const after = emulator.now();

    // THEN each page's moment is in Connect's clock: within the listing, less at most the Date header's rounding
    expect(pages).toHaveLength(3);
    for (const moment of pages) {
      expect(moment).toBeGreaterThan(before - 1_000 - 1_000);
      expect(moment).toBeLessThanOrEqual(after);
    }
  } finally {
    emulator.setClockOffset(0);
  }
});
