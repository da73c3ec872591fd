import {
  DirectoryType,
  AccessDeniedException,
  ConnectClient,
  DescribeInstanceCommand,
  DescribeUserCommand,
  ResourceNotFoundException,
  SearchUsersCommand,
  ThrottlingException,
  UpdateUserIdentityInfoCommand,
} from '@aws-sdk/client-connect';
import { mockClient } from 'aws-sdk-client-mock';
import { mergeIdentity } from '../../../core/identity-merge';
import { DeclarationError, parseProperties, Progress, syncUserIdentity } from '../../../lambda/custom-resource/identity-sync';

const connect = mockClient(ConnectClient);
const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const USER = '87654321-2222-1234-1234-111234567891';
const ARN = `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}/agent/${USER}`;
const HELD = { FirstName: 'Mary', LastName: 'Major', Email: 'marym@example.com', Mobile: '+12065550100' };

let instanceCounter = 0;
/** A fresh instance ID per test, since the handler caches instance types for the container's life. */
function freshInstance(): string {
  instanceCounter += 1;
  return `${INSTANCE.slice(0, -5)}${String(instanceCounter).padStart(5, '0')}`;
}

function givenInstance(instanceId: string, type: DirectoryType, held: Record<string, string> = HELD) {
  connect.on(DescribeInstanceCommand, { InstanceId: instanceId }).resolves({ Instance: { Id: instanceId, IdentityManagementType: type } });
  connect.on(DescribeUserCommand, { InstanceId: instanceId, UserId: USER }).resolves({ User: { Id: USER, Arn: ARN, IdentityInfo: held } });
  connect.on(UpdateUserIdentityInfoCommand).resolves({});
}

const budget = () => ({ deadline: Date.now() + 5_000, signal: new AbortController().signal });
const progress = (): Progress => ({ step: 'test', calls: {} });

beforeAll(() => {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
});
beforeEach(() => connect.reset());

describe('syncUserIdentity', () => {
  test('writes the held record with the declared fields laid over it', async () => {
    // GIVEN a user whose last name is declared anew
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    // WHEN synced
    const result = await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { LastName: 'Major-Smith' } }, budget(), progress());
    // THEN one write carries every held field and the new last name
    expect(result).toMatchObject({ wrote: true, changedFields: ['LastName'], userId: USER, userArn: ARN, instanceId });
    const writes = connect.commandCalls(UpdateUserIdentityInfoCommand);
    expect(writes).toHaveLength(1);
    expect(writes[0].args[0].input).toEqual({ InstanceId: instanceId, UserId: USER, IdentityInfo: { ...HELD, LastName: 'Major-Smith' } });
  });

  test('makes no write when the user already matches', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    const result = await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Mary', Email: 'marym@example.com' } }, budget(), progress());
    expect(result.wrote).toBe(false);
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  });

  test('reads the instance type once per container', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Mary' } }, budget(), progress());
    await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Mary' } }, budget(), progress());
    expect(connect.commandCalls(DescribeInstanceCommand)).toHaveLength(1);
  });

  test('on SAML, does not send back the Email it read', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'SAML');
    await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { Mobile: '+442071234567' } }, budget(), progress());
    const sent = connect.commandCalls(UpdateUserIdentityInfoCommand)[0].args[0].input.IdentityInfo;
    expect(sent).toEqual({ FirstName: 'Mary', LastName: 'Major', Mobile: '+442071234567' });
  });

  test('on an existing directory, sends neither names nor Email', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'EXISTING_DIRECTORY');
    await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { SecondaryEmail: 'm@example.org' } }, budget(), progress());
    const sent = connect.commandCalls(UpdateUserIdentityInfoCommand)[0].args[0].input.IdentityInfo;
    expect(sent).toEqual({ Mobile: '+12065550100', SecondaryEmail: 'm@example.org' });
  });

  test('fails a declared field the instance type refuses, before any read of the user or write', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'SAML');
    const attempt = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { Email: 'new@example.com' } }, budget(), progress());
    await expect(attempt).rejects.toThrow(new RegExp(`user ${USER} in instance ${instanceId}: Email cannot be set: the instance uses SAML`));
    expect(connect.commandCalls(DescribeUserCommand)).toHaveLength(0);
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  });

  test('applies the tighter name limits of Connect-managed instances', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    const attempt = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { LastName: 'x'.repeat(257) } }, budget(), progress());
    await expect(attempt).rejects.toThrow(/LastName is 257 characters long; between 1 and 256/);
  });

  test('fails clearly for an unknown user, without retrying', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    connect.on(DescribeUserCommand).rejects(new ResourceNotFoundException({ message: 'User not found', $metadata: { httpStatusCode: 404 } }));
    await expect(syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Mary' } }, budget(), progress())).rejects.toThrow(
      `user ${USER} in instance ${instanceId} not found`,
    );
    expect(connect.commandCalls(DescribeUserCommand)).toHaveLength(1);
  });

  test('fails access denied without retrying, naming the action', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    connect.on(UpdateUserIdentityInfoCommand).rejects(new AccessDeniedException({ message: 'denied', $metadata: { httpStatusCode: 403 } }));
    await expect(syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, budget(), progress())).rejects.toThrow(
      'access denied to connect:UpdateUserIdentityInfo',
    );
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(1);
  });

  test('retries throttling until it passes, and counts it', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    connect.on(UpdateUserIdentityInfoCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({});
    const state = progress();
    const result = await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, budget(), state);
    expect(result.wrote).toBe(true);
    expect(state.calls.UpdateUserIdentityInfo).toEqual({ attempts: 3, throttled: 2 });
  });

  /** Date.now() that moves only when the test moves it, so that ages are exact however busy the machine. */
  function heldClock() {
    let now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    return { advance: (ms: number) => (now += ms), restore: () => spy.mockRestore() };
  }
  const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });

  test("counts a read's age from when it was sent: a slow answer is read again before the write, keeping an edit made meanwhile", async () => {
    // GIVEN a user whose description comes back 60 ms after Connect read it, an admin editing its undeclared
    // Mobile in between, and a first write throttled after 150 ms (210 ms after the read, past 0.8 of 250 ms)
    const clock = heldClock();
    try {
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      let held: Record<string, string> = HELD;
      connect.on(DescribeUserCommand).callsFake(async () => {
        const described = { User: { Id: USER, Arn: ARN, IdentityInfo: held } };
        held = { ...HELD, Mobile: '+12065550199' };
        clock.advance(60);
        return described;
      });
      connect.on(UpdateUserIdentityInfoCommand).callsFakeOnce(async () => {
        clock.advance(150);
        throw throttled();
      }).resolves({});

      // WHEN synced
      await syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, { ...budget(), freshReadMs: 250 }, progress());

      // THEN the user was read again, and the write sends the admin's Mobile back
      expect(connect.commandCalls(DescribeUserCommand)).toHaveLength(2);
      expect(connect.commandCalls(UpdateUserIdentityInfoCommand)[1].args[0].input.IdentityInfo).toEqual({ ...HELD, FirstName: 'Maria', Mobile: '+12065550199' });
    } finally {
      clock.restore();
    }
  });

  test('asks the guard after a stale read is read again, so that a request superseded meanwhile writes nothing', async () => {
    // GIVEN a user whose first write is throttled after 300 ms (its read then stale, past 0.8 of 250 ms),
    // and a request that stops being the current one while the user is read again
    const clock = heldClock();
    try {
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      let superseded = false;
      connect
        .on(DescribeUserCommand)
        .resolvesOnce({ User: { Id: USER, Arn: ARN, IdentityInfo: HELD } })
        .callsFake(async () => {
          superseded = true;
          return { User: { Id: USER, Arn: ARN, IdentityInfo: HELD } };
        });
      connect.on(UpdateUserIdentityInfoCommand).callsFakeOnce(async () => {
        clock.advance(300);
        throw throttled();
      }).resolves({});
      const guarded = {
        ...budget(),
        freshReadMs: 250,
        beforeWrite: async () => {
          if (superseded) throw new DeclarationError('the request is no longer the current one');
        },
      };

      // WHEN synced
      const syncing = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, guarded, progress());

      // THEN it fails with the guard's reason, and nothing was written after the read
      await expect(syncing).rejects.toThrow('the request is no longer the current one');
      expect(connect.commandCalls(DescribeUserCommand)).toHaveLength(2);
      expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(1);
    } finally {
      clock.restore();
    }
  });

  test('gives up on throttling when the deadline comes, with a clear message', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    connect.on(DescribeUserCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    const shortBudget = { deadline: Date.now() + 300, signal: new AbortController().signal };
    await expect(syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, shortBudget, progress())).rejects.toThrow(
      /DescribeUser still failed \(ThrottlingException\) after \d+ attempts/,
    );
  });

  test('fails after a few attempts when Connect\'s host name does not resolve, naming the code', async () => {
    // GIVEN an endpoint whose name does not resolve (a region without Connect), and a minute of budget
    const instanceId = freshInstance();
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND connect.eu-north-9.amazonaws.com'), { code: 'ENOTFOUND' });
    connect.on(DescribeInstanceCommand).rejects(dns);
    const minute = { deadline: Date.now() + 60_000, signal: new AbortController().signal };
    const state = progress();

    // WHEN synced
    const attempt = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Maria' } }, minute, state);

    // THEN it gives up after 3 retries, with a Reason that names the code and what to check
    await expect(attempt).rejects.toThrow(
      new DeclarationError(
        `instance ${instanceId} in us-east-1: DescribeInstance failed with ENOTFOUND after 4 attempts: the Amazon Connect endpoint's host name does not resolve; ` +
          "check the region of the instance ARN (or the handler's AWS_REGION), and that Amazon Connect is offered there",
      ),
    );
    expect(state.calls.DescribeInstance).toEqual({ attempts: 4, throttled: 0 });
  });

  test('fails for an unknown instance, naming it', async () => {
    // GIVEN an instance ID that Connect does not know
    const instanceId = freshInstance();
    connect.on(DescribeInstanceCommand).rejects(new ResourceNotFoundException({ message: `Instance ${instanceId} not found`, $metadata: { httpStatusCode: 404 } }));
    const attempt = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { FirstName: 'Jane' } }, budget(), progress());
    // THEN the Reason names the instance
    await expect(attempt).rejects.toThrow(new DeclarationError(`instance ${instanceId} in us-east-1 not found (DescribeInstance: ResourceNotFoundException, HTTP 404)`));
  });

  test('uses the region of an instance ARN', async () => {
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED');
    await syncUserIdentity(
      { InstanceId: `arn:aws:connect:ap-southeast-2:123456789012:instance/${instanceId}`, UserId: USER, IdentityInfo: { FirstName: 'Mary' } },
      budget(),
      progress(),
    );
    const client = connect.commandCalls(DescribeUserCommand)[0].thisValue as ConnectClient;
    expect(await client.config.region()).toBe('ap-southeast-2');
  });

  describe('username', () => {
    const search = (instanceId: string, users: { Id: string; Username: string }[]) =>
      connect.on(SearchUsersCommand, { InstanceId: instanceId }).resolves({ Users: users });

    test('resolves a username to the one user that has it', async () => {
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      search(instanceId, [{ Id: USER, Username: 'marym' }]);
      const result = await syncUserIdentity({ InstanceId: instanceId, Username: 'marym', IdentityInfo: { FirstName: 'Maria' } }, budget(), progress());
      expect(result.userId).toBe(USER);
      expect(connect.commandCalls(SearchUsersCommand)[0].args[0].input.SearchCriteria).toEqual({
        StringCondition: { FieldName: 'Username', Value: 'marym', ComparisonType: 'EXACT' },
      });
    });

    test('fails when no user has the username, without naming it', async () => {
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      search(instanceId, [{ Id: 'other', Username: 'marym2' }]);
      const attempt = syncUserIdentity({ InstanceId: instanceId, Username: 'marym', IdentityInfo: { FirstName: 'Maria' } }, budget(), progress());
      await expect(attempt).rejects.toThrow(`no user in instance ${instanceId} has the declared Username`);
      await expect(attempt).rejects.not.toThrow(/marym/);
    });

    test('fails when two users have the username', async () => {
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      search(instanceId, [
        { Id: 'u1', Username: 'marym' },
        { Id: 'u2', Username: 'marym' },
      ]);
      await expect(syncUserIdentity({ InstanceId: instanceId, Username: 'marym', IdentityInfo: { FirstName: 'M' } }, budget(), progress())).rejects.toThrow(
        '2 users in instance',
      );
    });

    test('fails when two users have the username, printing only the IDs that are ID-shaped', async () => {
      // GIVEN a search answer with one user ID and one value of another shape
      const instanceId = freshInstance();
      givenInstance(instanceId, 'CONNECT_MANAGED');
      search(instanceId, [
        { Id: USER, Username: 'marym' },
        { Id: 'marym@example.com', Username: 'marym' },
      ]);
      const attempt = syncUserIdentity({ InstanceId: instanceId, Username: 'marym', IdentityInfo: { FirstName: 'M' } }, budget(), progress());
      // THEN the Reason gives the ID, and not the other value
      await expect(attempt).rejects.toThrow(
        `2 users in instance ${instanceId} have the declared Username (${USER}, an ID of unexpected form); give the UserId instead`,
      );
    });
  });
});

describe('parseProperties', () => {
  test('fails with every problem, naming the user and the fields, never the values', () => {
    const parse = () =>
      parseProperties({ ServiceToken: 'arn', InstanceId: INSTANCE, UserId: USER, IdentityInfo: { FirstName: 'Jose\u0301', Mobile: '555-0100' } });
    expect(parse).toThrow(DeclarationError);
    expect(parse).toThrow(`user ${USER} in instance ${INSTANCE}: FirstName is not in Unicode Normalization Form C`);
    expect(parse).toThrow(/; Mobile is not an E.164 number/);
    expect(parse).not.toThrow(/Jose|555-0100/);
  });

  test('fails a UserId that is not a user ID, without printing it as the subject or anywhere', () => {
    // GIVEN an email address as the UserId, resolved from a parameter at deploy time
    const parse = () => parseProperties({ InstanceId: INSTANCE, UserId: 'jane.doe@example.com', IdentityInfo: { FirstName: 'Jane' } });
    // THEN the message names "the declared user", and what a user ID looks like
    expect(parse).toThrow(`the declared user in instance ${INSTANCE}: UserId is not a Connect user ID`);
    expect(parse).not.toThrow(/jane\.doe/);
  });

  test('refuses an instance ID that is not shaped like one before calling Connect, without printing it', () => {
    // GIVEN an email address typed as the instance ID (a parameter resolved at deploy time, say)
    const parse = () => parseProperties({ InstanceId: 'jane.doe@example.com', UserId: USER, IdentityInfo: { FirstName: 'Jane' } });
    // THEN the Reason calls it the declared instance, says what an instance ID looks like, and does not repeat it
    expect(parse).toThrow(DeclarationError);
    expect(parse).toThrow(/^user [0-9a-f-]+ in the declared instance: InstanceId is not a Connect instance ID, which is a UUID/);
    expect(parse).not.toThrow(/jane/);
  });

  test('fails a secure-string reference that reached the handler unresolved', () => {
    const parse = () => parseProperties({ InstanceId: INSTANCE, UserId: USER, IdentityInfo: { Email: '{{resolve:ssm-secure:/agents/mary-email}}' } });
    expect(parse).toThrow(`user ${USER} in instance ${INSTANCE}: Email is a {{resolve:ssm-secure:...}} reference`);
  });

  test('fails missing properties', () => {
    expect(() => parseProperties(undefined)).toThrow('the event has no ResourceProperties');
    expect(() => parseProperties({ UserId: USER, IdentityInfo: { FirstName: 'M' } })).toThrow('InstanceId is required');
  });
});

describe('mergeIdentity', () => {
  test('keeps undeclared fields and reports only declared fields that differ', () => {
    const { record, changedFields } = mergeIdentity(HELD, { FirstName: 'Mary', Mobile: '+4930123456' }, 'CONNECT_MANAGED');
    expect(record).toEqual({ ...HELD, Mobile: '+4930123456' });
    expect(changedFields).toEqual(['Mobile']);
  });

  test('does not send back empty held values', () => {
    const { record } = mergeIdentity({ FirstName: 'Mary', LastName: 'Major', Mobile: '' }, { SecondaryEmail: 'm@example.org' }, 'CONNECT_MANAGED');
    expect(record).toEqual({ FirstName: 'Mary', LastName: 'Major', SecondaryEmail: 'm@example.org' });
  });
});

describe('held values', () => {
  test('fails, naming the undeclared field, when a value Connect holds would be refused', async () => {
    // GIVEN a user whose stored Mobile lacks its "+"
    const instanceId = freshInstance();
    givenInstance(instanceId, 'CONNECT_MANAGED', { ...HELD, Mobile: '4930123456' });
    // WHEN only the last name is declared anew
    const attempt = syncUserIdentity({ InstanceId: instanceId, UserId: USER, IdentityInfo: { LastName: 'Major-Smith' } }, budget(), progress());
    // THEN nothing is written, and the Reason points at Mobile without its value
    await expect(attempt).rejects.toThrow('the value Connect holds for Mobile (not declared here) is not an E.164 number');
    await expect(attempt).rejects.not.toThrow(/4930123456/);
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  });
});
