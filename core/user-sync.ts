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
import { FailureKind, pacedCall, UserFailed } from './paced-calls';

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
  /** Called just before a write; a rejection stops it (the user is then not done). */
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
  /** Identity management types already known, by `<region>/<instance ID>`. */
  readonly knownTypes?: Record<string, IdentityManagementType>;
}

/** Applies declared users, sharing per-instance facts and the pacer between them. */
export class UserSync {
  private readonly types = new Map<string, Promise<IdentityManagementType>>();
  /** Types learnt, to carry into the next invocation. */
  readonly learntTypes: Record<string, IdentityManagementType> = {};

  constructor(private readonly options: UserSyncOptions) {
    for (const [key, type] of Object.entries(options.knownTypes ?? {})) {
      this.types.set(key, Promise.resolve(type));
      this.learntTypes[key] = type;
    }
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

    const userId = declaration.UserId ?? (await this.resolveUsername(client, instanceId, declaration.Username!));
    const described = await this.call('DescribeUser', () =>
      client.send(new DescribeUserCommand({ InstanceId: instanceId, UserId: userId }), { abortSignal: this.options.signal }),
    );
    const current: UserIdentityInfo = described.User?.IdentityInfo ?? {};
    options.onRead?.(current);
    const { record, changedFields } = mergeIdentity(current, declaration.IdentityInfo, type);
    if (changedFields.length === 0) return { kind: 'unchanged' };
    if (!options.write) return { kind: 'differs', changedFields };

    // A value Connect already holds goes back with the write; if it is invalid, Connect would refuse
    // the whole record: name the undeclared field at fault.
    const held = heldValueProblems(record, declaration.IdentityInfo, type);
    if (held.length > 0) {
      throw new UserFailed(
        held.map((problem) => problem.field).join(', '),
        `the value Connect holds (not declared here) ${held[0].message}; declare ${held[0].field} to replace it`,
      );
    }
    if (options.beforeWrite) {
      try {
        await options.beforeWrite();
      } catch (error) {
        throw new WriteRefused(error);
      }
    }
    await this.call(
      'UpdateUserIdentityInfo',
      () => client.send(new UpdateUserIdentityInfoCommand({ InstanceId: instanceId, UserId: userId, IdentityInfo: record }), { abortSignal: this.options.signal }),
      declaredFields,
    );
    return { kind: 'written', changedFields };
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
        this.learntTypes[key] = found;
        return found;
      });
      // A failure stays: every user of the instance fails the same way, with one call.
      type.catch(() => undefined);
      this.types.set(key, type);
    }
    return type;
  }

  private async resolveUsername(client: ConnectClient, instanceId: string, username: string): Promise<string> {
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
    if (matches.length === 0) throw new UserFailed('Username', 'no user of the instance has this Username; check it, or give the UserId', 'user-not-found');
    if (matches.length > 1) throw new UserFailed('Username', `${matches.length} users of the instance have this Username; give the UserId instead`);
    if (!isUserId(matches[0])) throw new UserFailed('Username', 'SearchUsers answered with an ID of unexpected form; give the UserId');
    return matches[0];
  }

}

function failedOn(problems: readonly Problem[]): UserFailed {
  return new UserFailed(problems.map((problem) => problem.field).join(', '), problems.map((problem) => `${problem.field} ${problem.message}`).join('; '));
}
