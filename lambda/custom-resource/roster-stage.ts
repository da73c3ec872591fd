/**
 * The handler of a roster stage (`Custom::ConnectUserRoster`): applies the stage's declaration file to
 * Connect, paced to Connect's quota, and answers CloudFormation once, when every user has been applied
 * or has failed.
 *
 * A stage may need longer than one Lambda invocation (2,500 users take about 21 minutes at Connect's
 * default quota). An invocation works until a reserve before its timeout, then hands the rest over to a
 * new invocation of the same function, and ends without answering; the invocation that finishes the
 * stage answers. The answer always comes before CloudFormation's ServiceTimeout for the stage: when too
 * little of it is left to go on, the stage fails with how far it got.
 *
 * Events and hand-overs can arrive twice, late, or forged (Lambda runs asynchronous invocations at least
 * once). The ledger (resource-work.ts) decides which one may work: a stage is worked by one invocation at
 * a time, for the request CloudFormation is waiting for. Everything that decides a write comes from the
 * ledger (the event as CloudFormation sent it, the progress), CloudFormation, S3 (the declaration files)
 * and Connect (identity management types, users); a hand-over carries only which work and generation it
 * continues, and pacing hints.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { connectClient } from '../../core/connect-clients';
import { errorCode, DeclarationError } from '../../core/failure-reasons';
import { log } from '../../core/log';
import { UserFailure, UserSync, worthListingUsernames } from '../../core/user-sync';
import { Pacer, PacerState, systemClock } from '../../core/pacer';
import { hasInstanceIdShape, isUserId } from '../../lib/identity-rules';
import { DEPLOY_PROGRESS_INTERVAL_MS } from '../../lib/deploy-progress-metrics';
import { bareInstanceId, DeclarationLocation, RosterDeclaration, RosterStageResourceProperties, skipsUsersNotInConnect, userKey } from '../../lib/roster-declarations';
import { sendAnswer } from '../runtime/cloudformation-response';
import { changedDeclarations, readDeclarationFile } from '../runtime/declarations';
import { DeployProgress } from '../runtime/deploy-progress';
import { Ledger, ledgerFromEnvironment } from '../runtime/ledger';
import { boundedHints, countDone, DoneRanges, handOver, invocationTimings, invocationWindow, runPool, worthHandingOver } from '../runtime/long-run';
import { resourceState } from '../runtime/stack-state';
import { claimEvent, claimHandOver, Claim, HeldWork, Outcome, resourceKey, ResourceWork } from './resource-work';

/** Marks a payload as the continuation of a stage, not a CloudFormation event. */
export const CONTINUATION_KIND = 'connect-user-roster/continuation';

/**
 * What one invocation hands to the next: which work it continues (the resource, its request, the
 * generation the ledger handed over) and pacing hints. Nothing in it decides a write.
 */
export interface StageContinuation {
  readonly kind: typeof CONTINUATION_KIND;
  readonly stackId: string;
  readonly logicalResourceId: string;
  readonly requestId: string;
  readonly generation: number;
  /** Each operation's pacing when the previous invocation stopped: a hint, bounded on arrival. */
  readonly pacer?: Record<string, PacerState>;
}

/** Whether a payload is (claims to be) a stage continuation. */
export function isContinuation(payload: unknown): payload is StageContinuation {
  return (payload as { kind?: unknown } | null)?.kind === CONTINUATION_KIND;
}

/** What a stage's work keeps in the ledger: its event without the user list, and how far it got. */
interface StageData {
  readonly event: StageEvent;
  readonly progress: StageProgress;
}

/** The parts of a stage's event that answering and reading the declarations need; no identity value is among them. */
interface StageEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  /** Cleared once the answer is delivered. */
  readonly ResponseURL?: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly Declarations?: DeclarationLocation;
  readonly OldDeclarations?: DeclarationLocation;
  /** Seconds. */
  readonly ServiceTimeout: number;
  /** Whether users that Connect does not know are skipped and counted rather than failed. */
  readonly SkipUsersNotInConnect?: boolean;
}

/** The state of a stage's work, carried from invocation to invocation in the ledger. */
interface StageProgress {
  done: DoneRanges;
  failures: UserFailure[];
  failureCount: number;
  written: number;
  unchanged: number;
  /** Users Connect does not know, skipped (with `SkipUsersNotInConnect`); absent in work recorded before it. */
  skipped?: number;
  /** Of `failureCount`, the users Connect does not know; absent in work recorded before it. */
  notFoundCount?: number;
  /** Invocations that worked on the stage so far. */
  invocations: number;
  /** Whether the declaration file's invalid declarations were counted (by the first invocation). */
  invalidCounted: boolean;
}

/** Users applied at once: enough to keep every operation's pacer busy, few enough to hand over quickly. */
const CONCURRENCY = 64;
/** Failures kept in the ledger; more are counted, and logged where they happen. */
const MAX_CARRIED_FAILURES = 200;
/** CloudFormation's wait for a custom resource when the properties do not say (its maximum). */
const DEFAULT_SERVICE_TIMEOUT_S = 3_600;
/** Part of the ServiceTimeout kept back for the answer, and for invocations starting late. */
const SERVICE_TIMEOUT_MARGIN = 0.05;

/** Runs a stage event, or a continuation of one. Ends in an answer, a hand-over, or nothing when the work is not current. */
export async function handleRosterStage(payload: CloudFormationCustomResourceEvent | StageContinuation, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> {
  const invocation = randomUUID();
  const remaining = context.getRemainingTimeInMillis();
  const times = invocationTimings(remaining);
  const claimant = { invocation, leaseUntil: Date.now() + times.leaseMs };
  const continuation = isContinuation(payload) ? payload : undefined;

  let ledger: Ledger;
  let key: string;
  let claim: Claim<StageData>;
  let event: CloudFormationCustomResourceEvent | undefined;
  if (continuation) {
    if (!isWellFormedContinuation(continuation)) {
      log('warn', 'not a stage continuation: nothing written, nothing answered', { why: 'its payload lacks the stack, resource, request or generation' });
      return;
    }
    key = resourceKey(continuation.stackId, continuation.logicalResourceId);
    const base = { logicalId: continuation.logicalResourceId, generation: continuation.generation };
    try {
      ledger = ledgerFromEnvironment();
      claim = await claimHandOver<StageData>(ledger, key, continuation, claimant);
    } catch (error) {
      // The ledger cannot say whether this is the current work: do nothing (the holder, if any, goes on).
      log('error', 'stage continuation could not be checked against the ledger: nothing written, nothing answered', { ...base, errorName: errorCode(error) });
      return;
    }
    if (claim.kind === 'not current') {
      log('warn', 'stage continuation is not the current work: nothing written, nothing answered', { ...base, why: claim.why });
      return;
    }
  } else {
    event = payload as CloudFormationCustomResourceEvent;
    const base = { requestType: event.RequestType, logicalId: event.LogicalResourceId };
    key = resourceKey(event.StackId, event.LogicalResourceId);
    try {
      ledger = ledgerFromEnvironment();
      claim = await claimEvent<StageData>(ledger, key, event, claimant, () => resourceState(event!.StackId, event!.LogicalResourceId), () => ({ event: stageEventOf(event!), progress: newProgress() }));
    } catch (error) {
      const reason = `the work ledger could not be read or written (${errorCode(error)}); nothing was written to Connect: deploy again`;
      log('error', 'stage cannot start', { ...base, reason });
      // A Delete never writes to Connect: it may answer without the ledger.
      const outcome: Outcome = event.RequestType === 'Delete' ? { Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(stageEventOf(event)) } : failed(stageEventOf(event), reason);
      await sendAnswer(event.ResponseURL, { ...outcome, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }, { deadline: Date.now() + remaining - 200 });
      return;
    }
    if (claim.kind === 'not current') {
      log('info', 'stage event is not the current work: nothing written, nothing answered', { ...base, why: claim.why });
      return;
    }
  }

  const held = new HeldWork<StageData>(ledger, key, claim.entry, invocation);
  const stage = held.work.data.event;
  const base = { requestType: stage.RequestType, logicalId: stage.LogicalResourceId, generation: held.work.generation };
  // The ResponseURL of the event at hand, if any, else the one the ledger kept from the first delivery.
  const responseUrl = event?.ResponseURL ?? stage.ResponseURL;
  const answerBy = held.work.startedAt + stage.ServiceTimeout * 1000 * (1 - SERVICE_TIMEOUT_MARGIN);
  const window = invocationWindow(context, answerBy);

  if (claim.kind === 'redeliver') {
    log('info', 'sending the decided answer again', base);
    return deliver(held, held.work.answer!, responseUrl, window.endsAt);
  }
  if (stage.RequestType === 'Delete') {
    log('info', 'delete: identities left as they are', base);
    return finish(held, { Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(stage) }, responseUrl, window.endsAt);
  }
  const progress: StageProgress = { ...held.work.data.progress, invocations: held.work.data.progress.invocations + 1 };
  // The users done, as they end: what each lease renewal saves, so that a take-over starts near where this stopped.
  const live = { ranges: progress.done };
  const save = (change: Partial<ResourceWork<StageData>> = {}) => (work: ResourceWork<StageData>): ResourceWork<StageData> => ({
    ...work,
    ...change,
    data: { ...work.data, progress: { ...progress, done: live.ranges, failures: [...progress.failures] } },
  });

  const controller = new AbortController();
  const abortTimer = setTimeout(() => controller.abort(new Error('the invocation is ending')), Math.max(0, window.finalAt - Date.now()));
  const stop = (why: string) => controller.abort(new Error(why));
  // The holder renews its lease and saves its progress every few seconds: a crashed holder's work is free
  // again soon after, and whoever takes it over starts near where it stopped.
  const renewal = setInterval(() => {
    void held
      .update(save({ holder: { invocation, until: Math.min(window.endsAt, Date.now() + times.leaseMs) } }))
      .then((kept) => kept || stop(held.lost ?? 'the work is no longer this invocation\'s'), () => undefined);
  }, times.renewEveryMs);
  const cleanUp = () => {
    clearTimeout(abortTimer);
    clearInterval(renewal);
  };

  let work: RosterDeclaration[];
  try {
    work = await prepare(stage, progress, controller.signal);
  } catch (error) {
    cleanUp();
    const reason = error instanceof DeclarationError ? error.message : `unexpected ${errorCode(error)} while reading the declarations`;
    log('error', 'stage cannot start', { ...base, reason });
    return finish(held, failed(stage, reason), responseUrl, window.endsAt);
  }
  log('info', 'stage invocation started', { ...base, invocation: progress.invocations, usersToApply: work.length, alreadyDone: countDone(progress.done) });

  // Progress for people watching the deploy: counts only, once per interval (a fifteenth of the Lambda's
  // time: a minute in AWS), of the users this deploy of the stage goes through.
  const watched = new DeployProgress({
    stackName: stage.StackId.split('/')[1] ?? 'unknown',
    usersTotal: work.length,
    usersDoneBefore: countDone(progress.done),
    stage: stage.LogicalResourceId,
    intervalMs: Math.min(DEPLOY_PROGRESS_INTERVAL_MS, remaining / 15),
  });
  watched.start();
  let throttledSoFar = 0;
  const pacer = new Pacer(systemClock, undefined, boundedHints(continuation?.pacer));
  const sync = new UserSync({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    pacer,
    clock: systemClock,
    signal: controller.signal,
    client: connectClient,
    freshReadMs: times.freshMs,
    // Many users named by Username (a bulk-upload template, an identity provider's export): found in one listing.
    listUsernamesOf: worthListingUsernames(work),
  });
  // Just before each write, once its slot has come: is the stage still this invocation's work, for the
  // request CloudFormation waits for?
  const guard = async () => {
    if (Date.now() >= window.finalAt) throw new Error('the invocation is ending');
    if (!(await held.stillMine(times.freshMs))) {
      stop(held.lost!);
      throw new Error(held.lost);
    }
  };

  progress.done = await runPool(work, progress.done, CONCURRENCY, () => Date.now() < window.stopStartingAt && !controller.signal.aborted, async (declaration) => {
    const outcome = await sync.apply(declaration, { write: true, beforeWrite: guard });
    const throttled = Object.values(pacer.stats()).reduce((sum, stats) => sum + stats.throttled, 0);
    watched.throttled(throttled - throttledSoFar);
    throttledSoFar = throttled;
    if (outcome.kind === 'failed' && isSkipped(outcome.failure, stage.SkipUsersNotInConnect === true)) {
      // Someone the roster names who is not a Connect user (yet): counted, and named by ID or username hash only.
      progress.skipped = (progress.skipped ?? 0) + 1;
      watched.userDone('skipped');
      log('info', 'user not in Connect: skipped', { ...base, instanceId: outcome.failure.instanceId, user: outcome.failure.user });
      return;
    }
    watched.userDone(outcome.kind === 'written' ? 'written' : outcome.kind === 'failed' ? 'failed' : 'unchanged');
    if (outcome.kind === 'written') progress.written++;
    else if (outcome.kind === 'failed') {
      progress.failureCount++;
      if (outcome.failure.kind === 'user-not-found') progress.notFoundCount = (progress.notFoundCount ?? 0) + 1;
      if (progress.failures.length < MAX_CARRIED_FAILURES) progress.failures.push(outcome.failure);
      log('warn', 'user not applied', { ...base, instanceId: outcome.failure.instanceId, user: outcome.failure.user, field: outcome.failure.field, problem: outcome.failure.problem });
    } else progress.unchanged++;
  }, live);
  live.ranges = progress.done;
  cleanUp();
  watched.stop();

  const remainingUsers = work.length - countDone(progress.done);
  const skipped = progress.skipped ?? 0;
  const summary = { ...base, invocation: progress.invocations, usersToApply: work.length, remaining: remainingUsers, written: progress.written, unchanged: progress.unchanged, failed: progress.failureCount, skipped, ...flattenStats(pacer.stats()), durationMs: Date.now() - window.startedAt };
  if (held.lost) {
    log('warn', 'stage work is no longer this invocation\'s: stopped, nothing answered', { ...summary, why: held.lost });
    return;
  }
  if (remainingUsers === 0) {
    log(progress.failureCount > 0 ? 'warn' : 'info', 'stage done', summary);
    const outcome: Outcome =
      progress.failureCount > 0
        ? failed(stage, failureReason(progress.failures, progress.failureCount, work.length, { skipped, notFound: progress.notFoundCount ?? 0 }))
        : { Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(stage), Data: { Users: String(work.length), Written: String(progress.written), Skipped: String(skipped) } };
    return finish(held, outcome, responseUrl, window.endsAt, save());
  }

  if (worthHandingOver(answerBy)) {
    // The ledger hands the next generation over first: a copy of this hand-over, or a late one, finds it taken.
    const next: StageContinuation = {
      kind: CONTINUATION_KIND,
      stackId: stage.StackId,
      logicalResourceId: stage.LogicalResourceId,
      requestId: stage.RequestId,
      generation: held.work.generation + 1,
      pacer: pacer.state(),
    };
    if (!(await held.update(save({ generation: next.generation, holder: undefined, handedOverUntil: answerBy })))) {
      log('warn', 'stage work is no longer this invocation\'s: stopped, nothing answered', { ...summary, why: held.lost });
      return;
    }
    if (await handOver(next, window.endsAt)) {
      log('info', 'stage handed over to a new invocation', summary);
      return;
    }
    // An Invoke whose answer never came may still have reached Lambda: give that invocation most of what is
    // left to take the work up, then answer only if it has not.
    if (await held.takenUpBefore(window.endsAt - Math.min(2_000, (window.endsAt - Date.now()) / 2))) {
      log('info', 'stage handed over to a new invocation, although Lambda did not say so', summary);
      return;
    }
    log('error', 'stage could not hand over to a new invocation', summary);
    return finish(held, failed(stage, `could not continue the stage in a new invocation after ${work.length - remainingUsers} of ${work.length} users; deploy again to go on (users applied so far keep their identity)`), responseUrl, window.endsAt, save({ holder: { invocation, until: window.endsAt } }));
  }
  log('error', 'stage ran out of time', summary);
  return finish(
    held,
    failed(stage, `the stage ran out of the time CloudFormation waits for it (${stage.ServiceTimeout} s) after ${work.length - remainingUsers} of ${work.length} users; deploy again to go on (users applied so far keep their identity)`),
    responseUrl,
    window.endsAt,
    save(),
  );
}

function isWellFormedContinuation(payload: StageContinuation): boolean {
  return (
    typeof payload.stackId === 'string' &&
    typeof payload.logicalResourceId === 'string' &&
    typeof payload.requestId === 'string' &&
    Number.isInteger(payload.generation) &&
    payload.generation > 0
  );
}

/** Decides the answer in the ledger, then sends it. */
async function finish(held: HeldWork<StageData>, outcome: Outcome, responseUrl: string | undefined, invocationEnd: number, change: (work: ResourceWork<StageData>) => ResourceWork<StageData> = (work) => work): Promise<void> {
  if (!(await held.update((work) => ({ ...change(work), answer: outcome })))) {
    log('warn', 'stage work is no longer this invocation\'s: its answer is left to the current work', { logicalId: held.work.data.event.LogicalResourceId, why: held.lost });
    return;
  }
  return deliver(held, outcome, responseUrl, invocationEnd);
}

/**
 * Sends a decided answer, and records its delivery (dropping the ResponseURL from the ledger). An answer
 * that could not be delivered makes the invocation fail, so that Lambda tries it again: the retry finds
 * the answer decided and sends it.
 */
async function deliver(held: HeldWork<StageData>, outcome: Outcome, responseUrl: string | undefined, invocationEnd: number): Promise<void> {
  const stage = held.work.data.event;
  const fields = { requestType: stage.RequestType, logicalId: stage.LogicalResourceId, status: outcome.Status };
  if (!responseUrl) {
    log('error', 'no ResponseURL to answer CloudFormation with', fields);
    return;
  }
  const delivery = await sendAnswer(responseUrl, { ...outcome, StackId: stage.StackId, RequestId: stage.RequestId, LogicalResourceId: stage.LogicalResourceId }, { deadline: invocationEnd - 200 });
  log(delivery.delivered ? 'info' : 'error', delivery.delivered ? 'answered CloudFormation' : 'could not deliver the answer', { ...fields, answerAttempts: delivery.attempts });
  if (!delivery.delivered) throw new Error('the answer could not be delivered; Lambda will try again');
  await held
    .update((work) => ({ ...work, delivered: true, holder: undefined, data: { ...work.data, event: { ...work.data.event, ResponseURL: undefined } } }))
    .catch(() => undefined);
}

function newProgress(): StageProgress {
  return { done: [], failures: [], failureCount: 0, written: 0, unchanged: 0, invocations: 0, invalidCounted: false };
}

/** What the ledger keeps of a stage's event: no user list, no identity value. */
function stageEventOf(event: CloudFormationCustomResourceEvent): StageEvent {
  const properties = event.ResourceProperties as Partial<RosterStageResourceProperties> | undefined;
  const old = 'OldResourceProperties' in event ? (event.OldResourceProperties as Partial<RosterStageResourceProperties> | undefined) : undefined;
  return {
    RequestType: event.RequestType,
    ResponseURL: event.ResponseURL,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...('PhysicalResourceId' in event && event.PhysicalResourceId ? { PhysicalResourceId: event.PhysicalResourceId } : {}),
    ...(isLocation(properties?.Declarations) ? { Declarations: properties!.Declarations } : {}),
    ...(isLocation(old?.Declarations) ? { OldDeclarations: old!.Declarations } : {}),
    ServiceTimeout: serviceTimeoutOf(properties),
    ...(skipsUsersNotInConnect(properties) ? { SkipUsersNotInConnect: true } : {}),
  };
}

function isLocation(value: unknown): value is DeclarationLocation {
  const location = value as Partial<DeclarationLocation> | undefined;
  return typeof location?.Bucket === 'string' && typeof location?.Key === 'string' && location.Bucket !== '' && location.Key !== '';
}

/** The users the stage must apply: on Update, those new or changed since the previous file; invalid ones are failures. */
async function prepare(stage: StageEvent, progress: StageProgress, signal: AbortSignal): Promise<RosterDeclaration[]> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!stage.Declarations) throw new DeclarationError("ResourceProperties.Declarations must name the declaration file's Bucket and Key");
  const current = await readDeclarationFile(stage.Declarations, region, signal);
  let previous: RosterDeclaration[] | undefined;
  if (stage.RequestType === 'Update') {
    try {
      if (!stage.OldDeclarations) throw new DeclarationError("OldResourceProperties.Declarations must name the declaration file's Bucket and Key");
      previous = (await readDeclarationFile(stage.OldDeclarations, region, signal)).declarations;
    } catch (error) {
      if (!(error instanceof DeclarationError)) throw error;
      // Without the previous file, every user is looked at: read, and written only where it differs.
      log('warn', 'previous declaration file unreadable; checking every user of the stage', { logicalId: stage.LogicalResourceId, reason: error.message });
    }
  }
  const invalid = new Set(current.invalid.map((entry) => entry.index));
  if (!progress.invalidCounted) {
    progress.invalidCounted = true;
    progress.failureCount += current.invalid.length;
    for (const { index, problems } of current.invalid) {
      if (progress.failures.length >= MAX_CARRIED_FAILURES) break;
      progress.failures.push({
        ...nameOf(current.declarations[index]),
        field: problems.map((problem) => problem.field).join(', '),
        problem: `the declaration file holds an invalid declaration: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`,
      });
    }
  }
  return changedDeclarations(current.declarations, previous)
    .filter((index) => !invalid.has(index))
    .map((index) => current.declarations[index]);
}

/** How a failure names a declaration that may be malformed: only parts shaped like IDs are printed. */
function nameOf(declaration: Partial<RosterDeclaration> | undefined): { instanceId: string; user: string } {
  const instance = typeof declaration?.InstanceId === 'string' ? bareInstanceId(declaration.InstanceId) : undefined;
  const instanceId = hasInstanceIdShape(instance) ? instance : 'the declared instance';
  if (isUserId(declaration?.UserId)) return { instanceId, user: declaration.UserId };
  if (typeof declaration?.Username === 'string' && declaration.UserId === undefined) return { instanceId, user: userKey({ InstanceId: declaration.InstanceId ?? '', Username: declaration.Username }) };
  return { instanceId, user: 'a user' };
}

function serviceTimeoutOf(properties: Partial<RosterStageResourceProperties> | undefined): number {
  const value = Number(properties?.ServiceTimeout);
  return Number.isFinite(value) && value > 0 ? Math.min(value, DEFAULT_SERVICE_TIMEOUT_S) : DEFAULT_SERVICE_TIMEOUT_S;
}

/** A stage's physical ID: its logical ID, kept across updates (a new one would read as a replacement). */
function physicalIdOf(stage: StageEvent): string {
  return stage.PhysicalResourceId || `connect-user-roster-${stage.LogicalResourceId}`;
}

function failed(stage: StageEvent, reason: string): Outcome {
  return { Status: 'FAILED', Reason: reason, PhysicalResourceId: physicalIdOf(stage) };
}

/** Requests sent and throttled by operation, as flat log fields. */
function flattenStats(stats: Record<string, { sent: number; throttled: number }>): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const [operation, counts] of Object.entries(stats)) {
    fields[`${operation}Sent`] = counts.sent;
    if (counts.throttled) fields[`${operation}Throttled`] = counts.throttled;
  }
  return fields;
}

/**
 * Whether a stage skips a failed user rather than failing for it: only a user Connect does not know (no
 * user with its ID, or its Username, in the instance), and only when the roster asks to skip those.
 */
export function isSkipped(failure: UserFailure, skipUsersNotInConnect: boolean): boolean {
  return skipUsersNotInConnect && failure.kind === 'user-not-found';
}

/** Byte budget of a stage's Reason: CloudFormation keeps 4 KiB of an answer, with its other fields. */
const REASON_BYTES = 3_000;
/** Users not found in Connect that a Reason names; the others are counted. */
const NOT_FOUND_LISTED = 15;

/**
 * The Reason of a stage with failed users: how many, then each user by instance, ID and field, as many
 * as fit, then how many more (the handler's log lists every one). Users that Connect does not know are
 * told apart, after the others: the first {@link NOT_FOUND_LISTED} by instance and ID, then their count,
 * and how to skip such users when the roster names people who are not agents.
 */
export function failureReason(failures: readonly UserFailure[], failureCount: number, total: number, counts: { readonly skipped?: number; readonly notFound?: number } = {}): string {
  const notFound = failures.filter((failure) => failure.kind === 'user-not-found');
  const others = failures.filter((failure) => failure.kind !== 'user-not-found');
  const notFoundCount = Math.max(counts.notFound ?? 0, notFound.length);
  const skipped = counts.skipped ?? 0;
  const notFoundPart = notFoundCount > 0 ? notFoundReason(notFound, notFoundCount) : '';
  const head = `${failureCount} of ${total} users could not be applied; fix them and deploy again (the others were applied${skipped > 0 ? `, ${skipped} not in Connect skipped` : ''}): `;
  const othersCount = failureCount - notFoundCount;
  let reason = head;
  let listed = 0;
  for (const failure of others) {
    const item = `${listed > 0 ? '; ' : ''}user ${failure.user} in instance ${failure.instanceId}: ${failure.field}: ${failure.problem}`;
    const tail = ` ... and ${othersCount - listed - 1} more (the handler's log lists each)`;
    if (Buffer.byteLength(reason + item + tail + notFoundPart) > REASON_BYTES) break;
    reason += item;
    listed++;
  }
  if (listed < othersCount) reason += `${listed > 0 ? ' ... and' : ''} ${othersCount - listed} more (the handler's log lists each)`;
  if (notFoundPart) reason += `${listed > 0 || listed < othersCount ? '. ' : ''}${notFoundPart}`;
  return reason;
}

/** The part of a Reason about users that Connect does not know. */
function notFoundReason(notFound: readonly UserFailure[], count: number): string {
  const named = notFound.slice(0, NOT_FOUND_LISTED).map((failure) => `user ${failure.user} in instance ${failure.instanceId}`);
  const more = count > named.length ? ` ... and ${count - named.length} more (the handler's log lists each)` : '';
  return (
    `${count} ${count === 1 ? 'is' : 'are'} not in Connect (no such user in the instance): ${named.join('; ')}${more}. ` +
    'If the roster names people who are not Connect users, set skipUsersNotInConnect to skip them'
  );
}
