/**
 * The drift check: compares every declared field of every user the stack declares with what Connect
 * holds now, reports each user whose declared fields differ (IDs and field names, never values), and,
 * when correction is on, writes the declared fields back with the deploy path's own merge and pacing.
 *
 * It reads the declaration that is deployed now, where the deploy path reads it: the stack's current
 * template (for users declared one resource each) and the roster stages' declaration files that
 * template names. It makes no copy of any value. A check that finds the stack being updated or rolled
 * back changes nothing; a check that sees a deploy start stops before its next write.
 */
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { DRIFT_METRICS } from '../../lib/drift-metrics';
import { containsDynamicReference } from '../../lib/identity-rules';
import { RESOURCE_TYPE } from '../../lib/resource-properties';
import { bareInstanceId, DeclarationLocation, ROSTER_STAGE_RESOURCE_TYPE, RosterDeclaration, userKey } from '../../lib/roster-declarations';
import { connectClient } from '../../core/connect-clients';
import { readDeclarationFile } from '../runtime/declarations';
import { DeclarationError } from '../../core/failure-reasons';
import { log } from '../../core/log';
import { countDone, DoneRanges, handOver, invocationWindow, runPool, worthHandingOver } from '../runtime/long-run';
import { Pacer, PacerState, systemClock } from '../../core/pacer';
import { UserSync } from '../../core/user-sync';

/** What starts a check: the schedule, or a person (`aws lambda invoke`). */
export interface DriftCheckRequest {
  readonly action: 'check-drift';
  /** When the schedule fired (ISO 8601); absent for a check run on demand. */
  readonly scheduledAt?: string;
  /**
   * How long the check may go on, from `scheduledAt` (or its start, on demand), before it stops
   * unfinished: the construct sets it shorter than the time to the next scheduled check.
   */
  readonly maxDurationSeconds?: number;
  /**
   * The schedule's interval, as rules written before `maxDurationSeconds` send it (one may still fire
   * while a deploy replaces it): the check stops at 95% of it.
   */
  readonly intervalSeconds?: number;
}

/** Marks a payload as the continuation of a check. */
export const DRIFT_CONTINUATION_KIND = 'connect-user-drift/continuation';

/** What one invocation of a check hands to the next: positions, counts and rates, never a value. */
export interface DriftContinuation {
  readonly kind: typeof DRIFT_CONTINUATION_KIND;
  readonly startedAt: number;
  /** The check stops, unfinished, at this time (epoch ms): before the next scheduled check. */
  readonly mustEndBy: number;
  /** The stack's last update when the check began: a later one means a newer declaration. */
  readonly stackUpdatedAt: string;
  readonly invocations: number;
  readonly done: DoneRanges;
  readonly counts: DriftCounts;
  readonly pacer: Record<string, PacerState>;
}

/** Counts of a check, in all. */
export interface DriftCounts {
  /** Declared users (checked or not). */
  users: number;
  /** Users compared with Connect. */
  checked: number;
  /** Users whose declared fields differ from Connect's. */
  drifted: number;
  /** Drifted users written back. */
  corrected: number;
  /** Users that could not be checked or corrected (not found, access denied, a value Connect refuses). */
  failed: number;
  /** Users whose declaration holds a value only CloudFormation can resolve (a parameter, a dynamic reference). */
  notChecked: number;
}

/** The answer of an invocation: what the check came to so far, without any value. */
export interface DriftSummary extends DriftCounts {
  /** `completed`; `continuing` in another invocation; `skipped` (the stack is being deployed, ...); `stopped` before the end. */
  readonly status: 'completed' | 'continuing' | 'skipped' | 'stopped';
  readonly reason?: string;
}

/** Whether a payload is a drift check request or a continuation of one. */
export function isDriftCheck(payload: unknown): payload is DriftCheckRequest | DriftContinuation {
  const value = payload as { action?: unknown; kind?: unknown } | null;
  return value?.action === 'check-drift' || value?.kind === DRIFT_CONTINUATION_KIND;
}

const CONCURRENCY = 64;
/** How long a stack status read before a write stays good. */
const STATUS_FRESH_MS = 1_000;
/** Without a schedule, how long an on-demand check may go on. */
const ON_DEMAND_LIMIT_MS = 3_600_000;

let cloudFormation: CloudFormationClient | undefined;

/** The stack's status and last update, as CloudFormation reports them. */
interface StackState {
  readonly status: string;
  readonly updatedAt: string;
}

/** When a newly requested check must end: its time limit, from when its schedule fired or it started. */
export function endOfRequest(request: DriftCheckRequest | undefined, startedAt: number): number {
  const scheduledAt = request?.scheduledAt ? Date.parse(request.scheduledAt) : Number.NaN;
  const from = Number.isFinite(scheduledAt) ? scheduledAt : startedAt;
  if (typeof request?.maxDurationSeconds === 'number' && request.maxDurationSeconds > 0) return from + request.maxDurationSeconds * 1000;
  if (typeof request?.intervalSeconds === 'number' && request.intervalSeconds > 0 && Number.isFinite(scheduledAt)) {
    return scheduledAt + request.intervalSeconds * 1000 * 0.95;
  }
  return startedAt + ON_DEMAND_LIMIT_MS;
}

/** Lambda entry point of the drift check. */
export async function checkDrift(payload: DriftCheckRequest | DriftContinuation, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DriftSummary> {
  if (!isDriftCheck(payload)) throw new Error('not a drift check request: invoke with {"action":"check-drift"}');
  const stackId = process.env.STACK_ID;
  if (!stackId) throw new Error('STACK_ID is not set');
  const correct = process.env.CORRECT_DRIFT === 'true';
  const continuation = (payload as DriftContinuation).kind === DRIFT_CONTINUATION_KIND ? (payload as DriftContinuation) : undefined;
  const request = continuation ? undefined : (payload as DriftCheckRequest);
  const startedAt = continuation?.startedAt ?? Date.now();
  const mustEndBy = continuation?.mustEndBy ?? endOfRequest(request, startedAt);
  const window = invocationWindow(context, mustEndBy);
  const invocation = (continuation?.invocations ?? 0) + 1;
  const base = { check: 'drift', invocation, correct };
  cloudFormation ??= new CloudFormationClient({ region: process.env.AWS_REGION, maxAttempts: 5 });

  const counts: DriftCounts = continuation ? { ...continuation.counts } : { users: 0, checked: 0, drifted: 0, corrected: 0, failed: 0, notChecked: 0 };
  const before = { ...counts };
  const finish = (status: DriftSummary['status'], reason?: string): DriftSummary => {
    publishMetrics(counts, before);
    const summary: DriftSummary = { status, ...(reason ? { reason } : {}), ...counts };
    log(status === 'completed' || status === 'continuing' ? 'info' : 'warn', `drift check ${status}`, { ...base, ...counts, reason, durationMs: Date.now() - window.startedAt });
    return summary;
  };

  const stack = await stackState(stackId);
  if (/_IN_PROGRESS$/.test(stack.status)) {
    return finish('skipped', `the stack is ${stack.status}: a check changes nothing while it is being deployed or rolled back`);
  }
  if (!/^(CREATE|UPDATE|IMPORT)_COMPLETE$|^UPDATE_ROLLBACK_COMPLETE$/.test(stack.status)) {
    return finish('skipped', `the stack is ${stack.status}: there is no deployed declaration to check against`);
  }
  if (continuation && continuation.stackUpdatedAt !== stack.updatedAt) {
    return finish('stopped', 'the stack was deployed since the check began; the next check uses the new declaration');
  }

  let work: RosterDeclaration[];
  try {
    const declared = await deployedDeclarations(stackId);
    work = declared.checkable;
    if (!continuation) {
      counts.users = declared.checkable.length + declared.notChecked.length;
      counts.notChecked = declared.notChecked.length;
      for (const logicalId of declared.notChecked) log('info', 'user not checked: its declaration holds a value only CloudFormation resolves', { ...base, logicalId });
    }
  } catch (error) {
    const reason = error instanceof DeclarationError ? error.message : `could not read the deployed declaration (${error instanceof Error ? error.name : typeof error})`;
    return finish('stopped', reason);
  }

  const controller = new AbortController();
  const abortTimer = setTimeout(() => controller.abort(new Error('the invocation is ending')), Math.max(0, window.finalAt - Date.now()));
  let stopReason: string | undefined;
  let lastStatus = { at: Date.now(), state: stack };
  /** Before each correction: the stack must still be at rest, and at the declaration this check read. */
  const guard = async () => {
    if (Date.now() - lastStatus.at > STATUS_FRESH_MS) lastStatus = { at: Date.now(), state: await stackState(stackId) };
    if (lastStatus.state.status !== stack.status || lastStatus.state.updatedAt !== stack.updatedAt) {
      stopReason ??= `the stack went ${lastStatus.state.status} during the check; stopped before writing anything more`;
      controller.abort(new Error(stopReason));
      throw new Error(stopReason);
    }
  };
  const pacer = new Pacer(systemClock, undefined, continuation?.pacer);
  const sync = new UserSync({
    region: process.env.AWS_REGION ?? 'us-east-1',
    pacer,
    clock: systemClock,
    signal: controller.signal,
    client: connectClient,
  });
  const done = await runPool(work, continuation?.done ?? [], CONCURRENCY, () => Date.now() < window.stopStartingAt && !controller.signal.aborted, async (declaration) => {
    // A refused write (a deploy started) rejects, and leaves the user not done.
    const outcome = await sync.apply(declaration, { write: correct, beforeWrite: guard });
    const who = { instanceId: bareInstanceId(declaration.InstanceId), user: userKey(declaration) };
    if (outcome.kind === 'failed') {
      counts.failed++;
      log('warn', 'user could not be checked', { ...base, ...who, field: outcome.failure.field, problem: outcome.failure.problem });
      return;
    }
    counts.checked++;
    if (outcome.kind === 'differs' || outcome.kind === 'written') {
      counts.drifted++;
      if (outcome.kind === 'written') counts.corrected++;
      log('warn', 'drift', { ...base, ...who, fields: outcome.changedFields, corrected: outcome.kind === 'written' });
    }
  });
  clearTimeout(abortTimer);
  if (stopReason) return finish('stopped', stopReason);

  const remaining = work.length - countDone(done);
  if (remaining === 0) return finish('completed');
  if (!worthHandingOver(mustEndBy)) {
    return finish('stopped', `${remaining} of ${work.length} users were left unchecked: the check must end before the next one is due`);
  }
  const next: DriftContinuation = {
    kind: DRIFT_CONTINUATION_KIND,
    startedAt,
    mustEndBy,
    stackUpdatedAt: stack.updatedAt,
    invocations: invocation,
    done,
    counts,
    pacer: pacer.state(),
  };
  if (await handOver(next, window.endsAt)) return finish('continuing');
  return finish('stopped', `could not continue in a new invocation; ${remaining} of ${work.length} users were left unchecked`);
}

async function stackState(stackId: string): Promise<StackState> {
  const described = await cloudFormation!.send(new DescribeStacksCommand({ StackName: stackId }));
  const stack = described.Stacks?.[0];
  if (!stack?.StackStatus) throw new DeclarationError('DescribeStacks did not report the stack');
  return { status: stack.StackStatus, updatedAt: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString() ?? '' };
}

/**
 * The declarations of the stack's current template: roster stages' files, and users declared one
 * resource each when every value of theirs is a literal; the others are listed as not checked.
 */
async function deployedDeclarations(stackId: string): Promise<{ checkable: RosterDeclaration[]; notChecked: string[] }> {
  const got = await cloudFormation!.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }));
  let template: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  try {
    template = JSON.parse(got.TemplateBody ?? '{}');
  } catch {
    throw new DeclarationError('the deployed template is not JSON');
  }
  const [, partition, , region, account] = stackId.split(':');
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': partition };
  const resources = Object.entries(template.Resources ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const checkable: RosterDeclaration[] = [];
  const notChecked: string[] = [];
  for (const [logicalId, resource] of resources) {
    const properties = resource.Properties ?? {};
    if (resource.Type === ROSTER_STAGE_RESOURCE_TYPE) {
      const location = properties.Declarations as { Bucket?: unknown; Key?: unknown } | undefined;
      const bucket = substitute(location?.Bucket, pseudo);
      if (typeof bucket !== 'string' || typeof location?.Key !== 'string') throw new DeclarationError(`${logicalId}: its declaration file cannot be located`);
      const file = await readDeclarationFile({ Bucket: bucket, Key: location.Key } as DeclarationLocation, region, new AbortController().signal);
      checkable.push(...file.declarations);
    } else if (resource.Type === RESOURCE_TYPE) {
      const declaration = literalDeclaration(properties);
      if (declaration) checkable.push(declaration);
      else notChecked.push(logicalId);
    }
  }
  return { checkable, notChecked };
}

/** `Fn::Sub` of pseudo parameters only (the asset bucket's name); anything else is left unresolved. */
function substitute(value: unknown, pseudo: Record<string, string>): unknown {
  if (typeof value === 'string') return value;
  const template = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof template !== 'string') return undefined;
  let unresolved = false;
  const resolved = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? ((unresolved = true), ''));
  return unresolved ? undefined : resolved;
}

/** A user resource's declaration when every value of it is a literal that needs no CloudFormation. */
function literalDeclaration(properties: Record<string, unknown>): RosterDeclaration | undefined {
  const literal = (value: unknown) => typeof value === 'string' && !containsDynamicReference(value);
  const info = properties.IdentityInfo as Record<string, unknown> | undefined;
  if (!literal(properties.InstanceId)) return undefined;
  if (properties.UserId !== undefined ? !literal(properties.UserId) : !literal(properties.Username)) return undefined;
  if (!info || typeof info !== 'object' || !Object.values(info).every(literal)) return undefined;
  return {
    InstanceId: properties.InstanceId as string,
    ...(properties.UserId !== undefined ? { UserId: properties.UserId as string } : { Username: properties.Username as string }),
    IdentityInfo: info as RosterDeclaration['IdentityInfo'],
  };
}

/** Publishes, in the Embedded Metric Format, what this invocation added to the counts. */
function publishMetrics(counts: DriftCounts, before: DriftCounts): void {
  const metrics = new Metrics({ namespace: DRIFT_METRICS.namespace, serviceName: DRIFT_METRICS.service });
  metrics.addDimension('StackName', process.env.STACK_NAME ?? 'unknown');
  const add = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
  add(DRIFT_METRICS.checked, counts.checked - before.checked);
  add(DRIFT_METRICS.drifted, counts.drifted - before.drifted);
  add(DRIFT_METRICS.corrected, counts.corrected - before.corrected);
  add(DRIFT_METRICS.failed, counts.failed - before.failed);
  add(DRIFT_METRICS.notChecked, counts.notChecked - before.notChecked);
  metrics.publishStoredMetrics();
}
