/**
 * Makes one Connect user's identity match its declaration: read the user, overlay the declared fields,
 * and write the merged record only if something differs. Fields that are not declared keep whatever
 * value Connect holds, whatever UpdateUserIdentityInfo does with fields it is not sent.
 */
import {
  ConnectClient,
  DescribeInstanceCommand,
  DescribeUserCommand,
  SearchUsersCommand,
  UpdateUserIdentityInfoCommand,
} from '@aws-sdk/client-connect';
import {
  IDENTITY_FIELDS,
  IdentityField,
  IdentityManagementType,
  IdentityRecord,
  isUserId,
  parseInstanceReference,
  Problem,
  validateIdentityInfo,
  validateInstanceReference,
  validateNoSecureStringReferences,
  validateUserReference,
} from '../../lib/identity-rules';
import { ConnectUserIdentityResourceProperties } from '../../lib/resource-properties';
import { DeclarationError, describeInstance, describeSubject, explainSdkError, Subject } from '../../core/failure-reasons';
import { connectClient } from '../../core/connect-clients';
import { heldValueProblems, mergeIdentity, usersNamed } from '../../core/identity-merge';
import { DEFAULT_FRESH_READ_MS, isStale, timedRead } from '../../core/user-sync';
import { CallStats, withRetries } from '../../core/retry';

export { DeclarationError } from '../../core/failure-reasons';

/** What one invocation may spend: a deadline for starting calls, and a signal that ends waiting. */
export interface Budget {
  readonly deadline: number;
  readonly signal: AbortSignal;
  /**
   * How old the read a write is merged with may be when the write is sent (a throttled write waits); an
   * older one is read again first. @default 1,000 ms
   */
  readonly freshReadMs?: number;
  /** Runs just before each attempt of the write is sent; a rejection stops the write. */
  readonly beforeWrite?: () => Promise<void>;
}

/** The outcome of a sync, for the answer and the logs. */
export interface SyncResult {
  readonly instanceId: string;
  readonly userId: string;
  readonly userArn: string;
  /** Declared fields whose value in Connect differed and was written. */
  readonly changedFields: IdentityField[];
  /** Whether UpdateUserIdentityInfo was called. */
  readonly wrote: boolean;
  /** Per-operation attempt counts. */
  readonly calls: Record<string, CallStats>;
}

/** What the handler is doing right now, so that a time-out can say what it was waiting for. */
export interface Progress {
  step: string;
  calls: Record<string, CallStats>;
}

/** Identity management types by region and instance, kept per container: an instance never changes type. */
const identityManagementTypes = new Map<string, IdentityManagementType>();

/** Validates the properties as CloudFormation sent them; throws a DeclarationError listing every problem. */
export function parseProperties(properties: unknown): ConnectUserIdentityResourceProperties {
  if (properties === null || typeof properties !== 'object') {
    throw new DeclarationError('the event has no ResourceProperties');
  }
  const props = properties as Record<string, unknown>;
  const info = props.IdentityInfo !== null && typeof props.IdentityInfo === 'object' ? (props.IdentityInfo as Record<string, unknown>) : {};
  const problems: Problem[] = [
    ...validateNoSecureStringReferences({ InstanceId: props.InstanceId, UserId: props.UserId, Username: props.Username, ...info }),
    ...validateInstanceReference(props.InstanceId),
    ...validateUserReference(props.UserId, props.Username),
    ...validateIdentityInfo(props.IdentityInfo),
  ];
  if (problems.length > 0) throw new DeclarationError(describeFor(props, problems));
  return props as unknown as ConnectUserIdentityResourceProperties;
}

/** The subject of a message about a declaration: its user, by ID or as named by Username, in its instance. */
function subjectOf(props: { UserId?: unknown; InstanceId?: unknown }): string {
  const byUsername = props.UserId === undefined || props.UserId === '';
  return describeSubject({ instanceId: props.InstanceId, userId: byUsername ? undefined : props.UserId, byUsername });
}

function describeFor(props: { UserId?: unknown; InstanceId?: unknown }, problems: readonly Problem[]): string {
  return `${subjectOf(props)}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`;
}

/** Syncs one declared user. Throws a DeclarationError whose message is fit for a Reason, or an abort. */
export async function syncUserIdentity(
  props: ConnectUserIdentityResourceProperties,
  budget: Budget,
  progress: Progress,
): Promise<SyncResult> {
  const reference = parseInstanceReference(props.InstanceId)!;
  const instanceId = reference.instanceId;
  const region = reference.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new DeclarationError('no region: AWS_REGION is not set and InstanceId is not an ARN');
  const client = connectClient(region);

  const declaredFields = IDENTITY_FIELDS.filter((field) => props.IdentityInfo[field] !== undefined);
  const call = async <T>(operation: string, send: () => Promise<T>, subject: Subject): Promise<T> => {
    const stats = (progress.calls[operation] ??= { attempts: 0, throttled: 0 });
    progress.step = `waiting for ${operation}`;
    try {
      return await withRetries(send, { operation, deadline: budget.deadline, signal: budget.signal, stats });
    } catch (error) {
      throw explainSdkError(error, operation, subject, declaredFields);
    }
  };
  const options = { abortSignal: budget.signal };

  const typeKey = `${region}/${instanceId}`;
  let type = identityManagementTypes.get(typeKey);
  if (!type) {
    const described = await call(
      'DescribeInstance',
      () => client.send(new DescribeInstanceCommand({ InstanceId: instanceId }), options),
      { instanceId, region },
    );
    type = described.Instance?.IdentityManagementType as IdentityManagementType | undefined;
    if (type !== 'CONNECT_MANAGED' && type !== 'SAML' && type !== 'EXISTING_DIRECTORY') {
      throw new DeclarationError(`${describeInstance(instanceId)}: DescribeInstance reported no known identity management type`);
    }
    identityManagementTypes.set(typeKey, type);
  }

  const typeProblems = validateIdentityInfo(props.IdentityInfo, { identityManagementType: type });
  if (typeProblems.length > 0) throw new DeclarationError(describeFor(props, typeProblems));

  const userId = props.UserId ?? (await resolveUsername(props.Username!, instanceId, client, call, options));
  const subject: Subject = { instanceId, userId };
  const describe = () => client.send(new DescribeUserCommand({ InstanceId: instanceId, UserId: userId }), options);
  const { answer: described, at } = await timedRead(Date.now, (send) => call('DescribeUser', send, subject), describe);
  const userArn = described.User?.Arn ?? '';
  let merged = { ...mergeIdentity(described.User?.IdentityInfo ?? {}, props.IdentityInfo, type), at };
  if (merged.changedFields.length === 0) {
    return { instanceId, userId, userArn, changedFields: [], wrote: false, calls: progress.calls };
  }
  // A value Connect already holds goes back with the write; if it is invalid, Connect would refuse the
  // whole record, so say which undeclared field is at fault instead of blaming the declaration.
  const checkHeld = (record: IdentityRecord) => {
    const heldProblems = heldValueProblems(record, props.IdentityInfo, type!);
    if (heldProblems.length > 0) {
      throw new DeclarationError(
        `${describeSubject(subject)}: ${heldProblems
          .map((problem) => `the value Connect holds for ${problem.field} (not declared here) ${problem.message}; declare ${problem.field} to replace it`)
          .join('; ')}`,
      );
    }
  };
  checkHeld(merged.record);
  const freshReadMs = budget.freshReadMs ?? DEFAULT_FRESH_READ_MS;
  const wrote = await call(
    'UpdateUserIdentityInfo',
    async () => {
      // A write retried after a throttle may come long after its read: read again, so that an edit made
      // meanwhile to a field not declared here is sent back as it is now.
      if (isStale(merged.at, Date.now(), freshReadMs)) {
        const again = await timedRead(Date.now, (send) => send(), describe);
        merged = { ...mergeIdentity(again.answer.User?.IdentityInfo ?? {}, props.IdentityInfo, type!), at: again.at };
        if (merged.changedFields.length === 0) return false;
        checkHeld(merged.record);
      }
      // The guard comes last, so that nothing slow comes between its answer and the write.
      await budget.beforeWrite?.();
      await client.send(new UpdateUserIdentityInfoCommand({ InstanceId: instanceId, UserId: userId, IdentityInfo: merged.record }), options);
      return true;
    },
    subject,
  );
  if (!wrote) return { instanceId, userId, userArn, changedFields: [], wrote: false, calls: progress.calls };
  const changedFields = merged.changedFields;
  return { instanceId, userId, userArn, changedFields, wrote: true, calls: progress.calls };
}

async function resolveUsername(
  username: string,
  instanceId: string,
  client: ConnectClient,
  call: <T>(operation: string, send: () => Promise<T>, subject: Subject) => Promise<T>,
  options: { abortSignal: AbortSignal },
): Promise<string> {
  const found = await call(
    'SearchUsers',
    () =>
      client.send(
        new SearchUsersCommand({
          InstanceId: instanceId,
          MaxResults: 10,
          SearchCriteria: { StringCondition: { FieldName: 'Username', Value: username, ComparisonType: 'EXACT' } },
        }),
        options,
      ),
    { instanceId, byUsername: true },
  );
  const matches = usersNamed(found.Users, username);
  if (matches.length === 0) {
    throw new DeclarationError(`no user in ${describeInstance(instanceId)} has the declared Username; check it, or give the UserId`);
  }
  if (matches.length > 1) {
    // Connect issues IDs, so these are IDs; one that is not ID-shaped is not printed all the same.
    const ids = matches.map((id) => (isUserId(id) ? id : 'an ID of unexpected form'));
    throw new DeclarationError(`${matches.length} users in ${describeInstance(instanceId)} have the declared Username (${ids.join(', ')}); give the UserId instead`);
  }
  if (!isUserId(matches[0])) {
    throw new DeclarationError(`SearchUsers answered with an ID of unexpected form for the declared Username in ${describeInstance(instanceId)}; give the UserId`);
  }
  return matches[0];
}
