/**
 * Applies one declared user of a roster stage: the same read, merge and write as a single declaration
 * (lambda/custom-resource/identity-sync.ts), with every call paced per operation (pacer.ts) instead of retried on its own, and
 * with a failure recorded against the user instead of ending the stage: a stage goes on with its other
 * users and reports every failed one at the end, by ID and field, never by value.
 */
import {
  ConnectClient,
  DescribeInstanceCommand,
  DescribeUserCommand,
  SearchUsersCommand,
  UpdateUserIdentityInfoCommand,
  UserIdentityInfo,
} from '@aws-sdk/client-connect';
import { hasInstanceIdShape, IdentityField, IdentityManagementType, isUserId, parseInstanceReference, Problem, validateIdentityInfo } from '../lib/identity-rules';
import { bareInstanceId, RosterDeclaration, userKey } from '../lib/roster-declarations';
import { errorCode } from './failure-reasons';
import { heldValueProblems, mergeIdentity, usersNamed } from './identity-merge';
import { Clock, Pacer } from './pacer';
import { FailureKind, pacedCall, pacedCallIfWanted, UserFailed } from './paced-calls';
import { addByUsername, listUsers } from './user-listing';

/** A user a stage could not apply, and why: IDs, a field and a value-free cause. */
export interface UserFailure {
  /** The bare instance ID (`the declared instance` when it is not shaped like one). */
  readonly instanceId: string;
  /** The user ID, or `Username:<hash>` for a user named by username. */
  readonly user: string;
  /** The field at fault (`UserId`, `Email`, ...), or the operation that failed. */
  readonly field: string;
  /** What went wrong and what to do, without any value. */
  readonly problem: string;
  /** What kind of failure it is, when a caller may act on it (see {@link FailureKind}). */
  readonly kind?: FailureKind;
}

/** What applying (or checking) one user came to. */
export type UserOutcome =
  | { readonly kind: 'unchanged' }
  /** Declared fields differed, and were written. */
  | { readonly kind: 'written'; readonly changedFields: IdentityField[] }
  /** Declared fields differ, and were left as they are (a check without correction). */
  | { readonly kind: 'differs'; readonly changedFields: IdentityField[] }
  | { readonly kind: 'failed'; readonly failure: UserFailure };

/** How to apply a declaration. */
export interface ApplyOptions {
  /** Whether to write a user whose declared fields differ, or only to report it. */
  readonly write: boolean;
  /**
   * Called once the write has its slot, just before it is sent (and before each attempt sent again after a
   * throttle); a rejection stops it (the user is then not done).
   */
  readonly beforeWrite?: () => Promise<void>;
  /**
   * Called with what Connect holds for the user once read, for a caller that shows it to a person (the
   * command-line tool's `plan --show-values` on a terminal). Identity values: never log them.
   */
  readonly onRead?: (held: UserIdentityInfo) => void;
}

/** A write that `beforeWrite` refused: the user is left as it is, and not done. */
export class WriteRefused extends Error {
  constructor(readonly cause: unknown) {
    super('the write was refused before it was sent');
    this.name = 'WriteRefused';
  }
}

/** How old, at most, the read a write's merge is based on may be when the write reaches Connect, by default. */
export const DEFAULT_FRESH_READ_MS = 1_000;

/** When a read's request left, and when its answer arrived (milliseconds since the epoch). */
export interface ReadTiming {
  readonly sentAt: number;
  readonly answeredAt: number;
}

/**
 * Whether a read is too old to merge a write with now. Its age counts from when its request left: what
 * Connect answered is no older than that, however slow the way back. It is stale past the bound less a
 * fifth (kept for the time the write takes to reach Connect), but only once reading again would at least
 * halve its age: a new read takes a round trip too, so one whose own round trip is most of its age is
 * kept rather than read again for nothing.
 */
export function isStale(read: ReadTiming, now: number, freshReadMs: number): boolean {
  const age = now - read.sentAt;
  return age > freshReadMs * 0.8 && age > 2 * (read.answeredAt - read.sentAt);
}

/**
 * A read sent through `call` (which may pace it and send it again), with its answer and its
 * {@link ReadTiming}: `sentAt` is when the attempt that was answered left.
 */
export async function timedRead<T>(now: () => number, call: (send: () => Promise<T>) => Promise<T>, send: () => Promise<T>): Promise<{ answer: T; at: ReadTiming }> {
  let sentAt = now();
  const answer = await call(() => {
    sentAt = now();
    return send();
  });
  return { answer, at: { sentAt, answeredAt: now() } };
}

/** The environment a {@link UserSync} works in. */
export interface UserSyncOptions {
  /** The region of instances given by ID (the handler's own). */
  readonly region: string;
  readonly pacer: Pacer;
  readonly clock: Clock;
  /** Aborted when the invocation must stop waiting: calls in flight end, their users count as not done. */
  readonly signal: AbortSignal;
  /** Connect clients by region. */
  readonly client: (region: string) => ConnectClient;
  /**
   * How old the read a write is merged with may be when the write is sent; an older one is read again
   * first, so that an edit made meanwhile to a field not declared here is kept. @default 1,000 ms
   */
  readonly freshReadMs?: number;
  /**
   * Instances (bare IDs) whose users named by Username are found in one listing of the instance's users
   * (ListUsers, a thousand a request, at 10 requests a second by default) rather than with a SearchUsers
   * each (2 a second): for many users named by Username (see {@link worthListingUsernames}). Should the
   * listing fail, each user is searched for. @default none: a SearchUsers per user
   */
  readonly listUsernamesOf?: ReadonlySet<string>;
}

/**
 * How many users named by Username one instance must have before listing its users pays: a listing
 * costs a ListUsers per thousand users of the instance at 10 a second, searching a SearchUsers per user
 * at 2 a second; from 20 names, listing is faster for instances of up to 100,000 users.
 */
export const USERNAME_LISTING_THRESHOLD = 20;

/** The instances (bare IDs) that name enough users by Username for {@link UserSyncOptions.listUsernamesOf}. */
export function worthListingUsernames(declarations: readonly Pick<RosterDeclaration, 'InstanceId' | 'Username'>[]): Set<string> {
  const counts = new Map<string, number>();
  for (const declaration of declarations) {
    if (declaration.Username === undefined) continue;
    const instance = bareInstanceId(declaration.InstanceId);
    counts.set(instance, (counts.get(instance) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, count]) => count >= USERNAME_LISTING_THRESHOLD).map(([instance]) => instance));
}

/**
 * Applies declared users, sharing per-instance facts and the pacers between them. Identity management
 * types are asked of Connect (once per instance and UserSync), never taken from elsewhere: a wrong type
 * would make a write drop a field.
 */
export class UserSync {
  private readonly types = new Map<string, Promise<IdentityManagementType>>();
  /** Each listed instance's user IDs by username (`undefined` when the listing failed), by region and instance. */
  private readonly listings = new Map<string, Promise<Map<string, string[]> | undefined>>();
  private readonly readAhead: ReadAhead;
  private readonly freshReadMs: number;

  constructor(private readonly options: UserSyncOptions) {
    this.freshReadMs = options.freshReadMs ?? DEFAULT_FRESH_READ_MS;
    this.readAhead = new ReadAhead(() => Math.max(1, Math.floor((this.options.pacer.of('UpdateUserIdentityInfo').rate * this.freshReadMs) / 2_000)));
  }

  /**
   * Applies (or checks) one declaration. Resolves to its outcome; rejects when the invocation is
   * aborted, or when `beforeWrite` refuses a write.
   */
  async apply(declaration: RosterDeclaration, options: ApplyOptions = { write: true }): Promise<UserOutcome> {
    const instanceId = bareInstanceId(declaration.InstanceId);
    const failure = (field: string, problem: string, kind?: FailureKind): UserOutcome => ({
      kind: 'failed',
      failure: {
        instanceId: hasInstanceIdShape(instanceId) ? instanceId : 'the declared instance',
        user: userKey(declaration),
        field,
        problem,
        ...(kind ? { kind } : {}),
      },
    });
    try {
      return await this.applyOrThrow(declaration, instanceId, options);
    } catch (error) {
      if (this.options.signal.aborted || error instanceof WriteRefused) throw error;
      if (error instanceof UserFailed) return failure(error.field, error.problem, error.kind);
      // A failure of this code, not of the user: report its code, never its message.
      return failure('IdentityInfo', `unexpected ${errorCode(error)}`);
    }
  }

  private async applyOrThrow(declaration: RosterDeclaration, instanceId: string, options: ApplyOptions): Promise<UserOutcome> {
    const declaredFields = Object.keys(declaration.IdentityInfo) as IdentityField[];
    const reference = parseInstanceReference(declaration.InstanceId);
    const region = reference?.region ?? this.options.region;
    const client = this.options.client(region);
    const type = await this.typeOf(client, region, instanceId);

    const typeProblems = validateIdentityInfo(declaration.IdentityInfo, { identityManagementType: type });
    if (typeProblems.length > 0) throw failedOn(typeProblems);

    const userId = declaration.UserId ?? (await this.resolveUsername(client, region, instanceId, declaration.Username!));
    const read = async () => {
      const { answer: described, at } = await timedRead(
        () => this.options.clock.now(),
        (send) => this.call('DescribeUser', send),
        () => client.send(new DescribeUserCommand({ InstanceId: instanceId, UserId: userId }), { abortSignal: this.options.signal }),
      );
      options.onRead?.(described.User?.IdentityInfo ?? {});
      const merged = mergeIdentity(described.User?.IdentityInfo ?? {}, declaration.IdentityInfo, type);
      // A value Connect already holds goes back with the write; if it is invalid, Connect would refuse
      // the whole record: name the undeclared field at fault.
      const held = merged.changedFields.length > 0 && options.write ? heldValueProblems(merged.record, declaration.IdentityInfo, type) : [];
      if (held.length > 0) {
        throw new UserFailed(held.map((problem) => problem.field).join(', '), `the value Connect holds (not declared here) ${held[0].message}; declare ${held[0].field} to replace it`);
      }
      return { ...merged, at };
    };
    if (!options.write) {
      const { changedFields } = await read();
      return changedFields.length === 0 ? { kind: 'unchanged' } : { kind: 'differs', changedFields };
    }

    // Reads go only as far ahead of the writes as keeps each write's read fresh when its slot comes.
    const admission = await this.readAhead.admit(this.options.signal);
    try {
      let current = await read();
      admission.classified(current.changedFields.length > 0);
      if (current.changedFields.length === 0) return { kind: 'unchanged' };
      const sent = await pacedCallIfWanted(
        this.options,
        'UpdateUserIdentityInfo',
        () => client.send(new UpdateUserIdentityInfoCommand({ InstanceId: instanceId, UserId: userId, IdentityInfo: current.record }), { abortSignal: this.options.signal }),
        {
          declaredFields,
          beforeSend: async () => {
            // The slot came later than the read's freshness allows: read again, so that an edit made
            // meanwhile to a field not declared here is sent back as it is now.
            if (isStale(current.at, this.options.clock.now(), this.freshReadMs)) current = await read();
            if (current.changedFields.length === 0) return false;
            // The guard comes last, so that nothing slow (a read waiting for its slot) comes between its
            // answer and the write.
            if (options.beforeWrite) {
              try {
                await options.beforeWrite();
              } catch (error) {
                throw new WriteRefused(error);
              }
            }
            return true;
          },
        },
      );
      return sent === undefined ? { kind: 'unchanged' } : { kind: 'written', changedFields: current.changedFields };
    } finally {
      admission.release();
    }
  }

  private call<T>(operation: string, send: () => Promise<T>, declaredFields: readonly IdentityField[] = []): Promise<T> {
    return pacedCall(this.options, operation, send, declaredFields);
  }

  /** The instance's identity management type: asked once per instance, shared by its users. */
  private typeOf(client: ConnectClient, region: string, instanceId: string): Promise<IdentityManagementType> {
    const key = `${region}/${instanceId}`;
    let type = this.types.get(key);
    if (!type) {
      type = this.call('DescribeInstance', () =>
        client.send(new DescribeInstanceCommand({ InstanceId: instanceId }), { abortSignal: this.options.signal }),
      ).then((described) => {
        const found = described.Instance?.IdentityManagementType;
        if (found !== 'CONNECT_MANAGED' && found !== 'SAML' && found !== 'EXISTING_DIRECTORY') {
          throw new UserFailed('InstanceId', 'DescribeInstance reported no known identity management type');
        }
        return found;
      });
      // A failure stays: every user of the instance fails the same way, with one call.
      type.catch(() => undefined);
      this.types.set(key, type);
    }
    return type;
  }

  private async resolveUsername(client: ConnectClient, region: string, instanceId: string, username: string): Promise<string> {
    const listed = this.options.listUsernamesOf?.has(instanceId) ? await this.listing(client, region, instanceId) : undefined;
    if (listed) return onlyMatch(listed.get(username) ?? []);
    const found = await this.call('SearchUsers', () =>
      client.send(
        new SearchUsersCommand({
          InstanceId: instanceId,
          MaxResults: 10,
          SearchCriteria: { StringCondition: { FieldName: 'Username', Value: username, ComparisonType: 'EXACT' } },
        }),
        { abortSignal: this.options.signal },
      ),
    );
    const matches = usersNamed(found.Users, username);
    if (matches.length > 0 && !isUserId(matches[0])) throw new UserFailed('Username', 'SearchUsers answered with an ID of unexpected form; give the UserId');
    return onlyMatch(matches);
  }

  /**
   * The instance's user IDs by username, from one walk through its ListUsers pages, shared by its users
   * (the walk starts with the first of them). `undefined` when the listing failed: each user is then
   * searched for. An abort is passed on.
   */
  private listing(client: ConnectClient, region: string, instanceId: string): Promise<Map<string, string[]> | undefined> {
    const key = `${region}/${instanceId}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = (async () => {
        const byName = new Map<string, string[]>();
        for await (const page of listUsers(this.options, client, instanceId)) addByUsername(byName, page);
        return byName;
      })().catch((error: unknown) => {
        if (this.options.signal.aborted) throw error;
        return undefined;
      });
      // An abort stays with the invocation that ends; nothing else waits for it unhandled.
      listing.catch(() => undefined);
      this.listings.set(key, listing);
    }
    return listing;
  }

}

/** The one user a username names, or why there is not one. */
function onlyMatch(userIds: readonly string[]): string {
  if (userIds.length === 0) throw new UserFailed('Username', 'no user of the instance has this Username; check it, or give the UserId', 'user-not-found');
  if (userIds.length > 1) throw new UserFailed('Username', `${userIds.length} users of the instance have this Username; give the UserId instead`);
  return userIds[0];
}

function failedOn(problems: readonly Problem[]): UserFailed {
  return new UserFailed(problems.map((problem) => problem.field).join(', '), problems.map((problem) => `${problem.field} ${problem.message}`).join('; '));
}

/** A user admitted to be read ahead of its write. */
interface Admission {
  /** Says whether the read found a write needed; a user that needs none leaves at once. */
  classified(needsWrite: boolean): void;
  /** Leaves (the write was sent, or given up). */
  release(): void;
}

/**
 * Bounds how many users are between their read and their write, so that a write's slot comes soon after
 * its read: about as many as the write pacer sends in half the freshness bound, divided by the share of
 * recent reads that needed a write. A first deploy (every user written) then reads each user once, just
 * before its write; a deploy where most users already match reads at DescribeUser's own pace.
 */
class ReadAhead {
  private inside = 0;
  private readonly waiting: (() => void)[] = [];
  /** The share of recent reads that found a write needed (an exponential average). */
  private writeShare = 1;

  constructor(private readonly writesWithinBound: () => number) {}

  async admit(signal: AbortSignal): Promise<Admission> {
    while (this.inside >= this.capacity()) {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    this.inside++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.inside--;
      this.waiting.splice(0).forEach((wake) => wake());
    };
    return {
      classified: (needsWrite) => {
        this.writeShare = 0.8 * this.writeShare + 0.2 * (needsWrite ? 1 : 0);
        if (!needsWrite) leave();
      },
      release: leave,
    };
  }

  private capacity(): number {
    return Math.min(MAX_READ_AHEAD, Math.ceil(this.writesWithinBound() / Math.max(this.writeShare, 0.02)));
  }
}

/** Users read ahead at most, whatever the share of writes (as many as a stage works on at once). */
const MAX_READ_AHEAD = 64;
