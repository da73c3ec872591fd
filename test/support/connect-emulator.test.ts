/**
 * The emulator answers the real SDK the way Amazon Connect does: the SDK must raise its own exception
 * classes from the emulator's error answers, or the end-to-end suites would test the wrong thing.
 */
import {
  AccessDeniedException,
  ConnectClient,
  ConnectServiceException,
  DescribeUserCommand,
  InternalServiceException,
  InvalidParameterException,
  ResourceNotFoundException,
  SearchUsersCommand,
  ThrottlingException,
  TooManyRequestsException,
  UpdateUserIdentityInfoCommand,
} from '@aws-sdk/client-connect';
import { ConnectEmulator } from './connect-emulator';

const emulator = new ConnectEmulator();
let client: ConnectClient;

beforeAll(async () => {
  const endpoint = await emulator.start();
  client = new ConnectClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

function seed(type: 'CONNECT_MANAGED' | 'SAML' | 'EXISTING_DIRECTORY' = 'CONNECT_MANAGED') {
  const instance = emulator.addInstance({ identityManagementType: type });
  const user = emulator.addUser(instance.id, {
    username: 'jdoe',
    identityInfo: { FirstName: 'Jane', LastName: 'Doe', Email: 'jane@example.com', Mobile: '+12065550100' },
  });
  return { instance, user };
}

test('UpdateUserIdentityInfo replaces the whole identity record on a CONNECT_MANAGED instance', async () => {
  // GIVEN a user with four identity fields, on an instance where the API may write every field
  const { instance, user } = seed();

  // WHEN only the names are sent
  await client.send(
    new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: { FirstName: 'Janet', LastName: 'Doe' } }),
  );

  // THEN the fields not sent are empty
  expect(emulator.user(instance.id, user.id).identityInfo).toEqual({ FirstName: 'Janet', LastName: 'Doe' });
  expect(emulator.requestsFor('UpdateUserIdentityInfo').at(-1)).toMatchObject({
    path: `/users/${instance.id}/${user.id}/identity-info`,
    body: { IdentityInfo: { FirstName: 'Janet', LastName: 'Doe' } },
    status: 200,
  });
});

test.each([
  ['SAML', { FirstName: 'Janet', Mobile: '+12065550111' }, { FirstName: 'Janet', Email: 'jane@example.com', Mobile: '+12065550111' }],
  ['EXISTING_DIRECTORY', { Mobile: '+12065550111' }, { FirstName: 'Jane', LastName: 'Doe', Email: 'jane@example.com', Mobile: '+12065550111' }],
] as const)('UpdateUserIdentityInfo on a %s instance replaces the writable fields and keeps those the type refuses', async (type, sent, expected) => {
  // GIVEN a user with four identity fields, on an instance whose IdP or directory owns some of them
  const { instance, user } = seed(type);

  // WHEN only writable fields are sent (the refused ones cannot be sent at all)
  await client.send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: sent }));

  // THEN the writable fields not sent are empty, and the fields the type refuses keep their values
  expect(emulator.user(instance.id, user.id).identityInfo).toEqual(expected);
});

test('UpdateUserIdentityInfo with merge semantics keeps the fields not sent', async () => {
  // GIVEN an emulator told that the API merges, and a user with four identity fields
  const merging = new ConnectEmulator({ updateSemantics: 'merge' });
  const endpoint = await merging.start();
  const mergingClient = new ConnectClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  });
  const instance = merging.addInstance({ identityManagementType: 'CONNECT_MANAGED' });
  const user = merging.addUser(instance.id, {
    username: 'jdoe',
    identityInfo: { FirstName: 'Jane', LastName: 'Doe', Email: 'jane@example.com', Mobile: '+12065550100' },
  });

  // WHEN only the first name is sent
  await mergingClient.send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: { FirstName: 'Janet' } }));
  mergingClient.destroy();
  await merging.stop();

  // THEN only the first name changed
  expect(merging.user(instance.id, user.id).identityInfo).toEqual({
    FirstName: 'Janet',
    LastName: 'Doe',
    Email: 'jane@example.com',
    Mobile: '+12065550100',
  });
});

test('SearchUsers finds a user by exact Username', async () => {
  const { instance, user } = seed();
  emulator.addUser(instance.id, { username: 'jdoe2' });

  const found = await client.send(
    new SearchUsersCommand({
      InstanceId: instance.id,
      MaxResults: 10,
      SearchCriteria: { StringCondition: { FieldName: 'Username', Value: 'jdoe', ComparisonType: 'EXACT' } },
    }),
  );

  expect(found.Users?.map((each) => each.Id)).toEqual([user.id]);
  expect(found.ApproximateTotalCount).toBe(1);
});

test('fails with InvalidParameterException that does not echo the value', async () => {
  const { instance, user } = seed();

  const error = await client
    .send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: { Mobile: '2065550199' } }))
    .catch((caught: unknown) => caught);

  expect(error).toBeInstanceOf(InvalidParameterException);
  expect((error as Error).message).toContain('IdentityInfo.Mobile');
  expect((error as Error).message).not.toContain('2065550199');
  expect(emulator.user(instance.id, user.id).identityInfo.Mobile).toBe('+12065550100');
});

test.each([
  ['SAML', { Email: 'j@example.com' }],
  ['EXISTING_DIRECTORY', { FirstName: 'Janet' }],
] as const)('fails when a %s instance is sent a field it refuses', async (type, identityInfo) => {
  const { instance, user } = seed(type);

  const error = await client
    .send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: identityInfo }))
    .catch((caught: unknown) => caught);

  expect(error).toBeInstanceOf(InvalidParameterException);
});

test('fails with the SDK exception class of each error answer', async () => {
  // GIVEN a user, and the emulator told to fail
  const { instance, user } = seed();
  const describe = (userId = user.id) =>
    client.send(new DescribeUserCommand({ InstanceId: instance.id, UserId: userId })).catch((caught: unknown) => caught);
  emulator.failNext('DescribeUser', 1, 429);
  emulator.failNext('DescribeUser', 1, 500);
  emulator.failNext('DescribeUser', 1, 503);

  // THEN each answer becomes the SDK's own exception
  expect(await describe()).toBeInstanceOf(ThrottlingException);
  expect(await describe()).toBeInstanceOf(InternalServiceException);
  const unavailable = await describe();
  expect(unavailable).toBeInstanceOf(ConnectServiceException);
  expect(unavailable).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
  expect(await describe('no-such-user')).toBeInstanceOf(ResourceNotFoundException);
  emulator.denyAccess('DescribeUser');
  expect(await describe()).toBeInstanceOf(AccessDeniedException);
  emulator.allowAccess('DescribeUser');
  expect(await describe()).toMatchObject({ User: { Id: user.id } });
});

test('fails with ThrottlingException once the burst is spent', async () => {
  const { instance, user } = seed();
  emulator.throttle('DescribeUser', { ratePerSecond: 1, burst: 2 });

  const results = await Promise.all(
    [1, 2, 3].map(() => client.send(new DescribeUserCommand({ InstanceId: instance.id, UserId: user.id })).catch((caught: unknown) => caught)),
  );
  emulator.throttle('DescribeUser', undefined);

  expect(results.filter((result) => result instanceof ThrottlingException)).toHaveLength(1);
});

describe('throttling answers', () => {
  test.each([
    ['Connect\'s ThrottlingException (the default)', undefined, ThrottlingException, 'ThrottlingException', 429],
    ['a TooManyRequestsException with 400', { status: 400, errorType: 'TooManyRequestsException' }, TooManyRequestsException, 'TooManyRequestsException', 400],
    ['a bare 429 without an error type', { status: 429 }, ConnectServiceException, 'Unknown', 429],
  ] as const)('throttles with %s once the burst is spent', async (_case, answer, errorClass, name, status) => {
    // GIVEN an operation throttled to a burst of one, with this answer
    const { instance, user } = seed();
    emulator.throttle('DescribeUser', { ratePerSecond: 0, burst: 1 }, answer);
    const describe = () => client.send(new DescribeUserCommand({ InstanceId: instance.id, UserId: user.id })).catch((caught: unknown) => caught);

    // WHEN two requests are sent
    const [first, second] = [await describe(), await describe()];
    emulator.throttle('DescribeUser', undefined);

    // THEN the second is throttled in that form, as the SDK reads it
    expect(first).toMatchObject({ User: { Id: user.id } });
    expect(second).toBeInstanceOf(errorClass);
    expect(second).toMatchObject({ name, $metadata: { httpStatusCode: status } });
  });
});

describe('values in error messages', () => {
  test.each([
    ['verbatim', '2065550199'],
    ['upper-case', 'JANE.NEW@EXAMPLE.COM'],
  ] as const)('quotes the values it refuses when told to (%s), as real services do', async (style, quoted) => {
    // GIVEN an emulator whose errors echo values
    const { instance, user } = seed();
    emulator.echoValuesInErrors(style);

    // WHEN an update carries a value the API refuses, or one refused by a check of Connect's own
    if (style === 'upper-case') emulator.refuseNextUpdateOf('Email');
    const identityInfo = style === 'verbatim' ? { Mobile: '2065550199' } : { FirstName: 'Jane', LastName: 'Doe', Email: 'jane.new@example.com' };
    const error = await client
      .send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: identityInfo }))
      .catch((caught: unknown) => caught);
    emulator.echoValuesInErrors('off');

    // THEN the message quotes the value, and nothing was written
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toContain(quoted);
    expect(emulator.user(instance.id, user.id).identityInfo).toMatchObject({ FirstName: 'Jane', Email: 'jane@example.com' });
  });

  test('refuses the field it is told to, once', async () => {
    // GIVEN the emulator told to refuse the next update's Email
    const { instance, user } = seed();
    emulator.refuseNextUpdateOf('Email');
    const update = () =>
      client
        .send(new UpdateUserIdentityInfoCommand({ InstanceId: instance.id, UserId: user.id, IdentityInfo: { FirstName: 'Jane', LastName: 'Doe', Email: 'jane@example.org' } }))
        .catch((caught: unknown) => caught);

    // THEN the first update fails naming Email, without the value, and the second goes through
    const refused = await update();
    expect(refused).toBeInstanceOf(InvalidParameterException);
    expect((refused as Error).message).toBe('1 validation error(s): IdentityInfo.Email was refused');
    expect(await update()).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(emulator.user(instance.id, user.id).identityInfo.Email).toBe('jane@example.org');
  });
});

test('answers with a malformed body that Node\'s JSON error quotes, when told to', async () => {
  // GIVEN the emulator told to malform the next DescribeUser answer
  const { instance, user } = seed();
  emulator.malformNext('DescribeUser');
  const describe = () => client.send(new DescribeUserCommand({ InstanceId: instance.id, UserId: user.id })).catch((caught: unknown) => caught);

  // WHEN the user is described twice
  const malformed = await describe();
  const wellFormed = await describe();

  // THEN the first fails to parse, with a message that quotes an identity value; the second is whole
  expect(malformed).toMatchObject({ name: 'SyntaxError', $metadata: { httpStatusCode: 200 } });
  expect((malformed as Error).message).toContain('Jane');
  expect(wellFormed).toMatchObject({ User: { IdentityInfo: { FirstName: 'Jane', LastName: 'Doe' } } });
});
