/**
 * Another caller of Connect's API in the same account, for tests of how a deploy shares Connect's quota:
 * it sends DescribeUser at a steady rate, as a center's own integration might, through the real SDK
 * without retries, and counts what Connect let through.
 */
import { ConnectClient, DescribeUserCommand } from '@aws-sdk/client-connect';
import { ACCOUNT, REGION } from './connect-emulator';

export interface CompetingCallerResult {
  readonly sent: number;
  readonly succeeded: number;
  readonly throttled: number;
}

export class CompetingCaller {
  private readonly client: ConnectClient;
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { sent: 0, succeeded: 0, throttled: 0 };

  constructor(
    endpoint: string,
    private readonly target: { instanceId: string; userId: string },
  ) {
    this.client = new ConnectClient({
      region: REGION,
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIACOMPETINGEXAMPLE', secretAccessKey: `competing-caller-of-${ACCOUNT}` },
    });
  }

  /** Starts sending `ratePerSecond` requests a second, evenly spaced. */
  start(ratePerSecond: number): void {
    this.timer = setInterval(() => {
      this.counts.sent++;
      const call = this.client
        .send(new DescribeUserCommand({ InstanceId: this.target.instanceId, UserId: this.target.userId }))
        .then(
          () => void this.counts.succeeded++,
          (error: { $metadata?: { httpStatusCode?: number }; name?: string }) => {
            if (error.$metadata?.httpStatusCode === 429 || /Throttl|TooManyRequests/.test(error.name ?? '')) this.counts.throttled++;
          },
        )
        .finally(() => this.inFlight.delete(call));
      this.inFlight.add(call);
    }, 1000 / ratePerSecond);
  }

  /** Stops, waits for the requests in flight, and says how they went. */
  async stop(): Promise<CompetingCallerResult> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    this.client.destroy();
    return { ...this.counts };
  }
}
