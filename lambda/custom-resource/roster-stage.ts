/**
 * The handler of a roster stage (`Custom::ConnectUserRoster`): applies the stage's declaration file to
 * Connect, paced to Connect's quota, and answers CloudFormation once, when every user has been applied
 * or has failed.
 *
 * A stage may need longer than one Lambda invocation (2,500 users take about 21 minutes at Connect's
 * default quota). An invocation works until a reserve before its timeout, then hands the rest over to a
 * new invocation of the same function (asynchronously, with what is done, the failures so far and the
 * pacer's rates), and ends without answering; the invocation that finishes the stage answers. The
 * answer always comes before CloudFormation's ServiceTimeout for the stage: when too little of it is
 * left to go on, the stage fails with how far it got.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { hasInstanceIdShape, IdentityManagementType, isUserId } from '../../lib/identity-rules';
import { bareInstanceId, DeclarationLocation, RosterDeclaration, RosterStageResourceProperties, userKey } from '../../lib/roster-declarations';
import { CloudFormationAnswer, sendAnswer } from '../runtime/cloudformation-response';
import { connectClient } from '../../core/connect-clients';
import { changedDeclarations, readDeclarationFile } from '../runtime/declarations';
import { DeclarationError } from '../../core/failure-reasons';
import { log } from '../../core/log';
import { countDone, DoneRanges, handOver, invocationWindow, runPool, worthHandingOver } from '../runtime/long-run';
import { Pacer, PacerState, systemClock } from '../../core/pacer';
import { UserSync, UserFailure } from '../../core/user-sync';

/** Marks a payload as the continuation of a stage, not a CloudFormation event. */
export const CONTINUATION_KIND = 'connect-user-roster/continuation';

/** What one invocation hands to the next. It holds IDs, counts and rates, never an identity value. */
export interface StageContinuation {
  readonly kind: typeof CONTINUATION_KIND;
  /** The CloudFormation event, without the stage's user list (the next invocation reads the files). */
  readonly event: CloudFormationCustomResourceEvent;
  /** When the first invocation of this event started (epoch ms): CloudFormation's wait counts from then. */
  readonly startedAt: number;
  /** How many invocations worked on the event so far. */
  readonly invocations: number;
  /** Positions in the stage's work list that are done. */
  readonly done: DoneRanges;
  readonly failures: UserFailure[];
  /** Failures in all, also those no longer listed. */
  readonly failureCount: number;
  readonly written: number;
  readonly unchanged: number;
  readonly pacer: Record<string, PacerState>;
  readonly identityManagementTypes: Record<string, IdentityManagementType>;
}

/** Whether a payload is a stage continuation. */
export function isContinuation(payload: unknown): payload is StageContinuation {
  return (payload as { kind?: unknown } | null)?.kind === CONTINUATION_KIND;
}

/** Users applied at once: enough to keep every operation's pacer busy, few enough to hand over quickly. */
const CONCURRENCY = 64;
/** Failures carried from one invocation to the next; more are counted, and logged where they happen. */
const MAX_CARRIED_FAILURES = 200;
/** CloudFormation's wait for a custom resource when the properties do not say (its maximum). */
const DEFAULT_SERVICE_TIMEOUT_S = 3_600;
/** Part of the ServiceTimeout kept back for the answer, and for invocations starting late. */
const SERVICE_TIMEOUT_MARGIN = 0.05;


/** Runs a stage event, or a continuation of one. Always ends in an answer or a hand-over. */
export async function handleRosterStage(payload: CloudFormationCustomResourceEvent | StageContinuation, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> {
  const continuation = isContinuation(payload) ? payload : undefined;
  const event = continuation ? continuation.event : (payload as CloudFormationCustomResourceEvent);
  const base = { requestType: event.RequestType, logicalId: event.LogicalResourceId, invocation: (continuation?.invocations ?? 0) + 1 };
  const startedAt = continuation?.startedAt ?? Date.now();
  const serviceTimeoutMs = serviceTimeoutOf(event) * 1000;
  const answerBy = startedAt + serviceTimeoutMs * (1 - SERVICE_TIMEOUT_MARGIN);
  const window = invocationWindow(context, answerBy);

  if (event.RequestType === 'Delete') {
    log('info', 'delete: identities left as they are', base);
    return answer(event, { Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(event) }, window.endsAt);
  }

  const controller = new AbortController();
  const abortTimer = setTimeout(() => controller.abort(new Error('the invocation is ending')), Math.max(0, window.finalAt - Date.now()));
  let state: Progress;
  let work: RosterDeclaration[];
  try {
    ({ work, state } = await prepare(event, continuation, controller.signal));
  } catch (error) {
    clearTimeout(abortTimer);
    const reason = error instanceof DeclarationError ? error.message : `unexpected ${error instanceof Error ? error.name : typeof error} while reading the declarations`;
    log('error', 'stage cannot start', { ...base, reason });
    return answer(event, failed(event, reason), window.endsAt);
  }
  log('info', 'stage invocation started', { ...base, usersToApply: work.length, alreadyDone: countDone(state.done) });

  const pacer = new Pacer(systemClock, undefined, continuation?.pacer);
  const sync = new UserSync({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    pacer,
    clock: systemClock,
    signal: controller.signal,
    client: connectClient,
    knownTypes: continuation?.identityManagementTypes,
  });

  state.done = await runPool(work, state.done, CONCURRENCY, () => Date.now() < window.stopStartingAt && !controller.signal.aborted, async (declaration) => {
    const outcome = await sync.apply(declaration);
    if (outcome.kind === 'written') state.written++;
    else if (outcome.kind === 'failed') {
      state.failureCount++;
      if (state.failures.length < MAX_CARRIED_FAILURES) state.failures.push(outcome.failure);
      log('warn', 'user not applied', { ...base, instanceId: outcome.failure.instanceId, user: outcome.failure.user, field: outcome.failure.field, problem: outcome.failure.problem });
    } else state.unchanged++;
  });
  clearTimeout(abortTimer);

  const remaining = work.length - countDone(state.done);
  const summary = { ...base, usersToApply: work.length, remaining, written: state.written, unchanged: state.unchanged, failed: state.failureCount, calls: pacer.stats(), durationMs: Date.now() - window.startedAt };
  if (remaining === 0) {
    log(state.failureCount > 0 ? 'warn' : 'info', 'stage done', summary);
    const outcome =
      state.failureCount > 0
        ? failed(event, failureReason(state.failures, state.failureCount, work.length))
        : { Status: 'SUCCESS' as const, PhysicalResourceId: physicalIdOf(event), Data: { Users: String(work.length), Written: String(state.written) } };
    return answer(event, outcome, window.endsAt);
  }

  // Go on in a new invocation, if CloudFormation will still be waiting for most of it.
  const next: StageContinuation = {
    kind: CONTINUATION_KIND,
    event: withoutUserList(event),
    startedAt,
    invocations: base.invocation,
    done: state.done,
    failures: state.failures,
    failureCount: state.failureCount,
    written: state.written,
    unchanged: state.unchanged,
    pacer: pacer.state(),
    identityManagementTypes: sync.learntTypes,
  };
  if (worthHandingOver(answerBy)) {
    if (await handOver(next, window.endsAt)) {
      log('info', 'stage handed over to a new invocation', summary);
      return;
    }
    log('error', 'stage could not hand over to a new invocation', summary);
    return answer(event, failed(event, `could not continue the stage in a new invocation after ${work.length - remaining} of ${work.length} users; deploy again to go on (users applied so far keep their identity)`), window.endsAt);
  }
  log('error', 'stage ran out of time', summary);
  return answer(
    event,
    failed(
      event,
      `the stage ran out of the time CloudFormation waits for it (${Math.round(serviceTimeoutMs / 1000)} s) after ${work.length - remaining} of ${work.length} users; deploy again to go on (users applied so far keep their identity)`,
    ),
    window.endsAt,
  );
}

/** The state of a stage's work, carried from invocation to invocation. */
interface Progress {
  done: DoneRanges;
  failures: UserFailure[];
  failureCount: number;
  written: number;
  unchanged: number;
}

async function prepare(event: CloudFormationCustomResourceEvent, continuation: StageContinuation | undefined, signal: AbortSignal): Promise<{ work: RosterDeclaration[]; state: Progress }> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const current = await readDeclarationFile(locationOf(event.ResourceProperties, 'ResourceProperties'), region, signal);
  let previous: RosterDeclaration[] | undefined;
  if (event.RequestType === 'Update') {
    try {
      previous = (await readDeclarationFile(locationOf(event.OldResourceProperties, 'OldResourceProperties'), region, signal)).declarations;
    } catch (error) {
      if (!(error instanceof DeclarationError)) throw error;
      // Without the previous file, every user is looked at: read, and written only where it differs.
      log('warn', 'previous declaration file unreadable; checking every user of the stage', { logicalId: event.LogicalResourceId, reason: error.message });
    }
  }
  const invalid = new Set(current.invalid.map((entry) => entry.index));
  const work = changedDeclarations(current.declarations, previous)
    .filter((index) => !invalid.has(index))
    .map((index) => current.declarations[index]);
  const state: Progress = continuation
    ? { done: continuation.done, failures: [...continuation.failures], failureCount: continuation.failureCount, written: continuation.written, unchanged: continuation.unchanged }
    : {
        done: [],
        failures: current.invalid.slice(0, MAX_CARRIED_FAILURES).map(({ index, problems }) => ({
          ...nameOf(current.declarations[index]),
          field: problems.map((problem) => problem.field).join(', '),
          problem: `the declaration file holds an invalid declaration: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`,
        })),
        failureCount: current.invalid.length,
        written: 0,
        unchanged: 0,
      };
  return { work, state };
}

/** How a failure names a declaration that may be malformed: only parts shaped like IDs are printed. */
function nameOf(declaration: Partial<RosterDeclaration> | undefined): { instanceId: string; user: string } {
  const instance = typeof declaration?.InstanceId === 'string' ? bareInstanceId(declaration.InstanceId) : undefined;
  const instanceId = hasInstanceIdShape(instance) ? instance : 'the declared instance';
  if (isUserId(declaration?.UserId)) return { instanceId, user: declaration.UserId };
  if (typeof declaration?.Username === 'string' && declaration.UserId === undefined) return { instanceId, user: userKey({ InstanceId: declaration.InstanceId ?? '', Username: declaration.Username }) };
  return { instanceId, user: 'a user' };
}

function locationOf(properties: unknown, where: string): DeclarationLocation {
  const location = (properties as Partial<RosterStageResourceProperties> | undefined)?.Declarations;
  if (typeof location?.Bucket !== 'string' || typeof location?.Key !== 'string' || !location.Bucket || !location.Key) {
    throw new DeclarationError(`${where}.Declarations must name the declaration file's Bucket and Key`);
  }
  return location;
}

function serviceTimeoutOf(event: CloudFormationCustomResourceEvent): number {
  const value = Number((event.ResourceProperties as { ServiceTimeout?: unknown }).ServiceTimeout);
  return Number.isFinite(value) && value > 0 ? Math.min(value, DEFAULT_SERVICE_TIMEOUT_S) : DEFAULT_SERVICE_TIMEOUT_S;
}

/** The event as the next invocation needs it: the stage's user lists are dropped, to keep it small. */
function withoutUserList(event: CloudFormationCustomResourceEvent): CloudFormationCustomResourceEvent {
  const strip = (properties: unknown) => {
    const { Users: _users, ...rest } = (properties ?? {}) as Record<string, unknown>;
    return rest;
  };
  return {
    ...event,
    ResourceProperties: strip(event.ResourceProperties),
    ...('OldResourceProperties' in event ? { OldResourceProperties: strip(event.OldResourceProperties) } : {}),
  } as CloudFormationCustomResourceEvent;
}

type Outcome = Pick<CloudFormationAnswer, 'Status' | 'Reason' | 'PhysicalResourceId' | 'Data' | 'NoEcho'>;

/** A stage's physical ID: its logical ID, kept across updates (a new one would read as a replacement). */
function physicalIdOf(event: CloudFormationCustomResourceEvent): string {
  return 'PhysicalResourceId' in event && event.PhysicalResourceId ? event.PhysicalResourceId : `connect-user-roster-${event.LogicalResourceId}`;
}

function failed(event: CloudFormationCustomResourceEvent, reason: string): Outcome {
  return { Status: 'FAILED', Reason: reason, PhysicalResourceId: physicalIdOf(event) };
}

async function answer(event: CloudFormationCustomResourceEvent, outcome: Outcome, invocationEnd: number): Promise<void> {
  const delivery = await sendAnswer(
    event.ResponseURL,
    { ...outcome, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId },
    { deadline: invocationEnd - 200 },
  );
  log(delivery.delivered ? 'info' : 'error', delivery.delivered ? 'answered CloudFormation' : 'could not deliver the answer', {
    requestType: event.RequestType,
    logicalId: event.LogicalResourceId,
    status: outcome.Status,
    answerAttempts: delivery.attempts,
  });
}

/** Byte budget of a stage's Reason: CloudFormation keeps 4 KiB of an answer, with its other fields. */
const REASON_BYTES = 3_000;

/**
 * The Reason of a stage with failed users: how many, then each user by instance, ID and field, as many
 * as fit, then how many more (the handler's log lists every one).
 */
export function failureReason(failures: readonly UserFailure[], failureCount: number, total: number): string {
  const head = `${failureCount} of ${total} users could not be applied; fix them and deploy again (the others were applied): `;
  let reason = head;
  let listed = 0;
  for (const failure of failures) {
    const item = `${listed > 0 ? '; ' : ''}user ${failure.user} in instance ${failure.instanceId}: ${failure.field}: ${failure.problem}`;
    const tail = ` ... and ${failureCount - listed - 1} more (the handler's log lists each)`;
    if (Buffer.byteLength(reason + item + tail) > REASON_BYTES) break;
    reason += item;
    listed++;
  }
  if (listed < failureCount) reason += `${listed > 0 ? ' ... and' : ''} ${failureCount - listed} more (the handler's log lists each)`;
  return reason;
}
