/**
 * A stack's drift checks in the ledger (../runtime/ledger.ts): one item per stack holds which check is
 * current, which invocation works on it and until when, what it counted, and what the checks know of
 * each instance (coverage.ts). Every check request, hand-over and copy of either goes through here before
 * it may read or write anything:
 *
 * - A check is ordered by when it was asked for (its schedule's time, or when it was invoked by hand); a
 *   full re-read comes after an incremental check asked for at the same time.
 * - A request older than the current check, or a copy of a check that ended, does nothing.
 * - A newer request supersedes the current check: it asks it to stop (the holder sees the request at its
 *   next look at the ledger, within seconds), waits until it has stopped and saved how far it got, then
 *   takes the work over from there (a hand-over of the older check on its way then finds it superseded).
 *   At most one invocation works on the stack's checks at a time.
 * - A copy (or Lambda's retry) of the current check does nothing while an invocation holds it or a
 *   hand-over is on its way; when its holder died, it takes the check over where the ledger says it got.
 * - A hand-over is current only for the check and generation the ledger handed over, and only once.
 */
import { PacerState } from '../../core/pacer';
import { sleep } from '../../core/retry';
import { HeldEntry } from '../runtime/held-entry';
import { holds, Lease, Ledger, LedgerEntry } from '../runtime/ledger';
import { DoneRanges } from '../runtime/long-run';
import { Coverage, InstanceKnowledge } from './coverage';

/** Counts of a check, in all its invocations. */
export interface CheckCounts {
  /** Declared users (checked or not). */
  users: number;
  /** Users whose state this check decided: read, or known unchanged since they were last decided. */
  checked: number;
  /** Users read with DescribeUser. */
  read: number;
  /** Users listed (ListUsers), and the pages that listed them. */
  listed: number;
  pages: number;
  /** Users whose declared fields differ from Connect's. */
  drifted: number;
  /** Drifted users written back. */
  corrected: number;
  /** Users that could not be checked or corrected (not found, access denied, a value Connect refuses). */
  failed: number;
  /** Users whose declaration holds a value only CloudFormation can resolve (a parameter, a dynamic reference). */
  notChecked: number;
  /** Users Connect does not know, of a roster that skips those (`skipUsersNotInConnect`); absent while there are none. */
  notInConnect?: number;
}

/** How a check ended, or that it goes on. */
export type CheckStatus = 'running' | 'completed' | 'stopped' | 'skipped';

/** A check as the ledger keeps it. */
export interface CheckWork {
  readonly checkId: string;
  /** Whether every declared user is read (a full re-read). */
  readonly full: boolean;
  /** When it was asked for (epoch ms): its schedule's time (EventBridge's clock), or when it was invoked. */
  readonly requestedAt: number;
  /** It stops, unfinished, at this time (epoch ms), so that it is over before the next scheduled one. */
  readonly mustEndBy: number;
  /** Counts hand-overs and take-overs: only an invocation of the current generation may work. */
  readonly generation: number;
  readonly holder?: Lease;
  /** A hand-over of `generation` is on its way, and may start until then. */
  readonly handedOverUntil?: number;
  readonly invocations: number;
  readonly counts: CheckCounts;
  readonly status: CheckStatus;
  readonly reason?: string;
  /** The oldest moment (Connect's clock) up to which every edit had been seen, when the check began. */
  readonly coveredFrom?: number;
  /**
   * Users this check has counted and reported, by instance key (positions in the instance's sorted list):
   * a later invocation of the same check does not count or report them again.
   */
  readonly seen?: Record<string, DoneRanges>;
}

/** A request for a check. */
export interface CheckRequest {
  readonly checkId: string;
  readonly full: boolean;
  readonly requestedAt: number;
  readonly mustEndBy: number;
}

/** The stack's checks. */
export interface CheckRecord {
  readonly check?: CheckWork;
  /** Checks that ended before the current one: a copy of one does nothing. Newest last. */
  readonly ended: string[];
  /** A newer check waiting for the current one to stop. */
  readonly waiting?: Pick<CheckRequest, 'checkId' | 'requestedAt' | 'full'>;
  /** What the checks know, by instance key. */
  readonly instances: Record<string, InstanceKnowledge>;
  /** Each Connect operation's pacing when the last invocation ended: where the next one starts (bounded). */
  readonly pacing?: Record<string, PacerState>;
}

/** How many ended checks are remembered: copies of older ones are older than the current check anyway. */
const ENDED_KEPT = 20;

/** The ledger key of a stack's checks: by stack ID, so that a stack of the same name created anew starts afresh. */
export function checkKey(stackId: string): string {
  return `check#${stackId}`;
}

export function emptyCounts(): CheckCounts {
  return { users: 0, checked: 0, read: 0, listed: 0, pages: 0, drifted: 0, corrected: 0, failed: 0, notChecked: 0 };
}

/** Whether check `a` was asked for after `b` (a full re-read after an incremental check of the same time). */
export function isNewer(a: Pick<CheckRequest, 'checkId' | 'requestedAt' | 'full'>, b: Pick<CheckRequest, 'checkId' | 'requestedAt' | 'full'>): boolean {
  if (a.requestedAt !== b.requestedAt) return a.requestedAt > b.requestedAt;
  if (a.full !== b.full) return a.full;
  return a.checkId > b.checkId;
}

/** The oldest moment up to which every instance's edits have been seen; undefined when an instance was never covered. */
export function oldestCovered(instances: Record<string, InstanceKnowledge>, keys: Iterable<string>): number | undefined {
  let oldest: number | undefined = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    const covered: Coverage | undefined = instances[key]?.covered;
    if (!covered) return undefined;
    oldest = Math.min(oldest, covered.asOf);
  }
  return Number.isFinite(oldest) ? oldest : undefined;
}

/** What claiming came to. */
export type CheckClaim =
  | { readonly kind: 'claimed'; readonly entry: LedgerEntry<CheckRecord>; readonly resumed: boolean }
  | { readonly kind: 'not current'; readonly why: string };

/** Who claims: this invocation's ID and the time its lease must end by. */
export interface CheckClaimant {
  readonly invocation: string;
  readonly leaseUntil: number;
}

/** Conflicting writes tolerated in one claim before leaving the work to the others. */
const CLAIM_ATTEMPTS = 8;

/**
 * Claims a check request: takes it as the stack's current check (superseding an older one, once it has
 * stopped), or takes over a copy of the current check whose holder died. Waits for a superseded check at
 * most until `waitUntil`, looking every `pollMs`.
 */
export async function claimRequest(ledger: Ledger, key: string, request: CheckRequest, claimant: CheckClaimant, wait: { until: number; pollMs: number }): Promise<CheckClaim> {
  let conflicts = 0;
  while (conflicts < CLAIM_ATTEMPTS) {
    const now = Date.now();
    const entry = await ledger.read<CheckRecord>(key);
    const record: CheckRecord = entry?.state ?? { ended: [], instances: {} };
    const current = record.check;
    const write = async (next: CheckRecord) => {
      const written = await ledger.write(key, next, entry?.version);
      if (!written) conflicts++;
      return written;
    };

    if (current?.checkId === request.checkId) {
      if (current.status !== 'running') return { kind: 'not current', why: `a copy of a check that has ended (${current.status})` };
      if (holds(current.holder, now)) return { kind: 'not current', why: 'a copy of the current check, which another invocation is working on' };
      if (current.handedOverUntil !== undefined && current.handedOverUntil > now) return { kind: 'not current', why: 'a copy of the current check, which has been handed over to another invocation' };
      if (record.waiting && isNewer(record.waiting, current)) return { kind: 'not current', why: 'a copy of a check that a newer one supersedes' };
      // Its holder died (a crash, a lost hand-over): take it over in a new generation, so that a holder
      // thought dead that wakes up finds itself superseded.
      const written = await write({ ...record, check: { ...current, generation: current.generation + 1, holder: { invocation: claimant.invocation, until: claimant.leaseUntil }, handedOverUntil: undefined } });
      if (written) return { kind: 'claimed', entry: written, resumed: true };
      continue;
    }
    if (record.ended.includes(request.checkId)) return { kind: 'not current', why: 'a copy of a check that has ended' };
    if (current && !isNewer(request, current)) return { kind: 'not current', why: 'a newer check has started since it was asked for' };
    if (record.waiting && record.waiting.checkId !== request.checkId && isNewer(record.waiting, request)) {
      return { kind: 'not current', why: 'a newer check is waiting to start' };
    }
    // Only a live holder is waited for: a hand-over on its way finds the newer check current, and does nothing.
    if (current?.status === 'running' && holds(current.holder, now)) {
      if (Date.now() >= wait.until) return { kind: 'not current', why: 'the check it supersedes did not stop in time; the next check covers this one' };
      if (record.waiting?.checkId !== request.checkId) {
        if (!(await write({ ...record, waiting: { checkId: request.checkId, requestedAt: request.requestedAt, full: request.full } }))) continue;
      }
      await sleep(wait.pollMs);
      continue;
    }
    const ended = current ? [...record.ended, current.checkId].slice(-ENDED_KEPT) : record.ended;
    const check: CheckWork = {
      ...request,
      generation: 1,
      holder: { invocation: claimant.invocation, until: claimant.leaseUntil },
      invocations: 0,
      counts: emptyCounts(),
      status: 'running',
    };
    const written = await write({ ...record, check, ended, waiting: undefined });
    if (written) return { kind: 'claimed', entry: written, resumed: false };
  }
  return { kind: 'not current', why: 'other invocations kept changing the ledger entry; leaving the check to them' };
}

/**
 * Claims the check a hand-over names: only the generation the ledger handed over, of the current check,
 * still running and not held by another invocation. A hand-over that finds a newer check waiting ends its
 * check instead, so that the newer one need not wait for it.
 */
export async function claimHandOver(ledger: Ledger, key: string, handOver: { readonly checkId: string; readonly generation: number }, claimant: CheckClaimant): Promise<CheckClaim> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const entry = await ledger.read<CheckRecord>(key);
    const current = entry?.state.check;
    if (!entry || !current) return { kind: 'not current', why: 'the ledger has no check for the stack' };
    if (current.checkId !== handOver.checkId) return { kind: 'not current', why: 'its check is not the current one' };
    if (current.generation !== handOver.generation) return { kind: 'not current', why: `it is generation ${handOver.generation} of the check, and the ledger is at ${current.generation}` };
    if (current.status !== 'running') return { kind: 'not current', why: `its check has ended (${current.status})` };
    if (holds(current.holder, Date.now())) return { kind: 'not current', why: 'another invocation is working on its check' };
    if (entry.state.waiting && isNewer(entry.state.waiting, current)) {
      const stopped: CheckWork = { ...current, status: 'stopped', reason: 'a newer check superseded it', holder: undefined, handedOverUntil: undefined };
      if (await ledger.write(key, { ...entry.state, check: stopped }, entry.version)) return { kind: 'not current', why: 'a newer check supersedes its check, which stops here' };
      continue;
    }
    const written = await ledger.write(
      key,
      {
        ...entry.state,
        check: {
          ...current,
          // A take-over from a holder whose lease ran out starts a new generation; a hand-over keeps its own.
          generation: current.holder ? current.generation + 1 : current.generation,
          holder: { invocation: claimant.invocation, until: claimant.leaseUntil },
          handedOverUntil: undefined,
        },
      },
      entry.version,
    );
    if (written) return { kind: 'claimed', entry: written, resumed: true };
  }
  return { kind: 'not current', why: 'other invocations kept changing the ledger entry; leaving the check to them' };
}

/** Holds a claimed check: confirms it is still this invocation's, writes its progress. */
export class HeldCheck extends HeldEntry<CheckRecord> {
  constructor(ledger: Ledger, key: string, entry: LedgerEntry<CheckRecord>, invocation: string) {
    super(ledger, key, entry, (current, mine) => {
      const check = current?.check;
      if (!check) return 'the ledger has no check for the stack';
      if (check.checkId !== mine.check!.checkId) return 'a newer check has started';
      if (check.holder?.invocation !== invocation) return 'another invocation has taken the check over';
      if (check.generation !== mine.check!.generation) return 'the check has moved to another generation';
      return undefined;
    });
  }

  get check(): CheckWork {
    return this.state.check!;
  }

  /** Why this check should stop for a newer one, once one waits. */
  get superseded(): string | undefined {
    const waiting = this.state.waiting;
    return waiting && isNewer(waiting, this.check) ? 'a newer check superseded it' : undefined;
  }
}
