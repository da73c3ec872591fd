/**
 * The handler's last line of defence: an error nobody expected still ends in one FAILED answer, and
 * neither that answer nor the log repeats what the error says, which can quote the user's record.
 */
import { ConnectClient, DescribeInstanceCommand, DescribeUserCommand, UpdateUserIdentityInfoCommand } from '@aws-sdk/client-connect';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambda/custom-resource/handler';
import { CloudFormationDriver } from '../../support/cloudformation-driver';
import { findLeaks } from '../../support/personal-data';

const connect = mockClient(ConnectClient);
// The ledger and CloudFormation: a resource being created, with no earlier work.
const dynamo = mockClient(DynamoDBClient);
const cloudFormation = mockClient(CloudFormationClient);
const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const USER = '87654321-2222-1234-1234-111234567891';
const HELD = { FirstName: 'Haruto', LastName: 'Nakamura', Email: 'haruto.n@example.com' };

// The driver is used for its events and its ResponseURL endpoint only; the handler runs in this process.
const driver = new CloudFormationDriver({ handlerPath: __filename, environment: {} });

beforeAll(async () => {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.LEDGER_TABLE = 'ledger';
  await driver.start();
});
afterAll(() => driver.stop());
beforeEach(() => {
  connect.reset();
  dynamo.reset();
  cloudFormation.reset();
  dynamo.on(GetItemCommand).resolves({});
  dynamo.on(PutItemCommand).resolves({});
  cloudFormation.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { ResourceStatus: 'CREATE_IN_PROGRESS', LastUpdatedTimestamp: new Date() } as never });
});
afterEach(() => jest.restoreAllMocks());

test('fails an unexpected error with its kind only, never its message, in the Reason and the log', async () => {
  // GIVEN a DescribeUser answer that makes the handler throw an error whose message quotes the record
  connect.on(DescribeInstanceCommand).resolves({ Instance: { IdentityManagementType: 'CONNECT_MANAGED' } });
  connect.on(DescribeUserCommand).resolves({
    User: {
      Id: USER,
      get IdentityInfo(): never {
        throw new TypeError(`cannot merge ${JSON.stringify(HELD)}`);
      },
    },
  });
  const output: string[] = [];
  for (const method of ['log', 'error', 'warn'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.join(' ')));
  }
  const event = driver.createEvent('Agent', { InstanceId: INSTANCE, UserId: USER, IdentityInfo: { LastName: 'Nakamura-Ode' } });

  // WHEN the handler gets the Create
  await handler(event, { getRemainingTimeInMillis: () => 30_000 });

  // THEN it answered FAILED once, naming the kind of error and where it happened, and nothing it said
  const puts = driver.puts.filter((put) => put.requestId === event.RequestId);
  expect(puts).toHaveLength(1);
  expect(puts[0].body).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringMatching(/^unexpected TypeError waiting for DescribeUser \(.*\); deploy again, and if it recurs, report it with the handler's log$/),
  });
  expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  const stdout = output.join('\n');
  expect(stdout).toContain('"errorName":"TypeError"');
  expect(findLeaks({ stdout, stderr: '', puts }, [...Object.values(HELD), 'Nakamura-Ode'])).toEqual([]);
});
