/**
 * A small Amazon Connect on 127.0.0.1 for end-to-end tests: the four operations the handler calls, on
 * their real REST-JSON paths and bodies, answered the way the SDK's awsRestJson1 deserializer reads
 * them (HTTP status, `x-amzn-errortype` header, `{"Message": ...}` body), so that the handler sees the
 * SDK's real exception classes.
 *
 * UpdateUserIdentityInfo is checked with the emulator's own reading of the API Reference
 * (./connect-api-rules.ts), not with the library's rules, and by default REPLACES the user's identity
 * record: a field that is not sent becomes empty. That is the stricter reading of the API. The replacement
 * covers only the fields the API may write on the instance's type: the fields the type refuses (Email on
 * SAML; FirstName, LastName and Email on EXISTING_DIRECTORY) belong to the identity provider or the
 * directory and keep their values, since no caller can ever send them back.
 *
 * Controls for failure scenarios: a token bucket per operation (429 ThrottlingException, or another
 * throttling answer), injected faults (any status, with or without an error type), latency, hung
 * requests that are never answered, access denied per operation, refusals of a field's value, malformed
 * answer bodies, error messages that echo the values they refuse (as real services' do), and a log of
 * every request.
 *
 * Time, as unkind as Connect's may be to a caller that compares it with its own: the emulator keeps a
 * clock of its own (`clockOffsetMs` from the machine's), which its answers' `Date` header and every
 * LastModifiedTime follow; LastModifiedTime is reported in whole seconds, rounded down, so two changes
 * within one second look the same.
 *
 * Who called: each request's access key names a principal (`assignPrincipal`), and every call that
 * changes a user, through the API or by a person in the admin website (`editUser`, `removeUser`, ...), is
 * recorded as CloudTrail records it (`trail`, `onTrail`), with that principal as its `userIdentity`.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { LocalService } from './local-server';
import type { IdentityManagementType, IdentityRecord } from '../../lib/identity-rules';
import { API_IDENTITY_FIELDS, ApiIdentityField, FIELDS_OWNED_ELSEWHERE, findApiViolations } from './connect-api-rules';

export type ConnectOperation = 'DescribeInstance' | 'DescribeUser' | 'UpdateUserIdentityInfo' | 'SearchUsers' | 'ListUsers';

/** Every operation the emulator serves. */
export const CONNECT_OPERATIONS: readonly ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers', 'ListUsers'];

/** A token bucket's settings: its steady rate and its burst. */
export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * Connect's default quotas per operation, as a Service Quotas listing of an account gives them (each API is
 * throttled apart, per account and region; the burst is the API Reference's). The handler never knows these:
 * its pacer finds them. Defaults change over time; tests state the quotas they run at.
 */
export const CONNECT_DEFAULT_QUOTAS: Readonly<Record<ConnectOperation, RateLimit>> = {
  UpdateUserIdentityInfo: { ratePerSecond: 2, burst: 5 },
  DescribeUser: { ratePerSecond: 10, burst: 15 },
  ListUsers: { ratePerSecond: 10, burst: 15 },
  SearchUsers: { ratePerSecond: 2, burst: 5 },
  DescribeInstance: { ratePerSecond: 2, burst: 5 },
};

/** Quotas played `k` times faster, for a time-scaled test: every rate times k; a burst is a count of requests, not a time, and stays. */
export function scaledQuotas(quotas: Readonly<Record<ConnectOperation, RateLimit>>, k: number): Record<ConnectOperation, RateLimit> {
  return Object.fromEntries(Object.entries(quotas).map(([operation, limit]) => [operation, { ratePerSecond: limit.ratePerSecond * k, burst: limit.burst }])) as Record<ConnectOperation, RateLimit>;
}

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface EmulatedInstance {
  readonly id: string;
  readonly arn: string;
  readonly identityManagementType: IdentityManagementType;
}

export interface EmulatedUser {
  readonly id: string;
  readonly arn: string;
  readonly username: string;
  /** Only the fields that hold a value; an empty field is absent. */
  identityInfo: IdentityRecord;
  /**
   * When the user last changed (epoch ms, in Connect's clock), as ListUsers and DescribeUser report it
   * (rounded down to whole seconds): at creation, at every UpdateUserIdentityInfo, and at every edit.
   */
  lastModifiedAt: number;
}

/** Who makes a call, as CloudTrail's `userIdentity` names it. */
export interface Principal {
  readonly type: 'AssumedRole' | 'IAMUser' | 'Root';
  readonly arn: string;
  /** The role an assumed-role session was issued by. */
  readonly issuerArn?: string;
}

/** A person in the Connect admin website, signed in through an administrators' role. */
export const ADMIN_PRINCIPAL: Principal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::123456789012:assumed-role/ConnectAdministrators/supervisor`,
  issuerArn: `arn:aws:iam::123456789012:role/ConnectAdministrators`,
};

/** A call that changed (or tried to change) a user, as CloudTrail records it; its parameters may hold identity values. */
export interface TrailEvent {
  readonly eventID: string;
  /** ISO 8601, in Connect's clock, whole seconds. */
  readonly eventTime: string;
  readonly eventSource: 'connect.amazonaws.com';
  readonly eventName: string;
  readonly awsRegion: string;
  readonly userIdentity: Record<string, unknown>;
  readonly requestParameters: Record<string, unknown>;
  readonly responseElements?: Record<string, unknown>;
  readonly errorCode?: string;
}

/** One request as the emulator saw it. `status` stays undefined for a request that was never answered. */
export interface RequestRecord {
  readonly operation: ConnectOperation | 'Unknown';
  readonly method: string;
  readonly path: string;
  /** The parsed JSON body, if any (test data only: it may hold identity values). */
  readonly body: unknown;
  readonly receivedAt: number;
  /** The access key that signed it: who called. */
  readonly accessKeyId?: string;
  status?: number;
  errorType?: string;
  answeredAt?: number;
}

export interface ConnectEmulatorOptions {
  /**
   * What UpdateUserIdentityInfo does with the writable fields it is not sent (fields the instance type
   * refuses are never changed by it).
   * @default 'replace' - they become empty
   */
  readonly updateSemantics?: 'replace' | 'merge';
  /** How error messages quote the values they refuse. @default 'off' */
  readonly echoValues?: EchoStyle;
  /** How far Connect's clock is ahead of this machine's (negative: behind). @default 0 */
  readonly clockOffsetMs?: number;
}

/** LastModifiedTime's resolution as the emulator reports it: whole seconds. */
export const LAST_MODIFIED_RESOLUTION_MS = 1_000;

type FaultStatus = 429 | 500 | 503;

const ERROR_TYPES: Record<FaultStatus, string> = {
  429: 'ThrottlingException',
  500: 'InternalServiceException',
  503: 'ServiceUnavailableException',
};

/** An error answer: its HTTP status and `x-amzn-errortype`; without a type, a bare status such as a load balancer sends. */
export interface ErrorAnswer {
  readonly status: number;
  readonly errorType?: string;
}

/** How Connect throttles, as its API Reference documents it. */
export const THROTTLING_EXCEPTION: ErrorAnswer = { status: 429, errorType: 'ThrottlingException' };

/**
 * How an error message quotes the values it refuses: not at all (the default), as they were sent, or in
 * upper case (services also echo values re-cased or normalized).
 */
export type EchoStyle = 'off' | 'verbatim' | 'upper-case';

/** An error answer: status, `x-amzn-errortype` (none for a bare status) and message. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Tokens refill continuously at `ratePerSecond` up to `burst`; a request takes one or is throttled. */
class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class ConnectEmulator extends LocalService {
  /** Every request received, in order of arrival. */
  readonly requests: RequestRecord[] = [];
  /** Bugs of the emulator itself (answered as 500); a test can assert that there were none. */
  readonly internalErrors: unknown[] = [];

  private readonly instances = new Map<string, EmulatedInstance>();
  private readonly users = new Map<string, Map<string, EmulatedUser>>();
  private readonly buckets = new Map<ConnectOperation, { bucket: TokenBucket; answer: ErrorAnswer }>();
  private readonly faults = new Map<ConnectOperation, ErrorAnswer[]>();
  private readonly malformed = new Map<ConnectOperation, number>();
  private readonly refusedFields: ApiIdentityField[] = [];
  private echo: EchoStyle = 'off';
  private readonly latencies = new Map<string, number>();
  private readonly answerDelays = new Map<string, number>();
  private readonly hangs = new Map<ConnectOperation, number>();
  private readonly holds = new Map<string, Promise<unknown>>();
  private readonly denied = new Set<ConnectOperation>();
  /** `<operation>/<user ID>` pairs answered with AccessDeniedException. */
  private readonly deniedUsers = new Set<string>();
  private readonly updateSemantics: 'replace' | 'merge';
  private clockOffsetMs: number;
  private readonly principals = new Map<string, Principal>();
  /** Every call that changed (or tried to change) a user, in order, as CloudTrail records it. */
  readonly trail: TrailEvent[] = [];
  private readonly trailListeners: ((event: TrailEvent) => void)[] = [];

  constructor(options: ConnectEmulatorOptions = {}) {
    super();
    this.updateSemantics = options.updateSemantics ?? 'replace';
    this.echo = options.echoValues ?? 'off';
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
  }

  /** Connect's clock (epoch ms). */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Sets how far Connect's clock is ahead of this machine's (negative: behind). */
  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  /** Requests signed with `accessKeyId` are made by `principal`. */
  assignPrincipal(accessKeyId: string, principal: Principal): void {
    this.principals.set(accessKeyId, principal);
  }

  /** Calls `listener` with every trail event as it is recorded. */
  onTrail(listener: (event: TrailEvent) => void): void {
    this.trailListeners.push(listener);
  }

  private record(eventName: string, principal: Principal, requestParameters: Record<string, unknown>, extra: { responseElements?: Record<string, unknown>; errorCode?: string } = {}): void {
    const event: TrailEvent = {
      eventID: randomUUID(),
      eventTime: new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      eventSource: 'connect.amazonaws.com',
      eventName,
      awsRegion: REGION,
      userIdentity: {
        type: principal.type,
        arn: principal.arn,
        accountId: ACCOUNT,
        ...(principal.issuerArn ? { sessionContext: { sessionIssuer: { type: 'Role', arn: principal.issuerArn, accountId: ACCOUNT } } } : {}),
      },
      requestParameters,
      ...extra,
    };
    this.trail.push(event);
    for (const listener of this.trailListeners) listener(event);
  }

  /** The environment a handler needs to reach this emulator with dummy credentials. */
  environment(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_CONNECT: this.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIAEMULATOREXAMPLE0',
      AWS_SECRET_ACCESS_KEY: 'emulator-secret-access-key',
    };
  }

  // ---- state ----

  addInstance(options: { id?: string; identityManagementType: IdentityManagementType }): EmulatedInstance {
    const id = options.id ?? randomUUID();
    const instance = { id, arn: `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${id}`, identityManagementType: options.identityManagementType };
    this.instances.set(id, instance);
    this.users.set(id, new Map());
    return instance;
  }

  addUser(instanceId: string, options: { id?: string; username: string; identityInfo?: IdentityRecord; by?: Principal }): EmulatedUser {
    const users = this.users.get(instanceId);
    if (!users) throw new Error(`no instance ${instanceId}`);
    const id = options.id ?? randomUUID();
    const user: EmulatedUser = {
      id,
      arn: `${this.instances.get(instanceId)!.arn}/agent/${id}`,
      username: options.username,
      identityInfo: nonEmpty(options.identityInfo ?? {}),
      lastModifiedAt: this.now(),
    };
    users.set(id, user);
    if (options.by) this.record('CreateUser', options.by, { InstanceId: instanceId, Username: options.username, IdentityInfo: user.identityInfo }, { responseElements: { UserId: id, UserArn: user.arn } });
    return structuredClone(user);
  }

  /** A copy of a user's current state. */
  user(instanceId: string, userId: string): EmulatedUser {
    const user = this.users.get(instanceId)?.get(userId);
    if (!user) throw new Error(`no user ${userId} in instance ${instanceId}`);
    return structuredClone(user);
  }

  // ---- controls ----

  /**
   * Throttles an operation with a token bucket, answering a request that finds it empty with `answer`
   * (Connect's 429 ThrottlingException unless told otherwise); `undefined` removes it.
   */
  throttle(operation: ConnectOperation, limit: { ratePerSecond: number; burst: number } | undefined, answer: ErrorAnswer = THROTTLING_EXCEPTION): void {
    if (limit) this.buckets.set(operation, { bucket: new TokenBucket(limit.ratePerSecond, limit.burst), answer });
    else this.buckets.delete(operation);
  }

  /**
   * Answers the next `count` requests of an operation with an error instead of processing them: a status
   * (429, 500 or 503, with Connect's error type for it), or any status with or without an error type.
   */
  failNext(operation: ConnectOperation, count = 1, fault: FaultStatus | ErrorAnswer = 500): void {
    const answer = typeof fault === 'number' ? { status: fault, errorType: ERROR_TYPES[fault] } : fault;
    const queue = this.faults.get(operation) ?? [];
    queue.push(...Array<ErrorAnswer>(count).fill(answer));
    this.faults.set(operation, queue);
  }

  /**
   * Refuses the next UpdateUserIdentityInfo with an InvalidParameterException about `field`, as Connect
   * does after checks of its own that the API Reference does not document (an address its mail system
   * will not take, say). With echo on, the message quotes the value that was sent.
   */
  refuseNextUpdateOf(field: ApiIdentityField): void {
    this.refusedFields.push(field);
  }

  /** Sets how error messages quote the values they refuse (see {@link EchoStyle}). */
  echoValuesInErrors(style: EchoStyle): void {
    this.echo = style;
  }

  /**
   * Processes the next `count` requests of an operation as usual, but answers 200 with a malformed body:
   * the answer with the quotes of its identity values lost and its end cut off, as a broken
   * proxy or a cut transfer can deliver. Node's JSON parser quotes such a body in its error message.
   */
  malformNext(operation: ConnectOperation, count = 1): void {
    this.malformed.set(operation, (this.malformed.get(operation) ?? 0) + count);
  }

  /**
   * Waits this long before processing each request of an operation (0 removes it); with `accessKeyId`,
   * only the requests that key signs (one caller's).
   */
  setLatency(operation: ConnectOperation, ms: number, options: { accessKeyId?: string } = {}): void {
    this.latencies.set(options.accessKeyId ? `${operation}/${options.accessKeyId}` : operation, ms);
  }

  /**
   * Sends each answer of an operation this long after processing its request (0 removes it): a slow way
   * back, so that what a caller learns is older than it looks when it arrives.
   */
  setAnswerDelay(operation: ConnectOperation, ms: number): void {
    this.answerDelays.set(operation, ms);
  }

  /**
   * Processes each request of an operation (with `accessKeyId`, only those that key signs) once `released`
   * has settled: a test orders a caller's requests after some other event, however slow the machine is.
   */
  holdRequests(operation: ConnectOperation, released: Promise<unknown>, options: { accessKeyId?: string } = {}): void {
    this.holds.set(options.accessKeyId ? `${operation}/${options.accessKeyId}` : operation, released);
  }

  /** Never answers (nor processes) the next `count` requests of an operation. */
  hang(operation: ConnectOperation, count = Number.POSITIVE_INFINITY): void {
    this.hangs.set(operation, count);
  }

  /** Answers every request of an operation with 403 AccessDeniedException until allowed again. */
  denyAccess(operation: ConnectOperation): void {
    this.denied.add(operation);
  }

  allowAccess(operation: ConnectOperation): void {
    this.denied.delete(operation);
  }

  /** Answers an operation on one user with 403 AccessDeniedException, as a role without that user's ARN gets. */
  denyAccessToUser(operation: ConnectOperation, userId: string): void {
    this.deniedUsers.add(`${operation}/${userId}`);
  }

  /**
   * Changes some of a user's fields, as someone would in the Connect admin website (`''` empties one), and
   * records the call in the trail. Any edit moves the user's LastModifiedTime, also one of a field no
   * declaration holds (`touchUser` changes none). `at` (Connect's clock) records the edit as made at that
   * moment instead of now: an edit made in the same second as something else, say.
   */
  editUser(instanceId: string, userId: string, fields: Partial<Record<keyof IdentityRecord, string>>, options: { by?: Principal; at?: number } = {}): void {
    const user = this.users.get(instanceId)?.get(userId);
    if (!user) throw new Error(`no user ${userId} in instance ${instanceId}`);
    user.identityInfo = nonEmpty({ ...user.identityInfo, ...fields });
    user.lastModifiedAt = options.at ?? this.now();
    this.record('UpdateUserIdentityInfo', options.by ?? ADMIN_PRINCIPAL, { InstanceId: instanceId, UserId: userId, IdentityInfo: { ...user.identityInfo } });
  }

  /** Changes something of a user that is not its identity (its routing profile, say): only LastModifiedTime moves. */
  touchUser(instanceId: string, userId: string, options: { by?: Principal } = {}): void {
    const user = this.users.get(instanceId)?.get(userId);
    if (!user) throw new Error(`no user ${userId} in instance ${instanceId}`);
    user.lastModifiedAt = this.now();
    this.record('UpdateUserRoutingProfile', options.by ?? ADMIN_PRINCIPAL, { InstanceId: instanceId, UserId: userId, RoutingProfileId: randomUUID() });
  }

  /** Every user of an instance, as copies (test data: they hold identity values). */
  usersOf(instanceId: string): EmulatedUser[] {
    return [...(this.users.get(instanceId)?.values() ?? [])].map((user) => structuredClone(user));
  }

  /** Deletes a user, as someone would in the Connect admin website. */
  removeUser(instanceId: string, userId: string, options: { by?: Principal } = {}): void {
    if (!this.users.get(instanceId)?.delete(userId)) throw new Error(`no user ${userId} in instance ${instanceId}`);
    this.record('DeleteUser', options.by ?? ADMIN_PRINCIPAL, { InstanceId: instanceId, UserId: userId });
  }

  /** The requests of one operation. */
  requestsFor(operation: ConnectOperation): RequestRecord[] {
    return this.requests.filter((record) => record.operation === operation);
  }

  // ---- HTTP ----

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route = this.route(request.method ?? '', path);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    const record: RequestRecord = { operation: route?.operation ?? 'Unknown', method: request.method ?? '', path, body, receivedAt: Date.now(), accessKeyId };
    this.requests.push(record);

    const answer = (status: number, payload: unknown, errorType?: string, malform = false) => {
      record.status = status;
      record.errorType = errorType;
      record.answeredAt = Date.now();
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), date: new Date(this.now()).toUTCString() };
      if (errorType) headers['x-amzn-errortype'] = errorType;
      const body = JSON.stringify(payload ?? {});
      const send = () => response.writeHead(status, headers).end(malform ? malformedBody(body) : body);
      const delay = route ? (this.answerDelays.get(route.operation) ?? 0) : 0;
      if (delay > 0) setTimeout(send, delay);
      else send();
    };

    if (!route) return answer(404, { Message: `no operation at ${request.method} ${path}` }, 'UnknownOperationException');
    const operation = route.operation;

    const latency = this.latencies.get(`${operation}/${accessKeyId}`) ?? this.latencies.get(operation) ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    await (this.holds.get(`${operation}/${accessKeyId}`) ?? this.holds.get(operation))?.catch(() => undefined);
    const hangs = this.hangs.get(operation) ?? 0;
    if (hangs > 0) {
      this.hangs.set(operation, hangs - 1);
      return; // never answered; stop() drops the connection
    }

    try {
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      if (this.denied.has(operation) || (route.labels[1] !== undefined && this.deniedUsers.has(`${operation}/${route.labels[1]}`))) {
        throw new ApiError(403, 'AccessDeniedException', `User is not authorized to perform: connect:${operation}`);
      }
      const fault = this.faults.get(operation)?.shift();
      if (fault) throw new ApiError(fault.status, fault.errorType, `injected ${fault.errorType ?? `HTTP ${fault.status}`}`);
      const throttling = this.buckets.get(operation);
      if (throttling?.bucket.take() === false) throw new ApiError(throttling.answer.status, throttling.answer.errorType, 'Rate exceeded');
      const payload = this.perform(operation, route.labels, body, new URL(request.url ?? '/', 'http://localhost').searchParams, this.principalOf(request));
      const malformed = this.malformed.get(operation) ?? 0;
      if (malformed > 0) this.malformed.set(operation, malformed - 1);
      answer(200, payload, undefined, malformed > 0);
    } catch (error) {
      if (error instanceof ApiError) return answer(error.status, { Message: error.message }, error.type);
      this.internalErrors.push(error);
      answer(500, { Message: 'emulator error' }, 'InternalServiceException');
    }
  }

  private route(method: string, path: string): { operation: ConnectOperation; labels: string[] } | undefined {
    const segments = path.split('/').slice(1).map(decodeURIComponent);
    if (method === 'GET' && segments.length === 2 && segments[0] === 'instance') {
      return { operation: 'DescribeInstance', labels: [segments[1]] };
    }
    if (method === 'GET' && segments.length === 3 && segments[0] === 'users') {
      return { operation: 'DescribeUser', labels: segments.slice(1) };
    }
    if (method === 'POST' && segments.length === 4 && segments[0] === 'users' && segments[3] === 'identity-info') {
      return { operation: 'UpdateUserIdentityInfo', labels: segments.slice(1, 3) };
    }
    if (method === 'POST' && path === '/search-users') return { operation: 'SearchUsers', labels: [] };
    if (method === 'GET' && segments.length === 2 && segments[0] === 'users-summary') return { operation: 'ListUsers', labels: [segments[1]] };
    return undefined;
  }

  /** The principal whose access key signed a request (an unknown key: an IAM user of that key). */
  private principalOf(request: http.IncomingMessage): Principal {
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? 'unknown';
    return this.principals.get(accessKeyId) ?? { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${accessKeyId}` };
  }

  private perform(operation: ConnectOperation, labels: string[], body: unknown, query: URLSearchParams, caller: Principal): unknown {
    const input = (body ?? {}) as Record<string, any>;
    switch (operation) {
      case 'DescribeInstance': {
        const instance = this.instance(labels[0]);
        return {
          Instance: {
            Id: instance.id,
            Arn: instance.arn,
            IdentityManagementType: instance.identityManagementType,
            InstanceStatus: 'ACTIVE',
            InboundCallsEnabled: true,
            OutboundCallsEnabled: true,
          },
        };
      }
      case 'DescribeUser': {
        const user = this.findUser(labels[0], labels[1]);
        return {
          User: { Id: user.id, Arn: user.arn, Username: user.username, IdentityInfo: user.identityInfo, LastModifiedTime: reportedTime(user.lastModifiedAt), LastModifiedRegion: REGION },
        };
      }
      case 'UpdateUserIdentityInfo': {
        const instance = this.instance(labels[0]);
        const user = this.findUser(labels[0], labels[1]);
        const violations = findApiViolations(input.IdentityInfo, instance.identityManagementType);
        const refused = this.refusedFields.shift();
        if (refused) violations.push({ field: refused, value: input.IdentityInfo?.[refused], rule: 'was refused' });
        this.record('UpdateUserIdentityInfo', caller, { InstanceId: labels[0], UserId: labels[1], IdentityInfo: input.IdentityInfo }, violations.length > 0 ? { errorCode: 'InvalidParameterException' } : {});
        if (violations.length > 0) {
          const details = violations.map((violation) =>
            this.echo === 'off'
              ? `IdentityInfo.${violation.field} ${violation.rule}`
              : `Invalid ${violation.field}: ${this.echoed(violation.value)} (${violation.rule})`,
          );
          throw new ApiError(400, 'InvalidParameterException', `${violations.length} validation error(s): ${details.join('; ')}`);
        }
        const written = this.updateSemantics === 'replace' ? input.IdentityInfo : { ...user.identityInfo, ...input.IdentityInfo };
        // Fields the type refuses belong to the IdP or the directory: an update leaves them as they are.
        const owned = FIELDS_OWNED_ELSEWHERE[instance.identityManagementType];
        const kept = Object.fromEntries(owned.map((field) => [field, user.identityInfo[field]]));
        user.identityInfo = nonEmpty({ ...written, ...kept });
        user.lastModifiedAt = this.now();
        return {};
      }
      case 'ListUsers': {
        // Pages of at most 1,000 (the API's MaxResults range is 1 to 1000), in a stable order; the token is opaque.
        this.instance(labels[0]);
        const maxResults = query.get('maxResults') === null ? 100 : Number(query.get('maxResults'));
        if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) throw new ApiError(400, 'InvalidParameterException', 'MaxResults must be 1 to 1000');
        const all = [...this.users.get(labels[0])!.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const token = query.get('nextToken');
        const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
        if (!Number.isInteger(start) || start < 0) throw new ApiError(400, 'InvalidParameterException', 'NextToken is not valid');
        const end = start + maxResults;
        return {
          UserSummaryList: all.slice(start, end).map((user) => ({ Id: user.id, Arn: user.arn, Username: user.username, LastModifiedTime: reportedTime(user.lastModifiedAt), LastModifiedRegion: REGION })),
          ...(end < all.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
        };
      }
      case 'SearchUsers': {
        if (typeof input.InstanceId !== 'string') throw new ApiError(400, 'InvalidParameterException', 'InstanceId is required');
        this.instance(input.InstanceId);
        const condition = input.SearchCriteria?.StringCondition;
        const all = [...this.users.get(input.InstanceId)!.values()].filter((user) => matches(user, condition));
        const start = Number(input.NextToken ?? 0);
        const end = start + (input.MaxResults ?? 100);
        return {
          Users: all.slice(start, end).map((user) => ({
            Id: user.id,
            Arn: user.arn,
            Username: user.username,
            IdentityInfo: { FirstName: user.identityInfo.FirstName, LastName: user.identityInfo.LastName },
          })),
          NextToken: end < all.length ? String(end) : undefined,
          ApproximateTotalCount: all.length,
        };
      }
    }
  }

  /** A refused value as an error message quotes it, in the current echo style. */
  private echoed(value: unknown): string {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return this.echo === 'upper-case' ? text.toUpperCase() : text;
  }

  private instance(instanceId: string): EmulatedInstance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new ApiError(404, 'ResourceNotFoundException', `Instance not found: ${instanceId}`);
    return instance;
  }

  private findUser(instanceId: string, userId: string): EmulatedUser {
    this.instance(instanceId);
    const user = this.users.get(instanceId)!.get(userId);
    if (!user) throw new ApiError(404, 'ResourceNotFoundException', `User not found: ${userId}`);
    return user;
  }
}

/** A time as Connect's answers give it: epoch seconds, whole seconds rounded down. */
function reportedTime(epochMs: number): number {
  return Math.floor(epochMs / LAST_MODIFIED_RESOLUTION_MS) * (LAST_MODIFIED_RESOLUTION_MS / 1000);
}

function matches(user: EmulatedUser, condition: { FieldName?: string; Value?: string; ComparisonType?: string } | undefined): boolean {
  if (!condition) return true;
  if (condition.FieldName !== 'Username') throw new ApiError(400, 'InvalidParameterException', 'the emulator searches by Username only');
  const value = condition.Value ?? '';
  switch (condition.ComparisonType) {
    case 'EXACT':
      return user.username === value;
    case 'STARTS_WITH':
      return user.username.startsWith(value);
    case 'CONTAINS':
      return user.username.includes(value);
    default:
      throw new ApiError(400, 'InvalidParameterException', 'ComparisonType must be EXACT, STARTS_WITH or CONTAINS');
  }
}

/** Values of these keys lose their quotes in a malformed body. */
const IDENTITY_VALUES = new RegExp(`"(${API_IDENTITY_FIELDS.join('|')})":("(?:[^"\\\\]|\\\\.)*")`, 'g');

/** A JSON body made malformed: identity values unquoted (so a parser chokes on them), and its end cut off. */
function malformedBody(body: string): string {
  const unquoted = body.replace(IDENTITY_VALUES, (_match, key: string, quoted: string) => `"${key}":${JSON.parse(quoted) as string}`);
  return unquoted.slice(0, Math.max(1, unquoted.length - 5));
}

/** The identity fields of a record that hold a value. */
function nonEmpty(info: Record<string, unknown>): IdentityRecord {
  const record: IdentityRecord = {};
  for (const field of API_IDENTITY_FIELDS) {
    const value = info[field];
    if (typeof value === 'string' && value !== '') record[field] = value;
  }
  return record;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
