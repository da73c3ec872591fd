import { ConnectClient } from '@aws-sdk/client-connect';
import { DEFAULT_PACER_SETTINGS, Pacer } from '../../core/pacer';
import { USERNAME_LISTING_THRESHOLD, UserSync, worthListingUsernames, WriteRefused } from '../../core/user-sync';
import { RosterDeclaration } from '../../lib/roster-declarations';
import { VirtualClock } from '../support/virtual-clock';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const userId = (index: number) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

/** An SDK-shaped error as Connect's answers give them. */
function apiError(name: string, status: number, message = ''): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/**
 * A Connect that answers in 20 ms of simulated time, with a token bucket per operation, users held in
 * memory, and the requests it saw.
 */
function fakeConnect(
  clock: VirtualClock,
  users: Map<string, Record<string, string>>,
  options: {
    rate?: number;
    refuse?: (command: string, input: any) => Error | undefined;
    usernames?: Map<string, string>;
    /** Sends a user's description back this long after reading it, and calls `afterRead` in between. */
    slowDescribe?: { delayMs: number; afterRead: () => void };
  } = {},
) {
  const sent: string[] = [];
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = options.rate ?? 1_000;
  const send = async (command: { constructor: { name: string }; input: any }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    sent.push(name);
    await clock.sleep(10);
    const bucket = buckets.get(name) ?? { tokens: 5, at: clock.now() };
    bucket.tokens = Math.min(5, bucket.tokens + ((clock.now() - bucket.at) / 1000) * rate);
    bucket.at = clock.now();
    buckets.set(name, bucket);
    await clock.sleep(10);
    if (bucket.tokens < 1) throw apiError('ThrottlingException', 429, 'Rate exceeded');
    bucket.tokens -= 1;
    const refusal = options.refuse?.(name, command.input);
    if (refusal) throw refusal;
    if (name === 'DescribeInstance') return { Instance: { IdentityManagementType: 'CONNECT_MANAGED' } };
    const named = [...(options.usernames ?? [])].map(([Username, Id]) => ({ Username, Id }));
    if (name === 'ListUsers') {
      const from = Number(command.input.NextToken ?? 0);
      const to = from + command.input.MaxResults;
      return { UserSummaryList: named.slice(from, to), NextToken: to < named.length ? String(to) : undefined };
    }
    if (name === 'SearchUsers') return { Users: named.filter((user) => user.Username === command.input.SearchCriteria.StringCondition.Value) };
    const held = users.get(command.input.UserId);
    if (!held) throw apiError('ResourceNotFoundException', 404, `User not found: ${command.input.UserId}`);
    if (name === 'DescribeUser') {
      const described = { User: { IdentityInfo: { ...held } } };
      if (options.slowDescribe) {
        options.slowDescribe.afterRead();
        await clock.sleep(options.slowDescribe.delayMs);
      }
      return described;
    }
    users.set(command.input.UserId, { ...command.input.IdentityInfo });
    return {};
  };
  return { client: { send } as unknown as ConnectClient, sent };
}

function syncWith(clock: VirtualClock, connect: { client: ConnectClient }, signal = new AbortController().signal) {
  return new UserSync({ region: 'us-east-1', pacer: new Pacer(clock), clock, signal, client: () => connect.client });
}

const declaration = (index: number, info: RosterDeclaration['IdentityInfo']): RosterDeclaration => ({ InstanceId: INSTANCE, UserId: userId(index), IdentityInfo: info });

describe('UserSync', () => {
  test('writes the merged record of a user whose declared fields differ, and leaves a matching one alone', async () => {
    // GIVEN two users, one already matching
    const clock = new VirtualClock();
    const users = new Map([
      [userId(1), { FirstName: 'Held', LastName: 'Old' }],
      [userId(2), { FirstName: 'Held', LastName: 'Same' }],
    ]);
    const connect = fakeConnect(clock, users);
    const sync = syncWith(clock, connect);

    // WHEN both are applied
    const outcomes = await clock.run(Promise.all([sync.apply(declaration(1, { LastName: 'New' })), sync.apply(declaration(2, { LastName: 'Same' }))]));

    // THEN the first is written with its undeclared field kept, the second is not written
    expect(outcomes).toEqual([{ kind: 'written', changedFields: ['LastName'] }, { kind: 'unchanged' }]);
    expect(users.get(userId(1))).toEqual({ FirstName: 'Held', LastName: 'New' });
    expect(connect.sent.filter((name) => name === 'UpdateUserIdentityInfo')).toHaveLength(1);
  });

  test('reports a differing user without writing it when asked only to check', async () => {
    // GIVEN a user whose last name differs
    const clock = new VirtualClock();
    const users = new Map([[userId(1), { LastName: 'Edited' }]]);
    const connect = fakeConnect(clock, users);

    // WHEN it is checked without correction
    const outcome = await clock.run(syncWith(clock, connect).apply(declaration(1, { LastName: 'Declared' }), { write: false }));

    // THEN the difference is reported and nothing is written
    expect(outcome).toEqual({ kind: 'differs', changedFields: ['LastName'] });
    expect(connect.sent).not.toContain('UpdateUserIdentityInfo');
  });

  test('stops a write that beforeWrite refuses', async () => {
    // GIVEN a user to correct, and a guard that refuses (a deploy started)
    const clock = new VirtualClock();
    const connect = fakeConnect(clock, new Map([[userId(1), { LastName: 'Edited' }]]));

    // WHEN it is applied
    const applying = clock.run(syncWith(clock, connect).apply(declaration(1, { LastName: 'Declared' }), { write: true, beforeWrite: async () => Promise.reject(new Error('deploying')) }));

    // THEN the apply rejects, and nothing is written
    await expect(applying).rejects.toBeInstanceOf(WriteRefused);
    expect(connect.sent).not.toContain('UpdateUserIdentityInfo');
  });

  test('records a failed user by ID and field, without the values an error message echoes', async () => {
    // GIVEN a user whose held Mobile Connect refuses, echoing it, and a user Connect does not know
    const clock = new VirtualClock();
    const connect = fakeConnect(clock, new Map([[userId(1), { LastName: 'Held' }]]), {
      refuse: (name) => (name === 'UpdateUserIdentityInfo' ? apiError('InvalidParameterException', 400, 'Invalid Mobile: +1555Secret (not E.164)') : undefined),
    });
    const sync = syncWith(clock, connect);

    // WHEN both are applied
    const [refused, missing] = await clock.run(Promise.all([sync.apply(declaration(1, { LastName: 'New' })), sync.apply(declaration(9, { LastName: 'New' }))]));

    // THEN each fails with its ID, the field, and the error's code only
    expect(refused).toEqual({
      kind: 'failed',
      failure: { instanceId: INSTANCE, user: userId(1), field: 'Mobile', problem: expect.stringContaining('Amazon Connect refused UpdateUserIdentityInfo (InvalidParameterException, HTTP 400)') },
    });
    expect(JSON.stringify(refused)).not.toContain('Secret');
    expect(missing).toMatchObject({ kind: 'failed', failure: { user: userId(9), field: 'UserId', problem: expect.stringContaining('not found') } });
  });

  test('a server or network failure that persists fails the user by its code, never by what its message says', async () => {
    // GIVEN a Connect whose writes keep failing with a 500, and whose reads of another user keep failing on the
    // network, each error's message quoting a value
    const clock = new VirtualClock();
    const connect = fakeConnect(clock, new Map([[userId(1), { LastName: 'Held' }], [userId(2), { LastName: 'Held' }]]), {
      refuse: (name, input) =>
        name === 'UpdateUserIdentityInfo'
          ? apiError('InternalServiceException', 500, 'could not store LastName=Secret-Name')
          : name === 'DescribeUser' && input.UserId === userId(2)
            ? Object.assign(new Error('read ECONNRESET while sending Secret-Name'), { code: 'ECONNRESET' })
            : undefined,
    });
    const sync = syncWith(clock, connect);

    // WHEN both are applied
    const outcomes = await clock.run(Promise.all([sync.apply(declaration(1, { LastName: 'Secret-Name' })), sync.apply(declaration(2, { LastName: 'New' }))]));

    // THEN each failed after its retries, naming the operation and the error's code, and no message passed on
    expect(outcomes[0]).toMatchObject({ kind: 'failed', failure: { field: 'UpdateUserIdentityInfo', problem: expect.stringContaining('(InternalServiceException, HTTP 500)') } });
    expect(outcomes[1]).toMatchObject({ kind: 'failed', failure: { field: 'DescribeUser', problem: expect.stringContaining('ECONNRESET') } });
    expect(JSON.stringify(outcomes)).not.toMatch(/Secret|could not store|while sending/);
  });

  test('a value Connect holds that Connect would refuse fails the user by that field, and nothing is sent', async () => {
    // GIVEN a user holding a Mobile without its "+", whose LastName is declared
    const clock = new VirtualClock();
    const connect = fakeConnect(clock, new Map([[userId(1), { LastName: 'Held', Mobile: '12065550100' }]]));

    // WHEN it is applied
    const outcome = await clock.run(syncWith(clock, connect).apply(declaration(1, { LastName: 'New' })));

    // THEN it fails naming the held field, and no write was sent (Connect would refuse the whole record)
    expect(outcome).toMatchObject({ kind: 'failed', failure: { field: 'Mobile', problem: expect.stringMatching(/^the value Connect holds \(not declared here\)/) } });
    expect(connect.sent).not.toContain('UpdateUserIdentityInfo');
  });

  test('a write whose slot comes after its read went stale reads the user again, and sends what Connect holds then', async () => {
    // GIVEN a user whose first write is throttled, and whose undeclared SecondaryEmail an admin changes just then
    const clock = new VirtualClock();
    const users = new Map<string, Record<string, string>>([[userId(1), { LastName: 'Held' }]]);
    let throttled = false;
    const connect = fakeConnect(clock, users, {
      refuse: (name) => {
        if (name !== 'UpdateUserIdentityInfo' || throttled) return undefined;
        throttled = true;
        users.set(userId(1), { ...users.get(userId(1))!, SecondaryEmail: 'edited@example.org' });
        return apiError('ThrottlingException', 429, 'Rate exceeded');
      },
    });
    const pacer = new Pacer(clock, { ...DEFAULT_PACER_SETTINGS, initialRate: 1, probeGrowth: 0, growth: 0 });
    const sync = new UserSync({ region: 'us-east-1', pacer, clock, signal: new AbortController().signal, client: () => connect.client, freshReadMs: 300 });

    // WHEN it is applied (the write is sent again a second later, past the 300 ms bound)
    const outcome = await clock.run(sync.apply(declaration(1, { LastName: 'New' })));

    // THEN the user was read again before the write went out again, and keeps the admin's edit
    expect(outcome).toEqual({ kind: 'written', changedFields: ['LastName'] });
    expect(connect.sent).toEqual(['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'DescribeUser', 'UpdateUserIdentityInfo']);
    expect(users.get(userId(1))).toEqual({ LastName: 'New', SecondaryEmail: 'edited@example.org' });
  });

  test('the guard is asked after a stale read is read again, so that the work lost meanwhile writes nothing', async () => {
    // GIVEN a user whose first write is throttled, so that its read goes stale, and whose work is taken
    // over by another invocation while it is read again
    const clock = new VirtualClock();
    const users = new Map<string, Record<string, string>>([[userId(1), { LastName: 'Held' }]]);
    let lost = false;
    let reads = 0;
    let writes = 0;
    const connect = fakeConnect(clock, users, {
      refuse: (name) => {
        if (name === 'DescribeUser' && ++reads === 2) lost = true;
        if (name === 'UpdateUserIdentityInfo' && ++writes === 1) return apiError('ThrottlingException', 429, 'Rate exceeded');
        return undefined;
      },
    });
    const guard = async () => {
      if (lost) throw new Error('taken over');
    };
    const pacer = new Pacer(clock, { ...DEFAULT_PACER_SETTINGS, initialRate: 1, probeGrowth: 0, growth: 0 });
    const sync = new UserSync({ region: 'us-east-1', pacer, clock, signal: new AbortController().signal, client: () => connect.client, freshReadMs: 300 });

    // WHEN it is applied
    const applying = clock.run(sync.apply(declaration(1, { LastName: 'New' }), { write: true, beforeWrite: guard }));

    // THEN the write is refused, and only the throttled one was sent
    await expect(applying).rejects.toBeInstanceOf(WriteRefused);
    expect(connect.sent).toEqual(['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'DescribeUser']);
    expect(users.get(userId(1))).toEqual({ LastName: 'Held' });
  });

  /**
   * A user whose description comes back `delayMs` after Connect read it, with an admin's edit of its
   * undeclared SecondaryEmail in between; and a write pacer whose first slot comes at `writeSlotAt` (a
   * slot was taken at 0).
   */
  async function slowlyDescribed(clock: VirtualClock, delayMs: number, writeSlotAt: number) {
    const users = new Map<string, Record<string, string>>([[userId(1), { LastName: 'Held' }]]);
    let edited = false;
    const afterRead = () => {
      if (edited) return;
      edited = true;
      users.set(userId(1), { ...users.get(userId(1))!, SecondaryEmail: 'edited@example.org' });
    };
    const connect = fakeConnect(clock, users, { slowDescribe: { delayMs, afterRead } });
    const pacer = new Pacer(clock, DEFAULT_PACER_SETTINGS, {}, { UpdateUserIdentityInfo: 1_000 / writeSlotAt });
    pacer.of('UpdateUserIdentityInfo').succeeded(await pacer.of('UpdateUserIdentityInfo').acquire());
    const sync = new UserSync({ region: 'us-east-1', pacer, clock, signal: new AbortController().signal, client: () => connect.client, freshReadMs: 300 });
    return { users, connect, sync };
  }

  test("a read's age counts from when it was sent: an answer slow to come back is older than it looks", async () => {
    // GIVEN a user read from 20 ms (described at 40 ms, the answer back at 120 ms), and a write slot at 330 ms
    const clock = new VirtualClock();
    const { users, connect, sync } = await slowlyDescribed(clock, 80, 330);

    // WHEN it is applied: 210 ms after its answer, but 310 ms after it was sent, the read is past 0.8 of the 300 ms bound
    const outcome = await clock.run(sync.apply(declaration(1, { LastName: 'New' })));

    // THEN the user was read again before the write, and keeps the admin's edit
    expect(outcome).toEqual({ kind: 'written', changedFields: ['LastName'] });
    expect(connect.sent).toEqual(['DescribeInstance', 'DescribeUser', 'DescribeUser', 'UpdateUserIdentityInfo']);
    expect(users.get(userId(1))).toEqual({ LastName: 'New', SecondaryEmail: 'edited@example.org' });
  });

  test('a read whose own round trip is most of its age is not read again: a new one would be no fresher', async () => {
    // GIVEN a user read from 20 ms whose answer comes back at 240 ms, and a write slot at 300 ms
    const clock = new VirtualClock();
    const { connect, sync } = await slowlyDescribed(clock, 200, 300);

    // WHEN it is applied
    const outcome = await clock.run(sync.apply(declaration(1, { LastName: 'New' })));

    // THEN it is written with that one read
    expect(outcome).toEqual({ kind: 'written', changedFields: ['LastName'] });
    expect(connect.sent).toEqual(['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo']);
  });

  test('paces up on answers that are not throttles, errors included', async () => {
    // GIVEN 300 users Connect does not know, and a quota of 50 requests a second
    const clock = new VirtualClock();
    const connect = fakeConnect(clock, new Map(), { rate: 50 });
    const sync = syncWith(clock, connect);

    // WHEN all are applied, 64 at a time as a stage does
    let next = 0;
    const outcomes: string[] = [];
    const worker = async () => {
      while (next < 300) {
        next++;
        outcomes.push((await sync.apply(declaration(1_000 + next, { LastName: 'X' }))).kind);
      }
    };
    await clock.run(Promise.all(Array.from({ length: 64 }, worker)));

    // THEN every one failed, and the pacer found the quota: far less than the 150 s its initial 2/s would take
    expect(outcomes.every((kind) => kind === 'failed')).toBe(true);
    expect(clock.now() / 1000).toBeLessThan(30);
  });

  describe('users named by Username', () => {
    /** 1,500 users of the instance, `agent.<n>`, of which the first 40 are declared, and one name no user has. */
    function namedWorld(clock: VirtualClock, refuse?: (command: string) => Error | undefined) {
      const users = new Map<string, Record<string, string>>();
      const usernames = new Map<string, string>();
      for (let index = 0; index < 1_500; index++) {
        users.set(userId(index), { LastName: 'Held' });
        usernames.set(`agent.${index}`, userId(index));
      }
      const connect = fakeConnect(clock, users, { usernames, refuse });
      const declarations: RosterDeclaration[] = [
        ...Array.from({ length: 40 }, (_, index) => ({ InstanceId: INSTANCE, Username: `agent.${index}`, IdentityInfo: { LastName: 'Held' } })),
        { InstanceId: INSTANCE, Username: 'not.an.agent', IdentityInfo: { LastName: 'Held' } },
      ];
      return { connect, declarations };
    }

    test('many on one instance are found in one walk through its ListUsers pages, with no SearchUsers', async () => {
      // GIVEN 41 users named by Username on one instance, which lists 1,500 users
      const clock = new VirtualClock();
      const { connect, declarations } = namedWorld(clock);
      const sync = new UserSync({ region: 'us-east-1', pacer: new Pacer(clock), clock, signal: new AbortController().signal, client: () => connect.client, listUsernamesOf: worthListingUsernames(declarations) });

      // WHEN they are applied
      const outcomes = await clock.run(Promise.all(declarations.map((each) => sync.apply(each))));

      // THEN the 40 users are found and read, the one no user has fails as not found, and the instance was listed once (two pages)
      expect(outcomes.slice(0, 40).every((outcome) => outcome.kind === 'unchanged')).toBe(true);
      expect(outcomes[40]).toEqual({ kind: 'failed', failure: expect.objectContaining({ field: 'Username', kind: 'user-not-found' }) });
      expect(connect.sent.filter((name) => name === 'ListUsers')).toHaveLength(2);
      expect(connect.sent.filter((name) => name === 'SearchUsers')).toEqual([]);
      expect(connect.sent.filter((name) => name === 'DescribeUser')).toHaveLength(40);
    });

    test('without the listing, each is searched for', async () => {
      const clock = new VirtualClock();
      const { connect, declarations } = namedWorld(clock);
      const outcomes = await clock.run(Promise.all(declarations.map((each) => syncWith(clock, connect).apply(each))));
      expect(outcomes[40]).toEqual({ kind: 'failed', failure: expect.objectContaining({ field: 'Username', kind: 'user-not-found' }) });
      expect(connect.sent.filter((name) => name === 'SearchUsers')).toHaveLength(41);
      expect(connect.sent.filter((name) => name === 'ListUsers')).toEqual([]);
    });

    test('a listing that fails (no right to ListUsers) falls back to searching each', async () => {
      // GIVEN an instance whose listing is refused
      const clock = new VirtualClock();
      const { connect, declarations } = namedWorld(clock, (command) => (command === 'ListUsers' ? apiError('AccessDeniedException', 403) : undefined));
      const sync = new UserSync({ region: 'us-east-1', pacer: new Pacer(clock), clock, signal: new AbortController().signal, client: () => connect.client, listUsernamesOf: new Set([INSTANCE]) });

      // WHEN the users are applied
      const outcomes = await clock.run(Promise.all(declarations.map((each) => sync.apply(each))));

      // THEN each is found with a search, as without the listing, after one refused ListUsers
      expect(outcomes.slice(0, 40).every((outcome) => outcome.kind === 'unchanged')).toBe(true);
      expect(outcomes[40]).toEqual({ kind: 'failed', failure: expect.objectContaining({ kind: 'user-not-found' }) });
      expect(connect.sent.filter((name) => name === 'ListUsers')).toHaveLength(1);
      expect(connect.sent.filter((name) => name === 'SearchUsers')).toHaveLength(41);
    });

    test('an instance is listed only from the threshold of users named by Username', () => {
      const named = (count: number, instance = INSTANCE) => Array.from({ length: count }, (_, index) => ({ InstanceId: instance, Username: `agent.${index}` }));
      const other = 'a1b2c3d4-5678-90ab-cdef-000000000002';
      expect(worthListingUsernames([...named(USERNAME_LISTING_THRESHOLD), ...named(USERNAME_LISTING_THRESHOLD - 1, other)])).toEqual(new Set([INSTANCE]));
      expect(worthListingUsernames([...named(USERNAME_LISTING_THRESHOLD - 1), { InstanceId: INSTANCE, Username: undefined }])).toEqual(new Set());
      // (an ARN and an ID of one instance count together)
      expect(worthListingUsernames([...named(10), ...named(10, `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}`)])).toEqual(new Set([INSTANCE]));
    });
  });
});
