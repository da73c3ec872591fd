/**
 * Username resolution seen from CloudFormation: the answer the handler PUTs to the ResponseURL for a
 * declaration by Username that matches no user, one user, or two.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ConnectClient,
  DescribeInstanceCommand,
  DescribeUserCommand,
  SearchUsersCommand,
  UpdateUserIdentityInfoCommand,
} from '@aws-sdk/client-connect';
import type { CloudFormationCustomResourceCreateEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda';

const connect = mockClient(ConnectClient);
const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const USER = '87654321-2222-1234-1234-111234567891';
const USER_ARN = `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}/agent/${USER}`;
const USERNAME = 'marym';

/** A local stand-in for the pre-signed ResponseURL: it keeps every body PUT to it. */
let server: http.Server;
let answers: Record<string, unknown>[];
let responseUrl: string;
/** What the handler logged, one line per call. */
let logged: string[];

beforeAll(async () => {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      answers.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  connect.reset();
  answers = [];
  logged = [];
  for (const stream of ['log', 'error'] as const) {
    jest.spyOn(console, stream).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  }
  connect.on(DescribeInstanceCommand).resolves({ Instance: { Id: INSTANCE, IdentityManagementType: 'CONNECT_MANAGED' } });
  connect.on(DescribeUserCommand).resolves({ User: { Id: USER, Arn: USER_ARN, IdentityInfo: { FirstName: 'Maria' } } });
  connect.on(UpdateUserIdentityInfoCommand).resolves({});
});

function createEvent(): CloudFormationCustomResourceCreateEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:handler',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Roster/1',
    RequestId: 'request-1',
    LogicalResourceId: 'RosterUserByName',
    ResourceType: 'Custom::ConnectUserIdentity',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:handler',
      InstanceId: INSTANCE,
      Username: USERNAME,
      IdentityInfo: { FirstName: 'Mary' },
    },
  };
}

async function answerTo(event: CloudFormationCustomResourceCreateEvent): Promise<Record<string, unknown>> {
  await handler(event, { getRemainingTimeInMillis: () => 30_000 });
  expect(answers).toHaveLength(1);
  // A username is personal data: neither the answer nor the logs repeat it.
  expect(JSON.stringify(answers[0].Reason ?? '')).not.toContain(USERNAME);
  expect(logged.join('\n')).not.toContain(USERNAME);
  return answers[0];
}

describe('handler: a user declared by Username', () => {
  test('resolves the one matching user: physical ID <instance>/<user ID>, UserId and UserArn attributes', async () => {
    // GIVEN one user with the username
    connect.on(SearchUsersCommand).resolves({ Users: [{ Id: USER, Username: USERNAME }] });

    // WHEN the user is created
    const answer = await answerTo(createEvent());

    // THEN the answer names the resolved user, and the write went to it
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `${INSTANCE}/${USER}`,
      Data: { UserId: USER, UserArn: USER_ARN },
    });
    expect(connect.commandCalls(SearchUsersCommand)[0].args[0].input).toMatchObject({
      InstanceId: INSTANCE,
      SearchCriteria: { StringCondition: { FieldName: 'Username', Value: USERNAME, ComparisonType: 'EXACT' } },
    });
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)[0].args[0].input).toMatchObject({ InstanceId: INSTANCE, UserId: USER });
  });

  test('fails when no user has the username, with a Reason that does not repeat it', async () => {
    // GIVEN a search that finds only a near miss
    connect.on(SearchUsersCommand).resolves({ Users: [{ Id: 'other', Username: `${USERNAME}2` }] });

    // WHEN the user is created
    const answer = await answerTo(createEvent());

    // THEN
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain(`no user in instance ${INSTANCE} has the declared Username`);
    expect(answer.Reason).not.toContain(USERNAME);
    expect(String(answer.PhysicalResourceId)).toMatch(/^failed-create-/);
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  });

  test('fails when two users have the username, naming their IDs and not the username', async () => {
    // GIVEN two users with the username
    connect.on(SearchUsersCommand).resolves({
      Users: [
        { Id: 'user-1', Username: USERNAME },
        { Id: 'user-2', Username: USERNAME },
      ],
    });

    // WHEN the user is created
    const answer = await answerTo(createEvent());

    // THEN
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain(`2 users in instance ${INSTANCE} have the declared Username (user-1, user-2); give the UserId instead`);
    expect(answer.Reason).not.toContain(USERNAME);
    expect(connect.commandCalls(UpdateUserIdentityInfoCommand)).toHaveLength(0);
  });
});
