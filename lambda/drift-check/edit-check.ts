/**
 * A check of just the user CloudTrail reports changed (the drift check's event option): EventBridge
 * delivers the "AWS API Call via CloudTrail" event of a user change in Connect (UpdateUserIdentityInfo,
 * CreateUser, DeleteUser), and the check reads that one user, if the stack declares it, and reports (or
 * corrects) its drift, within seconds of the edit and with at most three Connect requests when it only
 * reports.
 *
 * The event says which user to look at, nothing more: the declaration is the deployed one, the user's
 * identity and the instance's type are read from Connect. Calls made by the stack's own roles (a deploy,
 * a correction) are not edits and are ignored, as are calls that failed. Each event is checked once: a
 * copy of it (EventBridge and Lambda deliver at least once) finds it done in the ledger.
 */
import { DescribeUserCommand } from '@aws-sdk/client-connect';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { OWN_ROLES_ENV, USER_CHANGE_EVENT_NAMES } from '../../lib/drift-events';
import { hasInstanceIdShape, isUserId } from '../../lib/identity-rules';
import { RosterDeclaration, userKey } from '../../lib/roster-declarations';
import { connectClient } from '../../core/connect-clients';
import { DeclarationError, errorCode } from '../../core/failure-reasons';
import { log } from '../../core/log';
import { pacedCall } from '../../core/paced-calls';
import { Pacer, systemClock } from '../../core/pacer';
import { UserSync } from '../../core/user-sync';
import { HeldEntry } from '../runtime/held-entry';
import { holds, Lease, ledgerFromEnvironment } from '../runtime/ledger';
import { invocationTimings } from '../runtime/long-run';
import { stackState } from '../runtime/stack-state';
import { emptyCounts } from './check-work';
import { deployedDeclaration, instanceKey } from './deployed-declarations';
import type { DriftSummary } from './drift-check';
import { isAtRest, StackChanged, StackWatch } from './stack-watch';

/** An EventBridge event of a Connect API call recorded by CloudTrail (only the parts the check reads). */
export interface EditEvent {
  readonly id?: string;
  readonly source: 'aws.connect';
  readonly 'detail-type': 'AWS API Call via CloudTrail';
  readonly region?: string;
  readonly detail?: {
    readonly eventID?: string;
    readonly eventName?: string;
    readonly awsRegion?: string;
    readonly errorCode?: string;
    readonly userIdentity?: { readonly arn?: string; readonly sessionContext?: { readonly sessionIssuer?: { readonly arn?: string } } };
    readonly requestParameters?: Record<string, unknown>;
    readonly responseElements?: Record<string, unknown>;
  };
}

/** Whether a payload is a Connect API call that CloudTrail delivered through EventBridge. */
export function isEditEvent(payload: unknown): payload is EditEvent {
  const event = payload as { source?: unknown; 'detail-type'?: unknown } | null;
  return event?.source === 'aws.connect' && event['detail-type'] === 'AWS API Call via CloudTrail';
}

/** The ledger item of one edit event: checked once. */
interface EditWork {
  readonly holder?: Lease;
  readonly done: boolean;
}

/** Checks the user an edit event names. */
export async function checkEditedUser(event: EditEvent, context: Pick<Context, 'getRemainingTimeInMillis'>, stackId: string): Promise<DriftSummary> {
  const detail = event.detail ?? {};
  const base = { check: 'edit', eventName: typeof detail.eventName === 'string' ? detail.eventName : 'unknown' };
  const nothing = (status: DriftSummary['status'], why: string, level: 'info' | 'warn' | 'error' = 'info'): DriftSummary => {
    log(level, `edit check ${status}`, { ...base, reason: why });
    return { status, reason: why, full: false, ...emptyCounts() };
  };
  if (!(USER_CHANGE_EVENT_NAMES as readonly string[]).includes(base.eventName)) return nothing('ignored', 'not a call that changes a user');
  if (detail.errorCode) return nothing('ignored', 'the call failed: it changed nothing');
  const ownRoles = (process.env[OWN_ROLES_ENV] ?? '').split(',').filter(Boolean);
  const issuer = detail.userIdentity?.sessionContext?.sessionIssuer?.arn;
  if (issuer && ownRoles.includes(issuer)) return nothing('ignored', "a call of the stack's own roles (a deploy or a correction), not an edit");
  const parameters = detail.requestParameters ?? {};
  const instanceId = parameters.InstanceId ?? parameters.instanceId;
  const userId = parameters.UserId ?? parameters.userId ?? detail.responseElements?.UserId ?? detail.responseElements?.userId;
  if (!hasInstanceIdShape(instanceId) || !isUserId(userId)) return nothing('ignored', 'the event names no instance and user by ID', 'warn');
  const eventId = typeof detail.eventID === 'string' ? detail.eventID : typeof event.id === 'string' ? event.id : undefined;
  if (!eventId || !/^[A-Za-z0-9-]{1,64}$/.test(eventId)) return nothing('ignored', 'the event has no ID', 'warn');
  const who = { ...base, instanceId, user: userId };

  // Each event once: a copy finds it done, or held by another invocation.
  const times = invocationTimings(context.getRemainingTimeInMillis());
  const invocation = randomUUID();
  const ledger = ledgerFromEnvironment();
  const key = `edit#${stackId}#${eventId}`;
  let held: HeldEntry<EditWork>;
  try {
    const entry = await ledger.read<EditWork>(key);
    if (entry?.state.done) return nothing('ignored', 'a copy of an edit event already checked');
    if (holds(entry?.state.holder, Date.now())) return nothing('ignored', 'another invocation is checking this edit');
    const claimed = await ledger.write<EditWork>(key, { holder: { invocation, until: Date.now() + times.leaseMs }, done: false }, entry?.version);
    if (!claimed) return nothing('ignored', 'another invocation claimed this edit');
    held = new HeldEntry<EditWork>(ledger, key, claimed, (current) => (current?.holder?.invocation === invocation ? undefined : 'another invocation has taken this edit over'));
  } catch (error) {
    return nothing('skipped', `the work ledger could not be read or written (${errorCode(error)})`, 'error');
  }
  const finish = async (summary: DriftSummary): Promise<DriftSummary> => {
    await held.update((work) => ({ ...work, holder: undefined, done: true })).catch(() => undefined);
    log(summary.drifted > 0 || summary.failed > 0 ? 'warn' : 'info', `edit check ${summary.status}`, { ...who, ...summaryFields(summary) });
    return summary;
  };

  const stack = await stackState(stackId);
  // During a deploy (or a rollback) the next scheduled check covers the edit: its LastModifiedTime moved.
  if (!isAtRest(stack.status)) return finish({ status: 'skipped', reason: `the stack is ${stack.status}`, full: false, ...emptyCounts() });
  const watch = new StackWatch(stackId, stack);
  const region = process.env.AWS_REGION ?? 'us-east-1';
  let declarations: RosterDeclaration[];
  try {
    const declared = await deployedDeclaration(stackId, region);
    declarations = declared.instances.get(instanceKey({ InstanceId: instanceId }, typeof detail.awsRegion === 'string' ? detail.awsRegion : region))?.users.map((user) => user.declaration) ?? [];
  } catch (error) {
    return finish({ status: 'stopped', reason: error instanceof DeclarationError ? error.message : `could not read the deployed declaration (${errorCode(error)})`, full: false, ...emptyCounts() });
  }

  const controller = new AbortController();
  const pacer = new Pacer(systemClock);
  const context_ = { pacer, clock: systemClock, signal: controller.signal };
  const counts = emptyCounts();
  let declaration = declarations.find((each) => each.UserId === userId);
  /** How log lines name the user: as declared (a username by its hash). */
  let declaredAs = declaration;
  const byUsername = declarations.filter((each) => each.UserId === undefined);
  if (!declaration && byUsername.length > 0) {
    // Declared by username? CreateUser names it; otherwise Connect says whose ID this is.
    let username = typeof parameters.Username === 'string' ? parameters.Username : undefined;
    if (username === undefined && base.eventName !== 'DeleteUser') {
      try {
        const described = await pacedCall(context_, 'DescribeUser', () => connectClient(region).send(new DescribeUserCommand({ InstanceId: instanceId, UserId: userId }), { abortSignal: controller.signal }));
        username = described.User?.Username;
      } catch {
        username = undefined;
      }
    }
    const named = byUsername.find((each) => username !== undefined && each.Username === username);
    if (named) {
      declaration = { InstanceId: named.InstanceId, UserId: userId, IdentityInfo: named.IdentityInfo };
      declaredAs = named;
    }
  }
  if (!declaration) return finish({ status: 'completed', reason: 'the stack does not declare the edited user', full: false, ...counts });

  counts.users = 1;
  const correct = process.env.CORRECT_DRIFT === 'true';
  const sync = new UserSync({ region, pacer, clock: systemClock, signal: controller.signal, client: connectClient, freshReadMs: times.freshMs });
  const guard = async () => {
    await watch.confirm(Date.now() - times.freshMs);
    if (!(await held.stillMine(times.freshMs))) throw new Error(held.lost);
  };
  try {
    const outcome = await sync.apply(declaration, { write: correct, beforeWrite: guard });
    const readAt = Date.now();
    counts.read = 1;
    counts.checked = 1;
    if (outcome.kind === 'failed') {
      counts.failed = 1;
      log('warn', 'user could not be checked', { ...who, field: outcome.failure.field, problem: outcome.failure.problem });
    } else if (outcome.kind === 'differs' || outcome.kind === 'written') {
      await watch.confirm(readAt);
      counts.drifted = 1;
      if (outcome.kind === 'written') counts.corrected = 1;
      log('warn', 'drift', { ...who, user: userKey(declaredAs!), ...(declaredAs!.UserId === undefined ? { userId } : {}), fields: outcome.changedFields, corrected: outcome.kind === 'written', read: true });
    }
  } catch (error) {
    const reason = error instanceof StackChanged ? error.message : watch.changed ?? `the check of the edited user was cut short (${errorCode(error)})`;
    return finish({ status: 'stopped', reason, full: false, ...counts });
  }
  return finish({ status: 'completed', full: false, ...counts });
}

function summaryFields(summary: DriftSummary): Record<string, string | number | boolean | undefined> {
  const { status: _status, ...fields } = summary;
  return fields;
}
