/**
 * The drift check: compares the declared fields of the users the stack declares with what Connect
 * holds, reports each user whose declared fields differ (IDs and field names, never values), and, when
 * correction is on, writes the declared fields back with the deploy path's own merge and pacing.
 *
 * It is incremental (coverage.ts): it lists each declared instance's users (`ListUsers`, 1,000 a page)
 * and reads (`DescribeUser`) only those modified since the moment they were last known to match, those
 * declared anew or differently since, and those it could not check or must correct. A full re-read
 * (`{"action":"check-drift","full":true}`, and its own schedule) reads every user. A check of just one
 * edited user starts when CloudTrail reports a user change (edit-check.ts).
 *
 * It reads the declaration that is deployed now, where the deploy path reads it (deployed-declarations.ts),
 * and makes no copy of any value. It works only while the stack rests at that declaration (stack-watch.ts).
 * Which check is current, and who works on it, the ledger decides (check-work.ts): a payload names a check
 * and carries pacing hints, nothing else.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { DRIFT_METRICS } from '../../lib/drift-metrics';
import { bareInstanceId, RosterDeclaration, userKey } from '../../lib/roster-declarations';
import { connectClient } from '../../core/connect-clients';
import { DeclarationError, errorCode } from '../../core/failure-reasons';
import { log } from '../../core/log';
import { UserFailed } from '../../core/paced-calls';
import { Pacer, PacerState, systemClock } from '../../core/pacer';
import { addByUsername, listUserPages } from '../../core/user-listing';
import { UserSync } from '../../core/user-sync';
import { ledgerFromEnvironment } from '../runtime/ledger';
import { boundedHints, countDone, fromRanges, handOver, invocationTimings, invocationWindow, runPool, toRanges, worthHandingOver } from '../runtime/long-run';
import { stackState } from '../runtime/stack-state';
import { CheckClaim, CheckCounts, checkKey, CheckRecord, CheckRequest, CheckStatus, claimHandOver, claimRequest, emptyCounts, HeldCheck, oldestCovered } from './check-work';
import { exceptionCount, Finding, InstanceKnowledge, MAX_EXCEPTIONS, passFor, WorkingPass } from './coverage';
import { DeclaredInstance, deployedDeclaration, DeployedDeclaration, unchangedSince } from './deployed-declarations';
import { checkEditedUser, isEditEvent } from './edit-check';
import { isAtRest, StackChanged, StackWatch } from './stack-watch';

/** What starts a check: a schedule, or a person (`aws lambda invoke`). */
export interface DriftCheckRequest {
  readonly action: 'check-drift';
  /** Whether to read every declared user (a full re-read), whatever is known. */
  readonly full?: boolean;
  /** When the schedule fired (ISO 8601); absent for a check run on demand. */
  readonly scheduledAt?: string;
  /** The scheduled event's ID: copies of one event are one check. */
  readonly eventId?: string;
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

/** What one invocation of a check hands to the next: which check and generation, and pacing hints. Nothing else. */
export interface DriftContinuation {
  readonly kind: typeof DRIFT_CONTINUATION_KIND;
  readonly checkId: string;
  readonly generation: number;
  /** Each operation's pacing when the previous invocation stopped: a hint, bounded on arrival. */
  readonly pacer?: Record<string, PacerState>;
}

/** The answer of an invocation: what the check came to so far, without any value. */
export interface DriftSummary extends CheckCounts {
  /**
   * `completed`; `continuing` in another invocation; `skipped` (the stack is being deployed, ...);
   * `stopped` before the end (the next check goes on from where it stopped); `ignored` (not the current
   * check: a copy, a late or forged payload).
   */
  readonly status: 'completed' | 'continuing' | 'skipped' | 'stopped' | 'ignored';
  /** Whether every declared user was to be read. */
  readonly full: boolean;
  readonly reason?: string;
  /** Edits made since this moment (Connect's clock, ISO 8601) were looked for; absent when some instance had never been checked. */
  readonly coveredFrom?: string;
  /** Every edit made before this moment (Connect's clock) has been seen, after this invocation; absent when not yet for some instance. */
  readonly coveredTo?: string;
}

/** Whether a payload is a drift check request, a continuation of one, or a user change CloudTrail reports. */
export function isDriftCheck(payload: unknown): payload is DriftCheckRequest | DriftContinuation {
  const value = payload as { action?: unknown; kind?: unknown } | null;
  return value?.action === 'check-drift' || value?.kind === DRIFT_CONTINUATION_KIND || isEditEvent(payload);
}

/** Users read at once: enough to keep DescribeUser's pacer busy, few enough to hand over quickly. */
const CONCURRENCY = 64;
/** Without a schedule, how long an on-demand check may go on. */
const ON_DEMAND_LIMIT_MS = 3_600_000;
/** How far in the future a schedule's time may be (clocks differ a little; a forged one does not get far). */
const SCHEDULE_CLOCK_MARGIN_MS = 300_000;

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

/** The check a request asks for, or why it is refused. */
function checkOf(request: DriftCheckRequest, now: number): CheckRequest | { refused: string } {
  const full = request.full === true;
  const scheduledAt = request.scheduledAt === undefined ? undefined : Date.parse(request.scheduledAt);
  if (scheduledAt !== undefined && !Number.isFinite(scheduledAt)) return { refused: 'its scheduledAt is not a time' };
  if (scheduledAt !== undefined && scheduledAt > now + SCHEDULE_CLOCK_MARGIN_MS) return { refused: 'its scheduledAt is in the future' };
  const eventId = typeof request.eventId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(request.eventId) ? request.eventId : undefined;
  const checkId =
    scheduledAt === undefined ? `on-demand/${randomUUID()}` : `${full ? 'full' : 'incremental'}/${eventId ?? new Date(scheduledAt).toISOString()}`;
  return { checkId, full, requestedAt: scheduledAt ?? now, mustEndBy: endOfRequest(request, now) };
}

/** Lambda entry point of the drift check. */
export async function checkDrift(payload: DriftCheckRequest | DriftContinuation, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DriftSummary> {
  if (!isDriftCheck(payload)) throw new Error('not a drift check request: invoke with {"action":"check-drift"}');
  const stackId = process.env.STACK_ID;
  if (!stackId) throw new Error('STACK_ID is not set');
  if (isEditEvent(payload)) return checkEditedUser(payload, context, stackId);
  const correct = process.env.CORRECT_DRIFT === 'true';
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const invocation = randomUUID();
  const times = invocationTimings(context.getRemainingTimeInMillis());
  const claimant = { invocation, leaseUntil: Date.now() + times.leaseMs };
  const key = checkKey(stackId);
  const ignored = (why: string, level: 'info' | 'warn' = 'info'): DriftSummary => {
    log(level, 'drift check is not the current work: nothing read, nothing written', { check: 'drift', why });
    return { status: 'ignored', reason: why, full: false, ...emptyCounts() };
  };

  const continuation = (payload as DriftContinuation).kind === DRIFT_CONTINUATION_KIND ? (payload as DriftContinuation) : undefined;
  let claim: CheckClaim;
  const ledger = ledgerFromEnvironment();
  try {
    if (continuation) {
      if (typeof continuation.checkId !== 'string' || !Number.isInteger(continuation.generation) || continuation.generation < 1) {
        return ignored('its payload does not name a check and a generation', 'warn');
      }
      claim = await claimHandOver(ledger, key, continuation, claimant);
    } else {
      const check = checkOf(payload as DriftCheckRequest, Date.now());
      if ('refused' in check) return ignored(check.refused, 'warn');
      claim = await claimRequest(ledger, key, check, claimant, {
        until: Date.now() + Math.min(times.leaseMs + times.renewEveryMs + 2_000, context.getRemainingTimeInMillis() / 3),
        pollMs: Math.max(50, times.renewEveryMs / 10),
      });
    }
  } catch (error) {
    // The ledger cannot say whether this is the current check: do nothing (the next check covers it).
    log('error', 'drift check could not be checked against the ledger: nothing read, nothing written', { check: 'drift', errorName: errorCode(error) });
    return { status: 'skipped', reason: `the work ledger could not be read or written (${errorCode(error)})`, full: false, ...emptyCounts() };
  }
  if (claim.kind === 'not current') return ignored(claim.why, continuation ? 'warn' : 'info');

  const held = new HeldCheck(ledger, key, claim.entry, invocation);
  return new CheckRun(held, context, { stackId, region, correct, invocation, times, hints: continuation?.pacer }).run();
}

interface RunSettings {
  readonly stackId: string;
  readonly region: string;
  readonly correct: boolean;
  readonly invocation: string;
  readonly times: ReturnType<typeof invocationTimings>;
  readonly hints?: Record<string, PacerState>;
}

/** One user to read, and where its finding goes. */
interface ReadItem {
  readonly instanceKey: string;
  readonly index: number;
  /** The declaration as it is applied: with the listed user ID when it was declared by username. */
  readonly declaration: RosterDeclaration;
  /** How log lines name it: as declared. */
  readonly who: { readonly instanceId: string; readonly user: string; readonly userId?: string };
  readonly userId?: string;
}

/** One invocation's work on the current check. */
class CheckRun {
  private readonly check;
  private readonly counts: CheckCounts;
  private readonly before: CheckCounts;
  private readonly window;
  private readonly controller = new AbortController();
  private readonly passes = new Map<string, { pass: WorkingPass; known?: InstanceKnowledge }>();
  /** Instances whose users could not be listed: read one by one, and no fact is recorded for them. */
  private readonly unlisted = new Set<string>();
  private stopReason?: string;
  private lastConnectTime?: number;
  private coveredFrom?: number;
  private pacer?: Pacer;
  /** Users this check counted and reported, by instance: not again in a later invocation. */
  private readonly seen = new Map<string, Set<number>>();
  private watch?: StackWatch;
  private readonly base;

  constructor(
    private readonly held: HeldCheck,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
    private readonly settings: RunSettings,
  ) {
    this.check = held.check;
    this.counts = { ...held.check.counts };
    this.before = { ...held.check.counts };
    this.window = invocationWindow(context, this.check.mustEndBy);
    this.base = { check: 'drift', checkId: this.check.checkId, invocation: this.check.invocations + 1, full: this.check.full, correct: settings.correct };
  }

  async run(): Promise<DriftSummary> {
    const abortTimer = setTimeout(() => this.stop('the invocation is ending'), Math.max(0, this.window.finalAt - Date.now()));
    // The holder renews its lease and saves its progress every few seconds: a crashed holder's check is free
    // again soon after, whoever takes it over starts near where it stopped, and a newer check waiting for
    // this one is seen.
    const renewal = setInterval(() => {
      const holder = { invocation: this.settings.invocation, until: Math.min(this.window.endsAt, Date.now() + this.settings.times.leaseMs) };
      void this.held.update((record) => this.saved(record, 'running', { holder })).then(
        (kept) => (kept ? this.held.superseded && this.stop(this.held.superseded) : this.stop(this.held.lost ?? 'the check is no longer this invocation\'s')),
        () => undefined,
      );
    }, this.settings.times.renewEveryMs);
    try {
      return await this.work();
    } finally {
      clearTimeout(abortTimer);
      clearInterval(renewal);
    }
  }

  private stop(why: string): void {
    this.stopReason ??= why;
    this.controller.abort(new Error(why));
  }

  private async work(): Promise<DriftSummary> {
    const { stackId, region } = this.settings;
    const stack = await stackState(stackId);
    if (/_IN_PROGRESS$/.test(stack.status)) return this.end('skipped', `the stack is ${stack.status}: a check changes nothing while it is being deployed or rolled back`);
    if (!isAtRest(stack.status)) return this.end('skipped', `the stack is ${stack.status}: there is no deployed declaration to check against`);
    this.watch = new StackWatch(stackId, stack);

    let declared: DeployedDeclaration;
    try {
      declared = await deployedDeclaration(stackId, region);
    } catch (error) {
      return this.end('stopped', error instanceof DeclarationError ? error.message : `could not read the deployed declaration (${errorCode(error)})`);
    }
    const first = this.check.invocations === 0;
    this.coveredFrom = first ? oldestCovered(this.held.state.instances, declared.instances.keys()) : this.check.coveredFrom;
    if (first) {
      const checkable = [...declared.instances.values()].reduce((sum, instance) => sum + instance.users.length, 0);
      this.counts.users = checkable + declared.notChecked.length + declared.invalid.length;
      this.counts.notChecked = declared.notChecked.length;
      this.counts.failed += declared.invalid.length;
      for (const logicalId of declared.notChecked) log('info', 'user not checked: its declaration holds a value only CloudFormation resolves', { ...this.base, logicalId });
      for (const bad of declared.invalid) log('warn', 'user could not be checked', { ...this.base, instanceId: bad.instanceId, user: bad.user, field: bad.fields, problem: 'the declaration file holds an invalid declaration' });
    }

    // Each check starts at the pace the last one ended at (the ledger's), or a hand-over's hint: a check of a
    // few users then need not spend its seconds finding quotas it found before.
    const pacer = (this.pacer = new Pacer(systemClock, undefined, boundedHints({ ...this.held.state.pacing, ...this.settings.hints })));
    const sync = new UserSync({ region, pacer, clock: systemClock, signal: this.controller.signal, client: connectClient, freshReadMs: this.settings.times.freshMs });
    const items: ReadItem[] = [];
    try {
      for (const [key, instance] of declared.instances) items.push(...(await this.plan(key, instance, declared, pacer)));
    } catch (error) {
      if (!this.stopReason) throw error;
    }

    let room = MAX_EXCEPTIONS - exceptionCount(this.knowledge());
    const guard = async () => {
      if (Date.now() >= this.window.finalAt) throw new Error('the invocation is ending');
      await this.confirm(Date.now() - this.settings.times.freshMs);
      if (!(await this.held.stillMine(this.settings.times.freshMs))) {
        this.stop(this.held.lost!);
        throw new Error(this.held.lost);
      }
      if (this.held.superseded) {
        this.stop(this.held.superseded);
        throw new Error(this.held.superseded);
      }
    };
    const done = await runPool(items, [], CONCURRENCY, () => Date.now() < this.window.stopStartingAt && !this.controller.signal.aborted, async (item) => {
      const outcome = await sync.apply(item.declaration, { write: this.settings.correct, beforeWrite: guard });
      const readAt = Date.now();
      this.counts.read++;
      const target = this.passes.get(item.instanceKey);
      let finding: Finding;
      if (outcome.kind === 'failed') {
        this.counts.failed++;
        log('warn', 'user could not be checked', { ...this.base, ...item.who, field: outcome.failure.field, problem: outcome.failure.problem });
        finding = { kind: 'not checked' };
      } else if (outcome.kind === 'differs' || outcome.kind === 'written') {
        // A deploy's own write is not drift: report only what the stack, asked after the read, still declares.
        await this.confirm(readAt);
        this.counts.drifted++;
        if (outcome.kind === 'written') this.counts.corrected++;
        log('warn', 'drift', { ...this.base, ...item.who, fields: outcome.changedFields, corrected: outcome.kind === 'written', read: true });
        finding = outcome.kind === 'written' ? { kind: 'matches' } : { kind: 'drifted', fields: outcome.changedFields };
      } else finding = { kind: 'matches' };
      const seen = this.seenIn(item.instanceKey);
      if (!seen.has(item.index)) this.counts.checked++;
      seen.add(item.index);
      if (target) {
        const before = target.pass.exceptionCount;
        target.pass.decided(item.index, item.userId, finding, room > 0);
        room -= target.pass.exceptionCount - before;
      }
    });

    return this.finish(items.length - countDone(done));
  }

  /** Confirms the stack is as the check found it, in a read made after `after`; stops the check if not. */
  private async confirm(after: number): Promise<void> {
    try {
      await this.watch!.confirm(after);
    } catch (error) {
      if (error instanceof StackChanged) this.stop(error.message);
      throw error;
    }
  }

  /** Lists an instance's users, decides which to read, and records what is known without a read. */
  private async plan(key: string, instance: DeclaredInstance, declared: DeployedDeclaration, pacer: Pacer): Promise<ReadItem[]> {
    const known = this.held.state.instances[key];
    const client = connectClient(instance.region);
    const byId = new Map<string, number | undefined>();
    const byUsername = new Map<string, string[]>();
    let listedAt: number | undefined;
    let newest: number | undefined;
    try {
      for await (const page of listUserPages({ pacer, clock: systemClock, signal: this.controller.signal }, client, instance.instanceId)) {
        this.counts.pages++;
        this.counts.listed += page.users.length;
        listedAt ??= page.shownNotBefore;
        if (page.shownNotBefore !== undefined) this.lastConnectTime = Math.max(this.lastConnectTime ?? 0, page.shownNotBefore);
        addByUsername(byUsername, page.users);
        for (const user of page.users) {
          byId.set(user.userId, user.lastModifiedAt);
          if (user.lastModifiedAt !== undefined) newest = Math.max(newest ?? user.lastModifiedAt, user.lastModifiedAt);
        }
      }
    } catch (error) {
      if (this.controller.signal.aborted) throw error;
      // Without the listing nothing is known of who changed: read every declared user, and record nothing.
      const why = error instanceof UserFailed ? `${error.field}: ${error.problem}` : `unexpected ${errorCode(error)}`;
      log('warn', "could not list the instance's users: reading each declared user", { ...this.base, instanceId: instance.instanceId, problem: why });
      this.unlisted.add(key);
      return instance.users.map((user, index) => this.readItem(key, index, user.declaration, undefined));
    }
    // Without Connect's clock in its answer, the newest change listed is a moment the listing came after.
    const startedAt = listedAt ?? newest;
    if (startedAt === undefined) {
      this.unlisted.add(key);
      return instance.users.map((user, index) => this.readItem(key, index, user.declaration, undefined));
    }
    const same = await unchangedSince(instance, known?.covered?.versions, declared.stageFiles, instance.region);
    const pass = new WorkingPass(passFor(known, instance.versions, this.check.full, startedAt), instance.users.length);
    this.passes.set(key, { pass, known });
    const seen = this.seenIn(key);
    let room = MAX_EXCEPTIONS - exceptionCount(this.knowledge());
    const items: ReadItem[] = [];
    instance.users.forEach((user, index) => {
      const declaration = user.declaration;
      let userId: string | undefined;
      if (declaration.UserId !== undefined) userId = byId.has(declaration.UserId) ? declaration.UserId : undefined;
      else {
        const named = byUsername.get(declaration.Username ?? '') ?? [];
        userId = named.length === 1 ? named[0] : undefined;
      }
      const listed = userId === undefined ? undefined : { userId, lastModifiedAt: byId.get(userId) };
      const absent = declaration.UserId !== undefined ? userId === undefined : !byUsername.has(declaration.Username ?? '');
      if (absent && user.skippedWhileNotInConnect) {
        // Its roster skips people Connect does not know (yet): the complete listing says it is one, with no read.
        // Once created, it is listed with a modification time after this pass began, and read then. (Without
        // a listing, every user is read, and one not found is a failure: the check could not tell why.)
        if (seen.has(index)) return;
        seen.add(index);
        this.notInConnect(this.whoOf(declaration, undefined));
        pass.decided(index, undefined, { kind: 'matches' }, room > 0);
        return;
      }
      const decision = pass.decide({ sameAsCovered: same[index], listed }, index, known?.covered, this.settings.correct);
      if (decision.kind === 'read') {
        items.push(this.readItem(key, index, declaration, userId));
        return;
      }
      if (seen.has(index)) return;
      seen.add(index);
      this.counts.checked++;
      if (decision.drifted) {
        this.counts.drifted++;
        log('warn', 'drift', { ...this.base, ...this.whoOf(declaration, userId), fields: decision.drifted, corrected: false, read: false });
      }
      const before = pass.exceptionCount;
      pass.decided(index, userId, decision.drifted ? { kind: 'drifted', fields: decision.drifted } : { kind: 'matches' }, room > 0);
      room -= pass.exceptionCount - before;
    });
    return items;
  }

  private seenIn(key: string): Set<number> {
    let seen = this.seen.get(key);
    if (!seen) {
      seen = fromRanges(this.check.seen?.[key]);
      this.seen.set(key, seen);
    }
    return seen;
  }

  private readItem(instanceKey: string, index: number, declaration: RosterDeclaration, userId: string | undefined): ReadItem {
    // A user declared by username and found in the listing is read by its ID: no search needed.
    const applied: RosterDeclaration = userId !== undefined && declaration.UserId === undefined ? { InstanceId: declaration.InstanceId, UserId: userId, IdentityInfo: declaration.IdentityInfo } : declaration;
    return { instanceKey, index, declaration: applied, userId, who: this.whoOf(declaration, userId) };
  }

  /** Counts a user Connect does not know, of a roster that skips those: checked, and no failure. */
  private notInConnect(who: ReadItem['who']): void {
    this.counts.checked++;
    this.counts.notInConnect = (this.counts.notInConnect ?? 0) + 1;
    log('info', 'user not in Connect: skipped, as its roster asks', { ...this.base, ...who });
  }

  private whoOf(declaration: RosterDeclaration, userId: string | undefined): ReadItem['who'] {
    const user = userKey(declaration);
    return { instanceId: bareInstanceId(declaration.InstanceId), user, ...(userId !== undefined && userId !== user ? { userId } : {}) };
  }

  /** What the checks know now, with this invocation's passes. */
  private knowledge(): Record<string, InstanceKnowledge> {
    const instances: Record<string, InstanceKnowledge> = { ...this.held.state.instances };
    for (const [key, { pass, known }] of this.passes) instances[key] = { covered: known?.covered, pass: pass.toPass() };
    return instances;
  }

  /** The record with this invocation's progress: the check's counts, and each instance's pass, or its new fact once complete. */
  private saved(record: CheckRecord, status: CheckStatus, change: Partial<CheckRecord['check']> = {}, commit = false): CheckRecord {
    const instances: Record<string, InstanceKnowledge> = { ...record.instances };
    for (const [key, { pass, known }] of this.passes) {
      if (this.unlisted.has(key)) continue;
      instances[key] = commit && pass.complete ? { covered: pass.fact() } : { covered: known?.covered, pass: pass.toPass() };
    }
    return {
      ...record,
      instances,
      ...(this.pacer ? { pacing: { ...record.pacing, ...this.pacer.state() } } : {}),
      check: {
        ...record.check!,
        invocations: this.check.invocations + 1,
        counts: { ...this.counts },
        status,
        ...(this.coveredFrom !== undefined ? { coveredFrom: this.coveredFrom } : {}),
        seen: Object.fromEntries([...this.seen].map(([key, indexes]) => [key, toRanges(indexes)])),
        ...change,
      },
    };
  }

  private async finish(itemsLeft: number): Promise<DriftSummary> {
    if (this.held.lost) return this.summary('stopped', `the check is no longer this invocation's: ${this.held.lost}`);
    if (this.watch?.changed) return this.end('stopped', this.watch.changed);
    if (this.held.superseded) return this.end('stopped', this.held.superseded);
    const usersLeft = [...this.passes.values()].reduce((sum, { pass }) => sum + pass.count - pass.decidedCount, 0);
    if (itemsLeft === 0 && usersLeft === 0) {
      // What the check learned becomes the new fact only if the stack, asked now, still rests where it did.
      try {
        await this.confirm(Date.now());
      } catch {
        return this.end('stopped', this.watch?.changed ?? 'the stack changed');
      }
      return this.end('completed', undefined, true);
    }
    const left = Math.max(itemsLeft, usersLeft);
    if (worthHandingOver(this.check.mustEndBy)) {
      const generation = this.check.generation + 1;
      const next: DriftContinuation = { kind: DRIFT_CONTINUATION_KIND, checkId: this.check.checkId, generation, pacer: this.pacer?.state() };
      // The ledger hands the next generation over first: a copy of this hand-over, or a late one, finds it taken.
      const reserved = await this.held.update((record) => this.saved(record, 'running', { generation, holder: undefined, handedOverUntil: Date.now() + 2 * this.settings.times.leaseMs }));
      if (!reserved) return this.summary('stopped', `the check is no longer this invocation's: ${this.held.lost}`);
      if (await handOver(next, this.window.endsAt)) return this.summary('continuing');
      log('error', 'drift check could not hand over to a new invocation', this.base);
      // The hand-over may have reached Lambda although no answer said so: it finds the check stopped.
      await this.held.update((record) => ({ ...record, check: { ...record.check!, status: 'stopped', reason: 'could not continue in a new invocation', handedOverUntil: undefined } }));
      return this.summary('stopped', `could not continue in a new invocation; ${left} users were left unchecked, for the next check`);
    }
    return this.end('stopped', `${left} users were left unchecked: the check must end before the next one is due; the next check goes on from here`);
  }

  /** Ends the check in the ledger (its progress kept, and its new fact when `commit`), and answers. */
  private async end(status: Exclude<CheckStatus, 'running'>, reason?: string, commit = false): Promise<DriftSummary> {
    const written = await this.held.update((record) => this.saved(record, status, { holder: undefined, handedOverUntil: undefined, ...(reason ? { reason } : {}) }, commit)).catch(() => false);
    // Only what the ledger took counts: a check that is no longer this invocation's has not completed here.
    if (!written) return this.summary('stopped', `the check is no longer this invocation's: ${this.held.lost ?? 'the ledger could not be written'}`);
    return this.summary(status, reason);
  }

  private summary(status: DriftSummary['status'], reason?: string): DriftSummary {
    const keys = [...this.passes.keys(), ...this.unlisted];
    const coveredFrom = this.coveredFrom;
    const coveredTo = keys.length > 0 ? oldestCovered(this.held.state.instances, keys) : undefined;
    publishMetrics(this.counts, this.before, coveredTo !== undefined && this.lastConnectTime !== undefined ? Math.max(0, (this.lastConnectTime - coveredTo) / 1000) : undefined);
    const summary: DriftSummary = {
      status,
      full: this.check.full,
      ...(reason ? { reason } : {}),
      ...this.counts,
      ...(coveredFrom !== undefined ? { coveredFrom: new Date(coveredFrom).toISOString() } : {}),
      ...(coveredTo !== undefined ? { coveredTo: new Date(coveredTo).toISOString() } : {}),
    };
    log(status === 'completed' || status === 'continuing' ? 'info' : 'warn', `drift check ${status}`, {
      ...this.base,
      ...this.counts,
      reason,
      coveredFrom: summary.coveredFrom,
      coveredTo: summary.coveredTo,
      durationMs: Date.now() - this.window.startedAt,
    });
    return summary;
  }
}

/** Publishes, in the Embedded Metric Format, what this invocation added to the counts, and how far behind the check's coverage is. */
function publishMetrics(counts: CheckCounts, before: CheckCounts, coverageLagSeconds: number | undefined): void {
  const metrics = new Metrics({ namespace: DRIFT_METRICS.namespace, serviceName: DRIFT_METRICS.service });
  metrics.addDimension('StackName', process.env.STACK_NAME ?? 'unknown');
  const add = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
  add(DRIFT_METRICS.checked, counts.checked - before.checked);
  add(DRIFT_METRICS.read, counts.read - before.read);
  add(DRIFT_METRICS.drifted, counts.drifted - before.drifted);
  add(DRIFT_METRICS.corrected, counts.corrected - before.corrected);
  add(DRIFT_METRICS.failed, counts.failed - before.failed);
  add(DRIFT_METRICS.notChecked, counts.notChecked - before.notChecked);
  add(DRIFT_METRICS.notInConnect, (counts.notInConnect ?? 0) - (before.notInConnect ?? 0));
  if (coverageLagSeconds !== undefined) metrics.addMetric(DRIFT_METRICS.coverageLag, MetricUnit.Seconds, Math.round(coverageLagSeconds));
  metrics.publishStoredMetrics();
}
