/**
 * The custom resources' function: `Custom::ConnectUserIdentity` events here, and roster stages
 * (`Custom::ConnectUserRoster`, and their hand-overs) in roster-stage.ts. It answers CloudFormation
 * itself, exactly once per event and always before the Lambda's own timeout: a thrown error, a hung
 * call or a malformed event all end in a FAILED answer with a Reason that names IDs and fields, never
 * identity values.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { ROSTER_STAGE_RESOURCE_TYPE } from '../../lib/roster-declarations';
import { ATTRIBUTES, physicalResourceId } from '../../lib/resource-properties';
import { CloudFormationAnswer, sendAnswer } from '../runtime/cloudformation-response';
import { DeclarationError, errorCode } from '../../core/failure-reasons';
import { Budget, parseProperties, Progress, syncUserIdentity } from './identity-sync';
import { log } from '../../core/log';
import { randomUUID } from 'node:crypto';
import { Ledger, ledgerFromEnvironment } from '../runtime/ledger';
import { invocationTimings } from '../runtime/long-run';
import { resourceState } from '../runtime/stack-state';
import { Claim, claimEvent, HeldWork, Outcome, resourceKey } from './resource-work';
import { handleRosterStage, isContinuation, StageContinuation } from './roster-stage';

/** Time kept back from the work for sending the answer. */
const ANSWER_RESERVE_MS = 5_000;
/** Below this much time for the work, the handler does not start it and fails at once. */
const MINIMUM_WORK_MS = 500;
/** CloudFormation's wait for a custom resource when the properties do not say (its maximum). */
const DEFAULT_SERVICE_TIMEOUT_S = 3_600;
/** Part of the ServiceTimeout kept back, so that the answer arrives while CloudFormation still waits. */
const SERVICE_TIMEOUT_MARGIN = 0.05;

/** Lambda entry point. */
export async function handler(
  event: CloudFormationCustomResourceEvent | StageContinuation,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<void> {
  // Roster stages, and their continuations from a previous invocation, have a handler of their own.
  if (isContinuation(event) || event?.ResourceType === ROSTER_STAGE_RESOURCE_TYPE) return handleRosterStage(event, context);
  const startedAt = Date.now();
  const hardDeadline = startedAt + context.getRemainingTimeInMillis();
  const responseUrl = typeof event?.ResponseURL === 'string' ? event.ResponseURL : undefined;
  const base = {
    requestType: typeof event?.RequestType === 'string' ? event.RequestType : undefined,
    logicalId: typeof event?.LogicalResourceId === 'string' ? event.LogicalResourceId : undefined,
  };
  if (!responseUrl) {
    // Nowhere to answer: say so in the log and let the invocation fail, so the error is visible.
    log('error', 'event has no ResponseURL; cannot answer CloudFormation', base);
    throw new Error('event has no ResponseURL');
  }
  const send = async (outcome: Outcome): Promise<boolean> => {
    const answer: CloudFormationAnswer = {
      ...outcome,
      StackId: String(event.StackId ?? ''),
      RequestId: String(event.RequestId ?? ''),
      LogicalResourceId: String(event.LogicalResourceId ?? ''),
    };
    const delivery = await sendAnswer(responseUrl, answer, { deadline: hardDeadline - 200 });
    log(delivery.delivered ? 'info' : 'error', delivery.delivered ? 'answered CloudFormation' : 'could not deliver the answer', {
      ...base,
      status: answer.Status,
      answerAttempts: delivery.attempts,
      lastAnswerStatus: delivery.lastStatus,
      durationMs: Date.now() - startedAt,
    });
    return delivery.delivered;
  };
  // An event that cannot name its work has nothing to claim: it is answered as it is, and changes nothing.
  if (!['Create', 'Update', 'Delete'].includes(event.RequestType)) return void (await send(failed(event, 'unknown RequestType; expected Create, Update or Delete')));
  if (!isNamedEvent(event)) return void (await send(failed(event, 'the event lacks its StackId, LogicalResourceId or RequestId')));

  // Too short a Lambda for any work: say so at once (nothing is written, so the ledger need not be asked).
  if (Math.min(ANSWER_RESERVE_MS, (hardDeadline - startedAt) / 2) > hardDeadline - startedAt - MINIMUM_WORK_MS) {
    return void (await send(failed(event, `only ${hardDeadline - startedAt} ms were left when the handler started; raise the handler's timeout`)));
  }

  // Is this the current work of the resource? (A copy of an event, or a late one, does nothing.)
  const invocation = randomUUID();
  const times = invocationTimings(hardDeadline - startedAt);
  const key = resourceKey(event.StackId, event.LogicalResourceId);
  let ledger: Ledger;
  let claim: Claim<undefined>;
  try {
    ledger = ledgerFromEnvironment();
    claim = await claimEvent<undefined>(ledger, key, event, { invocation, leaseUntil: Date.now() + times.leaseMs }, () => resourceState(event.StackId, event.LogicalResourceId), () => undefined);
  } catch (error) {
    const reason = `the work ledger could not be read or written (${errorCode(error)}); nothing was written to Connect: deploy again`;
    log('error', 'event cannot be checked against the ledger', { ...base, reason });
    // A Delete never writes to Connect: it may answer without the ledger.
    return void (await send(event.RequestType === 'Delete' ? onDelete(event) : failed(event, reason)));
  }
  if (claim.kind === 'not current') {
    log('info', 'event is not the current work: nothing written, nothing answered', { ...base, why: claim.why });
    return;
  }
  const held = new HeldWork<undefined>(ledger, key, claim.entry, invocation);
  const deliver = async (outcome: Outcome) => {
    if (!(await send(outcome))) throw new Error('the answer could not be delivered; Lambda will try again');
    await held.update((work) => ({ ...work, delivered: true, holder: undefined })).catch(() => undefined);
  };
  if (claim.kind === 'redeliver') {
    log('info', 'sending the decided answer again', base);
    return deliver(held.work.answer!);
  }

  // The work must end before CloudFormation stops waiting (counted from when it started, in its clock) and
  // before this invocation's end.
  const answerBy = held.work.startedAt + serviceTimeoutOf(event) * 1000 * (1 - SERVICE_TIMEOUT_MARGIN);
  const end = Math.min(hardDeadline, answerBy);
  const reserve = Math.min(ANSWER_RESERVE_MS, (end - startedAt) / 2);
  const workDeadline = end - reserve;
  const controller = new AbortController();
  const progress: Progress = { step: 'starting', calls: {} };
  // The holder renews its lease while it works: a crashed holder's work is free again soon after.
  const renewal = setInterval(() => {
    void held.update((work) => ({ ...work, holder: { invocation, until: Math.min(hardDeadline, Date.now() + times.leaseMs) } })).catch(() => undefined);
  }, times.renewEveryMs);
  // Just before the write: is this still the resource's current work?
  const beforeWrite = async () => {
    if (!(await held.stillMine(times.freshMs))) throw new DeclarationError(`the request is no longer the current one (${held.lost}); nothing was written`);
  };

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      resolve(failed(event, `timed out ${describeProgress(progress)}; deploy again, or raise the handler's timeout`));
    }, Math.max(0, workDeadline - Date.now()));
  });
  const outcome = await Promise.race([
    workDeadline - Date.now() < MINIMUM_WORK_MS
      ? Promise.resolve(failed(event, `only ${Math.max(0, end - startedAt)} ms were left when the handler started; raise the handler's timeout`))
      : respond(event, { deadline: workDeadline, signal: controller.signal, beforeWrite }, progress),
    timedOut,
  ]);
  clearTimeout(timer);
  clearInterval(renewal);
  controller.abort(new Error('the answer has been decided'));

  // The answer is decided in the ledger first: only the current work answers, and a retry sends the same.
  if (!(await held.update((work) => ({ ...work, answer: outcome, holder: { invocation, until: hardDeadline } })))) {
    log('warn', 'the work is no longer this invocation\'s: its answer is left to the current work', { ...base, why: held.lost });
    return;
  }
  return deliver(outcome);
}

/** Whether an event names its work: its stack, resource and request. */
function isNamedEvent(event: CloudFormationCustomResourceEvent): boolean {
  return typeof event?.StackId === 'string' && typeof event.LogicalResourceId === 'string' && typeof event.RequestId === 'string';
}

function serviceTimeoutOf(event: CloudFormationCustomResourceEvent): number {
  const value = Number((event.ResourceProperties as { ServiceTimeout?: unknown } | undefined)?.ServiceTimeout);
  return Number.isFinite(value) && value > 0 ? Math.min(value, DEFAULT_SERVICE_TIMEOUT_S) : DEFAULT_SERVICE_TIMEOUT_S;
}

async function respond(event: CloudFormationCustomResourceEvent, budget: Budget, progress: Progress): Promise<Outcome> {
  const requestType = event.RequestType;
  try {
    switch (requestType) {
      case 'Create':
      case 'Update':
        return await onCreateOrUpdate(event, budget, progress);
      case 'Delete':
        return onDelete(event);
      default:
        return failed(event, `unknown RequestType; expected Create, Update or Delete`);
    }
  } catch (error) {
    if (error instanceof DeclarationError) {
      log('warn', 'declaration failed', { requestType, logicalId: event.LogicalResourceId, reason: error.message });
      return failed(event, error.message);
    }
    if (budget.signal.aborted) return failed(event, `timed out ${describeProgress(progress)}`);
    // An unexpected error: report its kind, never its message or stack, which can quote request or
    // response data.
    const kind = errorCode(error);
    log('error', 'unexpected error', { requestType, logicalId: event.LogicalResourceId, errorName: kind });
    return failed(event, `unexpected ${kind} ${describeProgress(progress)}; deploy again, and if it recurs, report it with the handler's log`);
  }
}

async function onCreateOrUpdate(event: CloudFormationCustomResourceEvent, budget: Budget, progress: Progress): Promise<Outcome> {
  const props = parseProperties(event.ResourceProperties);
  const startedAt = Date.now();
  const result = await syncUserIdentity(props, budget, progress);
  log('info', result.wrote ? 'identity updated' : 'identity already matched; nothing written', {
    requestType: event.RequestType,
    logicalId: event.LogicalResourceId,
    instanceId: result.instanceId,
    userId: result.userId,
    changedFields: result.changedFields,
    ...flattenCalls(result.calls),
    durationMs: Date.now() - startedAt,
  });
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: physicalResourceId(result.instanceId, result.userId),
    NoEcho: true,
    Data: { [ATTRIBUTES.userId]: result.userId, [ATTRIBUTES.userArn]: result.userArn },
  };
}

/**
 * Delete leaves the user as it is: the stack stops managing the identity, and nobody's name or email
 * is erased. It never calls Connect, so it also succeeds after a failed Create or for an ID it did not issue.
 */
function onDelete(event: CloudFormationCustomResourceEvent): Outcome {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
  log('info', 'delete: identity left as it is', { requestType: 'Delete', logicalId: event.LogicalResourceId });
  return { Status: 'SUCCESS', PhysicalResourceId: physicalId || failedCreateId(event) };
}

function failed(event: CloudFormationCustomResourceEvent, reason: string): Outcome {
  const existing = event && 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
  // An Update or Delete must keep its physical ID, or CloudFormation would read the failure as a replacement.
  return { Status: 'FAILED', Reason: reason, PhysicalResourceId: existing || failedCreateId(event) };
}

/** The physical ID of a Create that failed: never of the `<instance>/<user>` form, and free of personal data. */
function failedCreateId(event: CloudFormationCustomResourceEvent): string {
  return `failed-create-${String(event?.RequestId ?? 'unknown')}`;
}

function describeProgress(progress: Progress): string {
  const calls = Object.entries(progress.calls)
    .map(([operation, stats]) => `${operation}: ${stats.attempts} attempts, ${stats.throttled} throttled`)
    .join('; ');
  return calls ? `${progress.step} (${calls})` : progress.step;
}

function flattenCalls(calls: Progress['calls']): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const [operation, stats] of Object.entries(calls)) {
    fields[`${operation}Attempts`] = stats.attempts;
    if (stats.throttled) fields[`${operation}Throttled`] = stats.throttled;
  }
  return fields;
}
