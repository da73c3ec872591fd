/**
 * Lambda's asynchronous invocations, for end-to-end tests, as unkind as Lambda is allowed to be:
 *
 * - Its Invoke API (InvocationType Event), which the functions use to hand work over to themselves: it
 *   queues the payload and answers 202; on request it refuses an Invoke (429, 5xx), queues it but loses the
 *   answer (the connection drops), or queues it and never answers.
 * - Delivery of every queued event (CloudFormation's events too, which the stack deployer sends through
 *   here): each runs through the CloudFormation driver in a fresh process, as a new container would.
 *   Lambda runs asynchronous events at least once: with `duplicates`, a copy of each event runs again a
 *   random time later, whatever became of the first. An invocation that fails (throws, crashes, times out)
 *   is tried again after Lambda's delays (1 minute, then 2), as often as the function's retry setting
 *   allows; an event that could not start within the function's maximum event age is dropped. Both
 *   settings are read from the synthesized template's `AWS::Lambda::EventInvokeConfig`, and every delay is
 *   divided by the time scale.
 */
import * as http from 'node:http';
import type { CloudFormationDriver, Invocation } from './cloudformation-driver';
import { LocalService } from './local-server';

/** How an event reached the function. */
export type DeliveryKind = 'original' | 'copy' | 'retry';

/** One run of a queued event, and how it ended. */
export interface AsyncInvocation {
  readonly functionName: string;
  readonly payload: unknown;
  readonly kind: DeliveryKind;
  /** When the run started (epoch ms). */
  readonly startedAt: number;
  /** Settles when the run has ended. */
  readonly ended: Promise<Invocation | Error>;
}

/** A function's asynchronous-invocation settings, as its EventInvokeConfig gives them (unscaled). */
export interface AsyncInvokeSettings {
  /** Tries after the first failed one. Lambda's default: 2. */
  readonly retryAttempts: number;
  /** Seconds an event may wait to start. Lambda's default: 21,600. */
  readonly maxEventAgeSeconds: number;
}

/** Lambda's defaults, for a function without EventInvokeConfig. */
export const LAMBDA_DEFAULT_ASYNC_SETTINGS: AsyncInvokeSettings = { retryAttempts: 2, maxEventAgeSeconds: 21_600 };

/** How unkind delivery is, in AWS time (divided by the time scale). */
export interface DeliveryOptions {
  /** k: every delay and age is divided by it. @default 1 */
  readonly timeScale?: number;
  /**
   * Run a copy of each event (the share of events given a copy), a random time later in `delayMs`, whatever
   * became of the first. @default no copies
   */
  readonly duplicates?: { readonly share: number; readonly delayMs: readonly [number, number] };
}

/** Lambda's delays before the first and the second retry of a failed asynchronous invocation, in AWS time. */
const RETRY_DELAYS_MS = [60_000, 120_000];

export class LambdaEmulator extends LocalService {
  /** Every run, in the order started. */
  readonly invocations: AsyncInvocation[] = [];
  /** Events dropped because they could not start within the maximum event age. */
  readonly dropped: { functionName: string; payload: unknown; kind: DeliveryKind }[] = [];
  /** Refuse the next `count` Invoke requests with this status (e.g. 429, as a throttled Invoke). */
  private refusals: number[] = [];
  /** What happens to the next Invoke requests' answers after the payload is queued. */
  private answers: ('lose' | 'hang')[] = [];
  private crashes: number[] = [];
  private readonly hung = new Set<http.ServerResponse>();
  private readonly pending = new Set<Promise<void>>();
  private stopping = false;
  private delivery: DeliveryOptions;

  /**
   * @param driverFor the driver that runs a function, by the function name in the request
   * @param timeoutMs the function's timeout
   * @param settingsFor the function's asynchronous-invocation settings (from its template)
   */
  constructor(
    private readonly driverFor: (functionName: string) => CloudFormationDriver | undefined,
    private readonly timeoutMs: () => number,
    private readonly settingsFor: (functionName: string) => AsyncInvokeSettings = () => LAMBDA_DEFAULT_ASYNC_SETTINGS,
    delivery: DeliveryOptions = {},
  ) {
    super();
    this.delivery = delivery;
  }

  /** Changes how unkind delivery is from now on. */
  setDelivery(delivery: DeliveryOptions): void {
    this.delivery = delivery;
  }

  /** Refuses the next `count` invocations with `status`. */
  refuseNext(count: number, status = 429): void {
    this.refusals.push(...Array<number>(count).fill(status));
  }

  /** Queues the next `count` invocations but drops the connection instead of answering. */
  loseNextAnswers(count = 1): void {
    this.answers.push(...Array<'lose'>(count).fill('lose'));
  }

  /** Crashes the next `count` runs (of any event) `afterMs` after they start, as an out-of-memory error would. */
  crashNextRuns(count: number, afterMs: number): void {
    this.crashes.push(...Array<number>(count).fill(afterMs));
  }

  /** Queues the next `count` invocations but never answers them. */
  hangNextAnswers(count = 1): void {
    this.answers.push(...Array<'hang'>(count).fill('hang'));
  }

  /**
   * Queues an event for a function, as an asynchronous Invoke (or CloudFormation) does: it runs at once,
   * then again if a copy is due or it fails. Resolves to the first run.
   */
  enqueue(functionName: string, payload: unknown): AsyncInvocation {
    const queuedAt = Date.now();
    const first = this.run(functionName, payload, 'original', queuedAt, 0);
    const duplicates = this.delivery.duplicates;
    if (duplicates && Math.random() < duplicates.share) {
      const [min, max] = duplicates.delayMs;
      this.later(this.scaled(min + Math.random() * (max - min)), () => void this.run(functionName, payload, 'copy', Date.now(), 0));
    }
    return first;
  }

  /** Waits until every event queued so far, and every copy and retry due, has run and ended. */
  async settled(): Promise<void> {
    for (;;) {
      const runs = this.invocations.length;
      await Promise.all([...this.pending]);
      await Promise.all(this.invocations.map((invocation) => invocation.ended));
      // An ended run may have scheduled a retry, and a copy may have started meanwhile: wait for those too.
      if (this.pending.size === 0 && this.invocations.length === runs) return;
    }
  }

  override async stop(): Promise<void> {
    this.stopping = true;
    for (const response of this.hung) response.destroy();
    await super.stop();
  }

  private run(functionName: string, payload: unknown, kind: DeliveryKind, queuedAt: number, retriesDone: number): AsyncInvocation {
    const driver = this.driverFor(functionName);
    const settings = this.settingsFor(functionName);
    const started: AsyncInvocation = {
      functionName,
      payload,
      kind,
      startedAt: Date.now(),
      ended: (driver ? driver.invoke(payload as never, { mode: 'isolated', timeoutMs: this.timeoutMs(), crashAfterMs: this.crashes.shift() }) : Promise.reject(new Error(`no function ${functionName}`))).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      ),
    };
    this.invocations.push(started);
    void started.ended.then((outcome) => {
      const failed = outcome instanceof Error || outcome.outcome !== 'returned';
      if (!failed || retriesDone >= settings.retryAttempts || this.stopping) return;
      const delay = this.scaled(RETRY_DELAYS_MS[Math.min(retriesDone, RETRY_DELAYS_MS.length - 1)]);
      this.later(delay, () => {
        // An event that could not start within the maximum event age is dropped, as Lambda drops it.
        if (Date.now() - queuedAt > this.scaled(settings.maxEventAgeSeconds * 1000)) {
          this.dropped.push({ functionName, payload, kind: 'retry' });
          return;
        }
        this.run(functionName, payload, 'retry', queuedAt, retriesDone + 1);
      });
    });
    return started;
  }

  private later(ms: number, action: () => void): void {
    if (this.stopping) return;
    const done = new Promise<void>((resolve) =>
      setTimeout(() => {
        if (!this.stopping) action();
        resolve();
      }, ms),
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  private scaled(ms: number): number {
    return ms / (this.delivery.timeScale ?? 1);
  }

  protected handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      const reply = (status: number, type?: string): void => {
        response.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) }).end(type ? JSON.stringify({ message: type }) : '');
      };
      if (request.method !== 'POST' || !match) return reply(404, 'ResourceNotFoundException');
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return reply(403, 'AccessDeniedException');
      const refusal = this.refusals.shift();
      if (refusal) return reply(refusal, refusal === 429 ? 'TooManyRequestsException' : 'ServiceException');
      if (request.headers['x-amz-invocation-type'] !== 'Event') return reply(400, 'InvalidParameterValueException');
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, 'InvalidRequestContentException');
      }
      const functionName = decodeURIComponent(match[1]);
      if (!this.driverFor(functionName)) return reply(404, 'ResourceNotFoundException');
      this.enqueue(functionName, payload);
      const fate = this.answers.shift();
      if (fate === 'lose') return void response.destroy();
      if (fate === 'hang') return void this.hung.add(response);
      return reply(202);
    });
  }
}
