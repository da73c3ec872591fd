/**
 * Warms the SDK during the Lambda init phase. A cold container's first event costs ten times the CPU
 * of a warm one's (about 40 ms against 4 ms on the bench machine, for the three calls and the answer):
 * the SDK's request, response and error paths run, and are compiled, for the first time. A deploy
 * starts one cold container per declared user, each pays this inside its invocation, and at 256 MB a
 * Lambda has a fraction of a CPU for it. Priming runs those paths once during init, through a client
 * of its own whose requests are answered in memory: nothing leaves the container and nothing is
 * logged. It takes about 15 ms of the first event's CPU into init (BENCHMARKS.md).
 */
import {
  ConnectClient,
  ConnectClientConfig,
  DescribeInstanceCommand,
  DescribeUserCommand,
  UpdateUserIdentityInfoCommand,
} from '@aws-sdk/client-connect';

/** What the handler's calls get back: a success of each operation, then a throttling error. */
const ANSWERS: { statusCode: number; headers: Record<string, string>; body: string }[] = [
  { statusCode: 200, headers: {}, body: '{"Instance":{"IdentityManagementType":"CONNECT_MANAGED"}}' },
  { statusCode: 200, headers: {}, body: '{"User":{"IdentityInfo":{}}}' },
  { statusCode: 200, headers: {}, body: '{}' },
  { statusCode: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: '{"Message":"priming"}' },
];

/** Runs each of the handler's operations once against in-memory answers. Never rejects. */
export async function primeSdk(region: string): Promise<void> {
  try {
    await runOperations(region);
  } catch {
    // Priming is an optimisation: if it cannot run, the first event warms the SDK as it always did.
  }
}

async function runOperations(region: string): Promise<void> {
  let next = 0;
  const client = new ConnectClient({
    region,
    maxAttempts: 1,
    // Any credentials do: the requests are signed, as real ones are, but never sent.
    credentials: { accessKeyId: 'PRIMING', secretAccessKey: 'PRIMING' },
    requestHandler: {
      handle: async () => {
        const answer = ANSWERS[next++ % ANSWERS.length];
        const headers = { 'content-type': 'application/json', ...answer.headers };
        return { response: { statusCode: answer.statusCode, headers, body: Buffer.from(answer.body) } };
      },
    } as ConnectClientConfig['requestHandler'],
  });
  const id = '00000000-0000-4000-8000-000000000000';
  const calls: (() => Promise<unknown>)[] = [
    () => client.send(new DescribeInstanceCommand({ InstanceId: id })),
    () => client.send(new DescribeUserCommand({ InstanceId: id, UserId: id })),
    () => client.send(new UpdateUserIdentityInfoCommand({ InstanceId: id, UserId: id, IdentityInfo: { FirstName: 'Priming' } })),
    () => client.send(new DescribeInstanceCommand({ InstanceId: id })),
  ];
  for (const call of calls) {
    // The last answer is an error on purpose; the error path is primed too.
    await call().catch(() => undefined);
  }
  client.destroy();
}
