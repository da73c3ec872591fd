/**
 * Plays CloudFormation for end-to-end tests: builds real-shaped custom-resource events, invokes the
 * bundled handler the way Lambda would (a context whose remaining time counts down, a hard timeout),
 * and records what arrives at the event's ResponseURL, a local endpoint standing in for the pre-signed
 * S3 URL.
 *
 * Two ways to invoke:
 * - 'isolated': every invocation in a fresh Node process (a cold Lambda container), with its own
 *   module instance, SDK clients and caches; everything it writes to stdout/stderr is captured.
 * - 'in-process': the bundle is required once and reused (a warm container). It is loaded through the
 *   test's module registry, so a test file has ONE such instance: its SDK client keeps the endpoint of
 *   the first invocation, so use one emulator per test file. Output is captured by patching
 *   process.stdout/stderr.write and console while an invocation runs; the output of concurrent
 *   in-process invocations is therefore shared between them.
 *
 * An invocation that has not ended by the Lambda timeout plus a small grace is "silence": the promise
 * rejects with a {@link SilenceError}, and an isolated process is killed.
 *
 * Starting a process is not part of the invocation: on a busy machine, fifty processes loading the
 * handler at once can take minutes, which says nothing about the handler. So only a few processes load
 * at a time (`maxLoading`), the others wait their turn, and the Lambda timeout starts when the handler
 * is invoked. A process that does not finish loading within `loadTimeoutMs` of its spawn is killed, and
 * the invocation rejects with a {@link LoadTimeoutError} that says so.
 */
import type { CloudFormationAnswer } from '../../lambda/runtime/cloudformation-response';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { CloudFormationEmulator } from './cloudformation-emulator';
import { LedgerEmulator } from './ledger-emulator';
import { closeNow } from './local-server';
import * as path from 'node:path';
import { format } from 'node:util';

export const RESOURCE_TYPE = 'Custom::ConnectUserIdentity';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export type InvocationMode = 'in-process' | 'isolated';

/** The JSON document a handler PUTs to the ResponseURL (the shape the handler writes, and CloudFormation reads). */
export type ResponseDocument = CloudFormationAnswer;

/** One PUT received at a ResponseURL. */
export interface RecordedPut {
  /** The RequestId the URL was issued for. */
  readonly requestId: string;
  readonly contentType: string | undefined;
  readonly raw: string;
  /** The parsed body; undefined if it was not JSON. */
  readonly body: ResponseDocument | undefined;
  /** What the endpoint answered: 200, or an injected/enforced failure. */
  readonly status: number;
  readonly receivedAt: number;
}

/** The outcome of one invocation. */
export interface Invocation {
  readonly event: CloudFormationCustomResourceEvent;
  readonly mode: InvocationMode;
  /** 'returned' or 'threw' as Lambda would see it; 'crashed' when the process ended without either. */
  readonly outcome: 'returned' | 'threw' | 'crashed';
  readonly error?: { readonly name: string; readonly message: string };
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, in the order they were written (as CloudWatch Logs would hold them). */
  readonly output: string;
  readonly durationMs: number;
  /** What the handler returned (isolated invocations), e.g. a drift check's summary. */
  readonly result?: unknown;
  /** Every PUT to this event's ResponseURL, in order, delivered or not. */
  readonly puts: RecordedPut[];
  /** The answer CloudFormation took: the body of the first PUT answered with 200, if any. */
  readonly answer: ResponseDocument | undefined;
}

/** The handler did not end within the Lambda timeout plus grace: a test failure. */
export class SilenceError extends Error {
  constructor(
    readonly event: CloudFormationCustomResourceEvent,
    readonly afterMs: number,
    readonly output: string,
    readonly puts: RecordedPut[],
  ) {
    super(
      `silence: the handler did not end ${event.RequestType} of ${event.LogicalResourceId} within ${afterMs} ms ` +
        `(${puts.length} PUT(s) to the ResponseURL). Output so far:\n${output.slice(-4_000)}`,
    );
    this.name = 'SilenceError';
  }
}

/** An isolated process did not finish loading the handler in time: the machine is overloaded, or the module hangs. */
export class LoadTimeoutError extends Error {
  constructor(
    readonly event: CloudFormationCustomResourceEvent,
    readonly afterMs: number,
    readonly output: string,
  ) {
    super(
      `the process for ${event.RequestType} of ${event.LogicalResourceId} did not finish loading the handler within ${afterMs} ms of its start, ` +
        `so it was killed before the handler was invoked; the machine is overloaded, or the handler's module hangs while loading ` +
        `(raise the driver's loadTimeoutMs, or lower maxLoading). Output so far:\n${output.slice(-4_000)}`,
    );
    this.name = 'LoadTimeoutError';
  }
}

/**
 * Lets at most `limit` holders in at once; the others wait in order. A leaving holder hands its place to
 * the next in line directly, so no newcomer can slip in between.
 */
class Gate {
  private holders = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves when a place is free, to the function that gives it up (once; later calls do nothing). */
  async enter(): Promise<() => void> {
    if (this.holders < this.limit) this.holders++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.queue.shift();
      if (next) next();
      else this.holders--;
    };
  }
}

export interface CloudFormationDriverOptions {
  /** The bundled handler file (index.js, exporting `handler`), e.g. from {@link handlerAssetFromAssembly}. */
  readonly handlerPath: string;
  /** The export the function's Handler names (`index.<export>`). @default 'handler' */
  readonly handlerExport?: string;
  /** The function's name, as Lambda tells it (AWS_LAMBDA_FUNCTION_NAME). @default `<stack name>-ConnectUserIdentityHandler` */
  readonly functionName?: string;
  /** Environment the handler runs with, e.g. `emulator.environment()`. */
  readonly environment: Record<string, string>;
  /** @default 'ConnectUserIdentityE2E' */
  readonly stackName?: string;
  /** The Lambda timeout, when an invocation does not give one. @default 30_000 */
  readonly timeoutMs?: number;
  /** How many ms past the Lambda timeout an invocation may take before it counts as silence. @default 1_000 */
  readonly graceMs?: number;
  /**
   * Refuse (403 SignatureDoesNotMatch) a PUT with a non-empty Content-Type, as S3 does for a URL signed
   * without one. @default true
   */
  readonly strictContentType?: boolean;
  /** The ResourceType of the events it builds. @default RESOURCE_TYPE (Custom::ConnectUserIdentity) */
  readonly resourceType?: string;
  /** How many isolated processes may load the handler at once; the others wait for their turn. @default 2 × the CPUs */
  readonly maxLoading?: number;
  /**
   * How long an isolated process may take, from its spawn, to load the handler before it is killed and the
   * invocation rejects with a {@link LoadTimeoutError}. @default 120_000
   */
  readonly loadTimeoutMs?: number;
  /**
   * CloudFormation's read API, told of every event the driver builds and every answer it takes, so that
   * DescribeStackResource says which request a resource waits for. @default - one of the driver's own
   */
  readonly cloudFormation?: CloudFormationEmulator;
  /** The stack's work ledger table. @default - one of the driver's own */
  readonly ledger?: LedgerEmulator;
}

export interface InvokeOptions {
  /** @default 'isolated' */
  readonly mode?: InvocationMode;
  /** The Lambda timeout for this invocation. @default the driver's */
  readonly timeoutMs?: number;
  /** Kills an isolated invocation's process this long after it starts, as a crash (out of memory, say) would. */
  readonly crashAfterMs?: number;
}

export type Properties = Record<string, unknown>;

export interface PrepareOptions {
  /** The Lambda timeout for this invocation. @default the driver's */
  readonly timeoutMs?: number;
  /**
   * Modules the process loads before the handler, resolved from the handler's directory: what the Lambda
   * runtime would provide and the handler loads on its first event (e.g. an AWS SDK client package).
   * @default - none
   */
  readonly preload?: string[];
  /** JavaScript run in the process before anything is loaded, with `require` in scope. @default - none */
  readonly setup?: string;
  /** Kills the process this long after the handler is invoked, as a crash would. @default - never */
  readonly crashAfterMs?: number;
}

/** An isolated invocation whose handler is loaded, waiting to be released (see {@link CloudFormationDriver.prepare}). */
export interface PreparedInvocation {
  readonly event: CloudFormationCustomResourceEvent;
  /** How long the process took from its spawn to a loaded handler (not counting its wait for a turn). */
  readonly initMs: number;
  /** The process's ID, e.g. to read its CPU time. */
  readonly pid: number | undefined;
  /** Invokes the handler; resolves as {@link CloudFormationDriver.invoke} does. */
  release(): Promise<Invocation>;
}

export class CloudFormationDriver {
  /** Every PUT received, for any event. */
  readonly puts: RecordedPut[] = [];

  readonly stackName: string;
  readonly stackId: string;
  readonly serviceToken: string;

  private readonly options: CloudFormationDriverOptions;
  private server?: http.Server;
  private baseUrl?: string;
  private failuresLeft: number[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly loading: Gate;
  private stopped = false;
  private inProcessHandler?: (event: unknown, context: unknown) => Promise<void>;
  /** CloudFormation's read API and the ledger table the handler reaches; started and stopped here when the driver owns them. */
  readonly cloudFormation: CloudFormationEmulator;
  readonly ledger: LedgerEmulator;

  constructor(options: CloudFormationDriverOptions) {
    this.options = options;
    this.cloudFormation = options.cloudFormation ?? new CloudFormationEmulator();
    this.ledger = options.ledger ?? new LedgerEmulator();
    this.loading = new Gate(options.maxLoading ?? 2 * availableParallelism());
    this.stackName = options.stackName ?? 'ConnectUserIdentityE2E';
    this.stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${this.stackName}/${randomUUID()}`;
    this.serviceToken = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.stackName}-ConnectUserIdentityHandler`;
  }

  /** Starts the ResponseURL endpoint on 127.0.0.1 (and CloudFormation's read API and the ledger, when the driver owns them). */
  async start(): Promise<void> {
    if (!this.options.cloudFormation) await this.cloudFormation.start();
    if (!this.options.ledger) await this.ledger.start();
    const server = http.createServer((request, response) => this.record(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the endpoint and kills any isolated invocation still running; none starts after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const child of this.children) child.kill('SIGKILL');
    const server = this.server;
    if (!this.options.cloudFormation) await this.cloudFormation.stop();
    if (!this.options.ledger) await this.ledger.stop();
    if (!server) return;
    this.server = undefined;
    await closeNow(server);
  }

  /** CloudFormation stops waiting for an event's answer (its ServiceTimeout passed): the resource failed. */
  giveUp(event: CloudFormationCustomResourceEvent): void {
    this.cloudFormation.eventSettled(event.StackId, event.LogicalResourceId, event.RequestId, 'FAILED');
  }

  /** Answers the next `count` PUTs with `status` instead of accepting them. */
  failNextAnswers(count = 1, status = 500): void {
    this.failuresLeft.push(...Array<number>(count).fill(status));
  }

  // ---- events ----

  createEvent(logicalId: string, properties: Properties): CloudFormationCustomResourceCreateEvent {
    return this.sent({ RequestType: 'Create', ...this.common(logicalId, properties) });
  }

  updateEvent(
    logicalId: string,
    physicalResourceId: string,
    properties: Properties,
    oldProperties: Properties,
  ): CloudFormationCustomResourceUpdateEvent {
    return this.sent({
      RequestType: 'Update',
      ...this.common(logicalId, properties),
      PhysicalResourceId: physicalResourceId,
      OldResourceProperties: { ServiceToken: this.serviceToken, ...oldProperties },
    });
  }

  deleteEvent(logicalId: string, physicalResourceId: string, properties: Properties): CloudFormationCustomResourceDeleteEvent {
    return this.sent({ RequestType: 'Delete', ...this.common(logicalId, properties), PhysicalResourceId: physicalResourceId });
  }

  /** A new event is the one its resource now waits for, as CloudFormation sends one at a time per resource. */
  private sent<E extends CloudFormationCustomResourceEvent>(event: E): E {
    this.cloudFormation.eventSent(event.StackId, event.LogicalResourceId, event.RequestType, event.RequestId);
    return event;
  }

  private common(logicalId: string, properties: Properties) {
    const requestId = randomUUID();
    return {
      ServiceToken: this.serviceToken,
      ResponseURL: this.responseUrl(logicalId, requestId),
      StackId: this.stackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: this.options.resourceType ?? RESOURCE_TYPE,
      // CloudFormation includes the ServiceToken among the properties it sends.
      ResourceProperties: { ServiceToken: this.serviceToken, ...properties },
    };
  }

  /** Shaped like CloudFormation's pre-signed S3 URL: `<StackId>|<LogicalId>|<RequestId>`, signed query. */
  private responseUrl(logicalId: string, requestId: string): string {
    if (!this.baseUrl) throw new Error('the driver is not started');
    const key = encodeURIComponent(`${this.stackId}|${logicalId}|${requestId}`);
    const expires = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    return (
      `${this.baseUrl}/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${expires}&X-Amz-Expires=7200` +
      `&X-Amz-SignedHeaders=host&X-Amz-Credential=AKIAEXAMPLE%2F${REGION}%2Fs3%2Faws4_request&X-Amz-Signature=${randomBytes(32).toString('hex')}`
    );
  }

  private record(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const key = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname.slice(1));
      const contentType = request.headers['content-type'];
      let status = 200;
      if (request.method !== 'PUT') status = 405;
      else if (this.options.strictContentType !== false && contentType) status = 403;
      else status = this.failuresLeft.shift() ?? 200;
      let body: ResponseDocument | undefined;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const [stackId, logicalId, requestId] = key.split('|');
      this.puts.push({ requestId: requestId ?? '', contentType, raw, body, status, receivedAt: Date.now() });
      if (status === 200 && (body?.Status === 'SUCCESS' || body?.Status === 'FAILED')) this.cloudFormation.eventSettled(stackId, logicalId, requestId, body.Status);
      response.writeHead(status, { 'content-type': 'application/xml' });
      response.end(status === 200 ? '' : `<Error><Code>${status === 403 ? 'SignatureDoesNotMatch' : 'InternalError'}</Code></Error>`);
    });
  }

  // ---- invocation ----

  /** Invokes the handler with an event; rejects with {@link SilenceError} if it does not end in time. */
  async invoke(event: CloudFormationCustomResourceEvent, options: InvokeOptions = {}): Promise<Invocation> {
    const mode = options.mode ?? 'isolated';
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const run = mode === 'isolated' ? this.invokeIsolated(event, timeoutMs, options.crashAfterMs) : this.invokeInProcess(event, timeoutMs);
    const result = await run;
    const puts = this.puts.filter((put) => put.requestId === event.RequestId);
    return { event, mode, ...result, puts, answer: puts.find((put) => put.status === 200)?.body };
  }

  /** The function's name, as Lambda tells it. */
  get functionName(): string {
    return this.options.functionName ?? `${this.stackName}-ConnectUserIdentityHandler`;
  }

  private lambdaEnvironment(): Record<string, string> {
    return {
      AWS_LAMBDA_FUNCTION_NAME: this.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: path.dirname(this.options.handlerPath),
      AWS_ENDPOINT_URL_CLOUDFORMATION: this.cloudFormation.endpoint,
      ...this.ledger.environment(),
      // No shared config or credentials files: the handler gets only what it is given.
      AWS_CONFIG_FILE: path.join(path.dirname(this.options.handlerPath), '.no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(path.dirname(this.options.handlerPath), '.no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...this.options.environment,
    };
  }

  private hardTimeout(timeoutMs: number): number {
    return timeoutMs + (this.options.graceMs ?? 1_000);
  }

  private async invokeInProcess(event: CloudFormationCustomResourceEvent, timeoutMs: number): Promise<InvocationRun> {
    if (!this.inProcessHandler) {
      Object.assign(process.env, this.lambdaEnvironment());
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.inProcessHandler = require(this.options.handlerPath).handler;
    }
    const handler = this.inProcessHandler!;
    const streams = { stdout: '', stderr: '', output: '' };
    const stopCapture = captureOutput((stream, text) => {
      streams[stream] += text;
      streams.output += text;
    });
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;
    const context = lambdaContext(this.stackName, deadline);
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<'silence'>((resolve) => {
      timer = setTimeout(() => resolve('silence'), this.hardTimeout(timeoutMs));
    });
    try {
      const ended = await Promise.race([
        handler(event, context).then(
          () => ({ outcome: 'returned' as const }),
          (error: unknown) => ({ outcome: 'threw' as const, error: describeError(error) }),
        ),
        silence,
      ]);
      if (ended === 'silence') {
        throw new SilenceError(event, this.hardTimeout(timeoutMs), streams.output, this.putsFor(event));
      }
      return { ...ended, ...streams, durationMs: Date.now() - startedAt };
    } finally {
      clearTimeout(timer);
      stopCapture();
    }
  }

  /** A plain isolated invocation: a prepared container, released as soon as it is loaded. */
  private async invokeIsolated(event: CloudFormationCustomResourceEvent, timeoutMs: number, crashAfterMs?: number): Promise<InvocationRun> {
    const prepared = await this.prepare(event, { timeoutMs, crashAfterMs });
    const { outcome, error, stdout, stderr, output, durationMs, result } = await prepared.release();
    return { outcome, error, stdout, stderr, output, durationMs, result };
  }

  /**
   * Starts an isolated invocation up to the end of its init phase: a fresh process runs `setup`, loads
   * `preload` and the handler, and waits. `release()` then invokes the handler, so that many cold
   * containers can start their work at the same moment, with their start-up outside the timing. At most
   * `maxLoading` processes load at once; this waits for a turn. Rejects with a {@link LoadTimeoutError}
   * if the process does not load within `loadTimeoutMs`.
   */
  async prepare(event: CloudFormationCustomResourceEvent, options: PrepareOptions = {}): Promise<PreparedInvocation> {
    const leave = await this.loading.enter();
    try {
      if (this.stopped) throw new Error('the driver is stopped');
      return await this.spawnPrepared(event, options);
    } finally {
      leave();
    }
  }

  private async spawnPrepared(event: CloudFormationCustomResourceEvent, options: PrepareOptions): Promise<PreparedInvocation> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const loadTimeoutMs = this.options.loadTimeoutMs ?? 120_000;
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, ['-e', RUNNER], {
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...this.lambdaEnvironment() },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.children.add(child);
    const streams = { stdout: '', stderr: '', output: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8').on('data', (text: string) => {
        streams[stream] += text;
        streams.output += text;
      });
    }
    // Why the process ended, when the driver ended it.
    let killedFor: 'load timeout' | 'silence' | 'crash' | undefined;
    let crashTimer: NodeJS.Timeout | undefined;
    const kill = (why: 'load timeout' | 'silence' | 'crash') => {
      killedFor = why;
      child.kill('SIGKILL');
    };
    // A failure to talk to the process (EPIPE when it died under a message): a detail of how it ended.
    let channelError: Error | undefined;
    const send = (message: unknown) => {
      if (child.connected) child.send(message as object, (error) => (channelError ??= error ?? undefined));
    };

    let settleLoad: (error?: Error) => void = () => undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      settleLoad = (error) => (error ? reject(error) : resolve());
    });
    let startedAt = Date.now();
    let finished: { outcome: 'returned' | 'threw'; error?: { name: string; message: string }; durationMs: number; result?: unknown } | undefined;
    let timer = setTimeout(() => kill('load timeout'), loadTimeoutMs);
    child.on('message', (message: RunnerMessage) => {
      if (message.type === 'loaded') {
        clearTimeout(timer);
        settleLoad();
      } else if (message.type === 'started') {
        startedAt = Date.now();
        timer = setTimeout(() => kill('silence'), this.hardTimeout(timeoutMs));
        if (options.crashAfterMs !== undefined) crashTimer = setTimeout(() => kill('crash'), options.crashAfterMs);
      } else {
        finished = { outcome: message.outcome, error: message.error, durationMs: message.durationMs, result: message.result };
      }
    });
    child.on('error', (error) => (channelError ??= error));
    const run = new Promise<InvocationRun>((resolve, reject) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(crashTimer);
        this.children.delete(child);
        if (killedFor === 'load timeout') {
          const error = new LoadTimeoutError(event, loadTimeoutMs, streams.output);
          settleLoad(error);
          return reject(error);
        }
        settleLoad();
        if (killedFor === 'silence') return reject(new SilenceError(event, this.hardTimeout(timeoutMs), streams.output, this.putsFor(event)));
        if (finished) return resolve({ ...finished, ...streams });
        const how = killedFor === 'crash' ? 'a crash the test caused' : (signal ?? `code ${code}`);
        const detail = channelError ? ` (the driver's channel to it failed with ${channelError.message})` : '';
        resolve({
          outcome: 'crashed',
          error: { name: 'ProcessExit', message: `the handler process ended with ${how} before reporting an outcome${detail}` },
          ...streams,
          durationMs: Date.now() - startedAt,
        });
      });
    });
    // A process that fails before release() is reported by release(); until then, nobody awaits it.
    run.catch(() => undefined);
    send({
      handlerPath: this.options.handlerPath,
      preload: options.preload ?? [],
      setup: options.setup ?? '',
      event,
      timeoutMs,
      functionName: this.functionName,
      handlerExport: this.options.handlerExport ?? 'handler',
    });
    await loaded;
    const initMs = Date.now() - spawnedAt;
    return {
      event,
      initMs,
      pid: child.pid,
      release: async () => {
        send({ type: 'go' });
        const result = await run;
        const puts = this.putsFor(event);
        return { event, mode: 'isolated', ...result, puts, answer: puts.find((put) => put.status === 200)?.body };
      },
    };
  }

  private putsFor(event: CloudFormationCustomResourceEvent): RecordedPut[] {
    return this.puts.filter((put) => put.requestId === event.RequestId);
  }
}

type InvocationRun = Pick<Invocation, 'outcome' | 'error' | 'stdout' | 'stderr' | 'output' | 'durationMs' | 'result'>;

type RunnerMessage =
  | { type: 'loaded' }
  | { type: 'started' }
  | { type: 'finished'; outcome: 'returned' | 'threw'; error?: { name: string; message: string }; durationMs: number; result?: unknown };

/**
 * The script an isolated invocation runs in a fresh Node.js process: it runs `setup`, loads `preload`
 * and the handler (the init phase), says so, and on a 'go' message invokes the handler with a
 * Lambda-like context, reports the outcome and its own measure of the invocation's duration (as Lambda
 * would bill it, free of delays in the driver's process) over IPC, and exits, as a container that is
 * never reused.
 */
const RUNNER = `
process.once('message', ({ handlerPath, preload, setup, event, timeoutMs, functionName, handlerExport }) => {
  if (setup) new Function('require', setup)(require);
  const from = { paths: [require('node:path').dirname(handlerPath)] };
  for (const id of preload) require(require.resolve(id, from));
  const handler = require(handlerPath)[handlerExport];
  process.once('message', async () => {
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;
    const context = {
      functionName,
      functionVersion: '$LATEST',
      awsRequestId: require('node:crypto').randomUUID(),
      memoryLimitInMB: '128',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    process.send({ type: 'started' });
    let message;
    try {
      const result = await handler(event, context);
      message = { type: 'finished', outcome: 'returned', result: result === undefined ? undefined : JSON.parse(JSON.stringify(result)) };
    } catch (error) {
      message = { type: 'finished', outcome: 'threw', error: { name: String(error && error.name), message: String(error && error.message) } };
    }
    message.durationMs = Date.now() - startedAt;
    process.send(message, () => process.exit(0));
  });
  process.send({ type: 'loaded' });
});
`;

function lambdaContext(stackName: string, deadline: number) {
  return {
    functionName: `${stackName}-ConnectUserIdentityHandler`,
    functionVersion: '$LATEST',
    awsRequestId: randomUUID(),
    memoryLimitInMB: '128',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };
}

// ---- in-process output capture ----

type Sink = (stream: 'stdout' | 'stderr', text: string) => void;
const sinks = new Set<Sink>();
let restoreOutput: (() => void) | undefined;

/** Sends everything written to stdout/stderr or the console to `sink` until the returned function is called. */
function captureOutput(sink: Sink): () => void {
  sinks.add(sink);
  restoreOutput ??= patchOutput((stream, text) => sinks.forEach((each) => each(stream, text)));
  return () => {
    sinks.delete(sink);
    if (sinks.size === 0 && restoreOutput) {
      restoreOutput();
      restoreOutput = undefined;
    }
  };
}

function patchOutput(emit: Sink): () => void {
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const methods = ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const;
  const saved = methods.map((method) => console[method]);
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      emit(stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }
  for (const method of methods) {
    const stream = method === 'log' || method === 'info' || method === 'debug' ? 'stdout' : 'stderr';
    console[method] = (...args: unknown[]) => emit(stream, `${format(...args)}\n`);
  }
  return () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    methods.forEach((method, index) => (console[method] = saved[index]));
  };
}

// ---- the synthesized cloud assembly ----

/** The handler asset a synthesized stack deploys, as staged in the cloud assembly. */
export interface HandlerAsset {
  /** The file Lambda would load (e.g. `<assembly>/asset.<hash>/index.js`). */
  readonly entry: string;
  /** The staged asset directory. */
  readonly directory: string;
  /** The asset's hash (its manifest key). */
  readonly hash: string;
  /** The logical ID of the AWS::Lambda::Function. */
  readonly functionLogicalId: string;
  /** The function's Properties as synthesized (Handler, Runtime, Timeout, Environment...). */
  readonly functionProperties: Record<string, any>;
}

/** A custom resource of the template, as CloudFormation would send its properties. */
export interface DeclaredResource {
  readonly logicalId: string;
  /** The resource's Properties, without ServiceToken (the driver adds its own). */
  readonly properties: Properties;
}

/** Reads a stack's template from a cloud assembly directory. */
export function readTemplate(cloudAssemblyDir: string, stackName: string): { Resources: Record<string, { Type: string; Properties?: any }> } {
  return JSON.parse(readFileSync(path.join(cloudAssemblyDir, stackArtifact(cloudAssemblyDir, stackName).templateFile), 'utf8'));
}

/** The custom resources of a synthesized stack (by default the Custom::ConnectUserIdentity ones), in template order. */
export function customResourcesOf(cloudAssemblyDir: string, stackName: string, resourceType: string = RESOURCE_TYPE): DeclaredResource[] {
  return Object.entries(readTemplate(cloudAssemblyDir, stackName).Resources)
    .filter(([, resource]) => resource.Type === resourceType)
    .map(([logicalId, resource]) => {
      const { ServiceToken: _serviceToken, ...properties } = resource.Properties ?? {};
      return { logicalId, properties };
    });
}

/**
 * Follows a synthesized stack to the handler code it deploys: the custom resources' ServiceToken → the
 * AWS::Lambda::Function → its Code.S3Key → the stack's asset manifest entry with that object key → the
 * staged asset directory → the file named by the function's Handler.
 */
export function handlerAssetFromAssembly(cloudAssemblyDir: string, stackName: string, resourceType: string = RESOURCE_TYPE): HandlerAsset {
  const artifact = stackArtifact(cloudAssemblyDir, stackName);
  const resources = readTemplate(cloudAssemblyDir, stackName).Resources;
  const tokens = new Set(
    Object.values(resources)
      .filter((resource) => resource.Type === resourceType)
      .map((resource) => JSON.stringify(resource.Properties?.ServiceToken)),
  );
  if (tokens.size !== 1) throw new Error(`${stackName}: expected the ${resourceType} resources to share one ServiceToken, found ${tokens.size}`);
  const token = JSON.parse([...tokens][0]);
  const functionLogicalId = token?.['Fn::GetAtt']?.[0];
  const fn = resources[functionLogicalId];
  if (token?.['Fn::GetAtt']?.[1] !== 'Arn' || fn?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`${stackName}: the ServiceToken ${JSON.stringify(token)} is not the Arn of an AWS::Lambda::Function`);
  }
  const s3Key = fn.Properties?.Code?.S3Key;
  if (typeof s3Key !== 'string') throw new Error(`${stackName}: ${functionLogicalId}'s Code.S3Key is not a literal object key`);

  const manifest = JSON.parse(readFileSync(path.join(cloudAssemblyDir, artifact.assetManifestFile), 'utf8'));
  const match = Object.entries<any>(manifest.files ?? {}).find(([, asset]) =>
    Object.values<any>(asset.destinations ?? {}).some((destination) => destination.objectKey === s3Key),
  );
  if (!match) throw new Error(`${stackName}: no entry of ${artifact.assetManifestFile} is published as ${s3Key}`);
  const [hash, asset] = match;
  if (asset.source?.packaging !== 'zip') throw new Error(`${stackName}: asset ${hash} is not a zipped directory`);
  const directory = path.resolve(cloudAssemblyDir, asset.source.path);

  const [file, exportName] = String(fn.Properties.Handler ?? '').split('.');
  if (exportName !== 'handler') throw new Error(`${stackName}: ${functionLogicalId}'s Handler is not <file>.handler`);
  const entry = path.join(directory, `${file}.js`);
  if (!existsSync(entry)) throw new Error(`${stackName}: the staged asset has no ${file}.js (${directory})`);
  return { entry, directory, hash, functionLogicalId, functionProperties: fn.Properties };
}

/** The template file and asset manifest file of a top-level stack of the assembly. */
function stackArtifact(cloudAssemblyDir: string, stackName: string): { templateFile: string; assetManifestFile: string } {
  const manifestPath = path.join(cloudAssemblyDir, 'manifest.json');
  const artifacts: Record<string, any> = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')).artifacts ?? {} : {};
  const [id, stack] =
    Object.entries(artifacts).find(
      ([artifactId, artifact]) => artifact.type === 'aws:cloudformation:stack' && (artifactId === stackName || artifact.properties?.stackName === stackName),
    ) ?? [];
  if (!stack) {
    return { templateFile: `${stackName}.template.json`, assetManifestFile: `${stackName}.assets.json` };
  }
  const assetArtifact = (stack.dependencies ?? [])
    .map((dependency: string) => artifacts[dependency])
    .find((artifact: any) => artifact?.type === 'cdk:asset-manifest');
  return {
    templateFile: stack.properties.templateFile,
    assetManifestFile: assetArtifact?.properties?.file ?? `${id}.assets.json`,
  };
}
