/**
 * Another caller of Connect's API in the same account, for tests of how a deploy shares Connect's quota:
 * it sends DescribeUser at a steady mean rate, as a center's own integration might, through the real SDK
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

  /**
   * Starts sending `ratePerSecond` requests a second: evenly spaced (`periodic`), or at random
   * intervals between half and one and a half times the mean (`random`), as requests that answer
   * people's actions come.
   */
  start(ratePerSecond: number, arrivals: 'periodic' | 'random' = 'periodic'): void {
    const interval = 1000 / ratePerSecond;
    if (arrivals === 'periodic') {
      this.timer = setInterval(() => this.send(), interval);
      return;
    }
    const next = () => {
      this.timer = setTimeout(() => {
        this.send();
        next();
      }, interval * (0.5 + Math.random()));
    };
    next();
  }

  private send(): void {
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
  }

  /** Stops, waits for the requests in flight, and says how they went. */
  async stop(): Promise<CompetingCallerResult> {
    clearInterval(this.timer);
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight);
    this.client.destroy();
    return { ...this.counts };
  }
}
