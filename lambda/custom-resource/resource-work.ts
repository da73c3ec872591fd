/**
 * A custom resource's work in the ledger (../runtime/ledger.ts): which CloudFormation request of the
 * resource is current, which invocation holds it, how far it got, and its answer. Every event and
 * hand-over of the resource goes through here before it may write to Connect or answer CloudFormation:
 *
 * - A request seen for the first time is current only if CloudFormation is waiting for an answer to a
 *   request of its type on the resource (DescribeStackResource); it then becomes the resource's request,
 *   and the request it replaces ends.
 * - A copy of the current request does nothing while an invocation holds it or a hand-over is on its way;
 *   when its holder died (a crash, a lost hand-over), it takes the work over where the ledger says it got.
 * - A copy of a request that ended (answered, or replaced by a newer one) does nothing.
 * - A hand-over is current only for the generation the ledger handed over, and only once.
 * - The answer is decided in the ledger before it is sent: whoever sends it again sends the same one.
 */
import { HeldEntry } from '../runtime/held-entry';
import { holds, Lease, Ledger, LedgerEntry } from '../runtime/ledger';
import { ResourceState, waitsFor } from '../runtime/stack-state';
import { CloudFormationAnswer } from '../runtime/cloudformation-response';

/** The answer to CloudFormation, without the fields the event gives. */
export type Outcome = Pick<CloudFormationAnswer, 'Status' | 'Reason' | 'PhysicalResourceId' | 'Data' | 'NoEcho'>;

/** The ledger's record of a resource's current (or last) request. `D` is what the request's work keeps. */
export interface ResourceWork<D = undefined> {
  readonly requestId: string;
  readonly requestType: string;
  /** When CloudFormation started waiting for the answer (epoch ms, its clock). */
  readonly startedAt: number;
  /** Counts hand-overs and take-overs: only an invocation of the current generation may work. */
  readonly generation: number;
  /** The invocation working on it now, and until when at most. */
  readonly holder?: Lease;
  /** A hand-over of `generation` is on its way, and may start until then (epoch ms). */
  readonly handedOverUntil?: number;
  /** The work's own data (a stage's event and progress). */
  readonly data: D;
  /** The answer, once decided. */
  readonly answer?: Outcome;
  /** Whether CloudFormation took the answer. */
  readonly delivered?: boolean;
  /** Earlier requests of the resource, which ended: a copy of one of them does nothing. Newest last. */
  readonly ended: string[];
}

/** How many ended requests a resource remembers: copies of older ones cannot arrive any more. */
const ENDED_KEPT = 20;

/** The ledger key of a resource: its stack (by ID, so a stack of the same name created anew starts afresh) and logical ID. */
export function resourceKey(stackId: string, logicalId: string): string {
  return `resource#${stackId}#${logicalId}`;
}

/** What claiming came to. */
export type Claim<D> =
  /** This invocation holds the work now (`resumed`: it takes over from an earlier holder). */
  | { readonly kind: 'claimed'; readonly entry: LedgerEntry<ResourceWork<D>>; readonly resumed: boolean }
  /** The answer was decided but never delivered, and its sender is gone: send it again. */
  | { readonly kind: 'redeliver'; readonly entry: LedgerEntry<ResourceWork<D>> }
  /** Not the current work: nothing to write, nothing to answer. */
  | { readonly kind: 'not current'; readonly why: string };

/** Who claims: this invocation's ID and the time its lease must end by. */
export interface Claimant {
  readonly invocation: string;
  readonly leaseUntil: number;
}

/** Writes attempted at most when others write the same item at the same moment. */
const CLAIM_ATTEMPTS = 5;

/**
 * Claims the work of a CloudFormation event. `check` asks CloudFormation whether it waits on the resource
 * (skipped for Deletes, which never write to Connect); `data` is what a new request's work keeps.
 */
export async function claimEvent<D>(
  ledger: Ledger,
  key: string,
  event: { readonly RequestId: string; readonly RequestType: string },
  claimant: Claimant,
  check: () => Promise<ResourceState | undefined>,
  data: () => D,
): Promise<Claim<D>> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const now = Date.now();
    const entry = await ledger.read<ResourceWork<D>>(key);
    const work = entry?.state;
    if (work && entry && work.requestId === event.RequestId) {
      const copy = await takeOverOrWait(ledger, key, entry, claimant, false);
      if (copy === 'lost') continue;
      return copy;
    }
    if (work?.ended.includes(event.RequestId)) return { kind: 'not current', why: 'a copy of an event whose request has ended (answered, or replaced by a newer one)' };

    let startedAt = now;
    if (event.RequestType !== 'Delete') {
      const state = await check();
      if (!waitsFor(state, event.RequestType)) {
        return { kind: 'not current', why: `CloudFormation is not waiting for a ${event.RequestType} of the resource (it is ${state?.status ?? 'not found'})` };
      }
      startedAt = Math.min(now, state!.since || now);
    }
    const next: ResourceWork<D> = {
      requestId: event.RequestId,
      requestType: event.RequestType,
      startedAt,
      generation: 1,
      holder: { invocation: claimant.invocation, until: claimant.leaseUntil },
      data: data(),
      ended: work ? [...work.ended, work.requestId].slice(-ENDED_KEPT) : [],
    };
    const written = await ledger.write(key, next, entry?.version);
    if (written) return { kind: 'claimed', entry: written, resumed: false };
  }
  return { kind: 'not current', why: 'other invocations kept changing the ledger entry; leaving the work to them' };
}

/**
 * Claims the work a hand-over names: only the generation the ledger handed over, of the resource's
 * current request, not yet answered, and not held by another invocation.
 */
export async function claimHandOver<D>(ledger: Ledger, key: string, handOver: { readonly requestId: string; readonly generation: number }, claimant: Claimant): Promise<Claim<D>> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const entry = await ledger.read<ResourceWork<D>>(key);
    const work = entry?.state;
    if (!work || !entry) return { kind: 'not current', why: 'the ledger has no work for the resource' };
    if (work.requestId !== handOver.requestId) return { kind: 'not current', why: "its request is not the resource's current one" };
    if (work.generation !== handOver.generation) return { kind: 'not current', why: `it is generation ${handOver.generation} of the work, and the ledger is at ${work.generation}` };
    const claim = await takeOverOrWait(ledger, key, entry, claimant, true);
    if (claim === 'lost') continue;
    return claim;
  }
  return { kind: 'not current', why: 'other invocations kept changing the ledger entry; leaving the work to them' };
}

/**
 * The current request's work, seen by a copy of its event or by its hand-over: wait for a live holder or
 * a hand-over on its way; else take it over, or, when its answer was decided but never delivered, send
 * that answer again. 'lost' when someone else wrote the entry meanwhile (read it again).
 */
async function takeOverOrWait<D>(ledger: Ledger, key: string, entry: LedgerEntry<ResourceWork<D>>, claimant: Claimant, isHandOver: boolean): Promise<Claim<D> | 'lost'> {
  const work = entry.state;
  const now = Date.now();
  if (work.delivered) return { kind: 'not current', why: 'its request has been answered' };
  if (holds(work.holder, now)) return { kind: 'not current', why: 'another invocation is working on its request' };
  if (!isHandOver && work.handedOverUntil !== undefined && work.handedOverUntil > now) {
    return { kind: 'not current', why: 'its work has been handed over to another invocation' };
  }
  const next: ResourceWork<D> = {
    ...work,
    // A take-over (from a holder whose lease ran out, by a copy of its event or of its hand-over) starts a
    // new generation, so that a holder thought dead that wakes up finds itself superseded; the first claim
    // of a hand-over keeps the generation it was handed over in.
    generation: isHandOver && !work.holder ? work.generation : work.generation + 1,
    holder: { invocation: claimant.invocation, until: claimant.leaseUntil },
    handedOverUntil: undefined,
  };
  const written = await ledger.write(key, next, entry.version);
  if (!written) return 'lost';
  if (work.answer) return { kind: 'redeliver', entry: written };
  return { kind: 'claimed', entry: written, resumed: true };
}

/** Holds a claimed work in the ledger: checks that it is still this invocation's, and writes its changes. */
export class HeldWork<D> extends HeldEntry<ResourceWork<D>> {
  constructor(ledger: Ledger, key: string, entry: LedgerEntry<ResourceWork<D>>, invocation: string) {
    super(ledger, key, entry, (current, mine) => {
      if (!current) return 'the ledger entry is gone';
      if (current.requestId !== mine.requestId) return 'a newer request of the resource has come';
      if (current.holder?.invocation !== invocation) return 'another invocation has taken the work over';
      if (current.generation !== mine.generation) return 'the work has moved to another generation';
      return undefined;
    });
  }

  /** The work as this invocation last wrote or read it. */
  get work(): ResourceWork<D> {
    return this.state;
  }
}
