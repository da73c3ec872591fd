/**
 * What the drift check knows of an instance between checks, and which users a check must read.
 *
 * The one fact a check keeps (in the ledger, per instance, never an identity value): "every declared
 * user of this instance that Connect has not modified since moment T holds its declaration, except these
 * users (by ID), whose drifted fields are these, or who could not be checked" — with T in Connect's own
 * clock, and for which version of each resource's declaration it holds. A check lists the instance's
 * users (`ListUsers`, 1,000 a page, each with its LastModifiedTime) and reads (`DescribeUser`) only the
 * users the fact does not cover: modified since T (LastModifiedTime is in whole seconds, so "since" starts
 * one second early), declared anew or differently, drifted and to be corrected, or not checked last
 * time. The others are known without a read.
 *
 * T moves forward only when a check has decided every declared user of the instance: it becomes the
 * moment (Connect's clock) at which that check began listing. Every user was then either read after T, or
 * known not to have changed since an earlier T; a change made after T moves the user's LastModifiedTime
 * past T, so the next check reads it. Work towards the next T (a pass) is kept as it goes, so that a check
 * cut short (its time ran out, it was superseded, its invocation crashed) is continued by the next one
 * rather than started over; a check that never ran leaves T where it was, and the next one covers its span.
 */
import { IDENTITY_FIELDS, IdentityField } from '../../lib/identity-rules';
import { DoneRanges, fromRanges, toRanges } from '../runtime/long-run';

/** LastModifiedTime is given in whole seconds: a change up to this long after a time can show as that time. */
export const MODIFIED_TIME_RESOLUTION_MS = 1_000;

/** The mask of a user that was not checked (a failure): read it next time. */
export const NOT_CHECKED = -1;

/**
 * A user the fact excepts: `[mask, asOf]`, its drifted declared fields as a bit mask over IDENTITY_FIELDS
 * (or {@link NOT_CHECKED}), as of a moment in Connect's clock.
 */
export type Exception = readonly [mask: number, asOf: number];

/** The fact, for one instance. */
export interface Coverage {
  /** T: Connect's clock, epoch ms. */
  readonly asOf: number;
  /** The version of each resource's declaration (a declaration file's key, or a fingerprint) the fact holds for. */
  readonly versions: Record<string, string>;
  /** Users (by ID) that did not hold their declaration, or could not be checked. */
  readonly exceptions: Record<string, Exception>;
}

/** Work towards the next fact of an instance: which of its declared users (positions in their sorted list) are decided. */
export interface Pass {
  /** Whether every user must be read (a full re-read), whatever the fact says. */
  readonly full: boolean;
  /** The next T: when the check that began the pass began listing, in Connect's clock. */
  readonly startedAt: number;
  readonly versions: Record<string, string>;
  readonly done: DoneRanges;
  readonly exceptions: Record<string, Exception>;
  /** More exceptions than a ledger item can hold were found: the pass ends with no fact, so the next check reads every user. */
  readonly overflowed?: boolean;
}

/** What the ledger keeps of an instance. */
export interface InstanceKnowledge {
  readonly covered?: Coverage;
  readonly pass?: Pass;
}

/** One declared user, as a check finds it. */
export interface FoundUser {
  /** Whether its declaration is the one the fact holds for (false when new, changed, or unknown). */
  readonly sameAsCovered: boolean;
  /** The user as the listing showed it; undefined when the listing did not show it (deleted, or never there). */
  readonly listed?: { readonly userId: string; readonly lastModifiedAt?: number };
}

/** Why a user must be read. */
export type ReadReason = 'not listed' | 'full re-read' | 'never checked' | 'declaration changed' | 'not checked last time' | 'to correct' | 'modified';

/** Whether a user must be read, or what it is known to be without a read. */
export type Decision =
  | { readonly kind: 'read'; readonly why: ReadReason }
  | { readonly kind: 'known'; readonly drifted?: IdentityField[] };

/** Bit mask of fields, for an exception. */
export function fieldMask(fields: readonly IdentityField[]): number {
  return fields.reduce((mask, field) => mask | (1 << IDENTITY_FIELDS.indexOf(field)), 0);
}

/** Fields of a bit mask. */
export function maskFields(mask: number): IdentityField[] {
  return IDENTITY_FIELDS.filter((_, index) => (mask & (1 << index)) !== 0);
}

/**
 * The pass a check works on for an instance: the one in progress when it was made for the same
 * declaration (and is full, if a full re-read is asked for), else a new one starting at `listedAt`.
 */
export function passFor(known: InstanceKnowledge | undefined, versions: Record<string, string>, full: boolean, listedAt: number): Pass {
  const pass = known?.pass;
  if (pass && sameVersions(pass.versions, versions) && (pass.full || !full)) return pass;
  return { full, startedAt: listedAt, versions, done: [], exceptions: {} };
}

/** What a decided user came to, for the pass. */
export type Finding = { readonly kind: 'matches' } | { readonly kind: 'drifted'; readonly fields: readonly IdentityField[] } | { readonly kind: 'not checked' };

/** A pass being worked on in an invocation: decisions are added as users are decided, and saved as a {@link Pass}. */
export class WorkingPass {
  private readonly done: Set<number>;
  private readonly exceptions: Record<string, Exception>;
  private overflowed: boolean;

  constructor(
    private readonly pass: Pass,
    /** How many users the instance declares. */
    readonly count: number,
  ) {
    this.done = fromRanges(pass.done);
    this.exceptions = { ...pass.exceptions };
    this.overflowed = pass.overflowed === true;
  }

  get startedAt(): number {
    return this.pass.startedAt;
  }

  get full(): boolean {
    return this.pass.full;
  }

  /** Whether user `index` must be read, given the fact and the pass. */
  decide(user: FoundUser, index: number, covered: Coverage | undefined, correct: boolean): Decision {
    if (!user.listed) return { kind: 'read', why: 'not listed' };
    const userId = user.listed.userId;
    let knowledge: { asOf: number; exception?: Exception };
    if (this.done.has(index)) knowledge = { asOf: this.pass.startedAt, exception: this.exceptions[userId] };
    else if (this.pass.full) return { kind: 'read', why: 'full re-read' };
    else if (!covered) return { kind: 'read', why: 'never checked' };
    else if (!user.sameAsCovered) return { kind: 'read', why: 'declaration changed' };
    else knowledge = { asOf: covered.asOf, exception: covered.exceptions[userId] };

    if (knowledge.exception?.[0] === NOT_CHECKED) return { kind: 'read', why: 'not checked last time' };
    if (knowledge.exception && correct) return { kind: 'read', why: 'to correct' };
    const modifiedAt = user.listed.lastModifiedAt;
    if (modifiedAt === undefined || modifiedAt + MODIFIED_TIME_RESOLUTION_MS > knowledge.asOf) return { kind: 'read', why: 'modified' };
    return knowledge.exception ? { kind: 'known', drifted: maskFields(knowledge.exception[0]) } : { kind: 'known' };
  }

  /**
   * Records user `index` (`userId`, when the listing showed one) as decided. `room` says whether the
   * ledger item can hold one more exception; without room the pass can no longer end in a fact.
   */
  decided(index: number, userId: string | undefined, finding: Finding, room: boolean): void {
    if (userId !== undefined) {
      delete this.exceptions[userId];
      if (finding.kind !== 'matches') {
        if (room) this.exceptions[userId] = [finding.kind === 'drifted' ? fieldMask(finding.fields) : NOT_CHECKED, this.pass.startedAt];
        else this.overflowed = true;
      }
    }
    // A user the listing did not show has no ID to keep an exception under; it is read again next time
    // anyway (it is not listed), so it needs none.
    this.done.add(index);
  }

  /** Exceptions the pass holds. */
  get exceptionCount(): number {
    return Object.keys(this.exceptions).length;
  }

  /** How many users are decided. */
  get decidedCount(): number {
    return this.done.size;
  }

  /** Whether every user is decided. */
  get complete(): boolean {
    return this.done.size >= this.count;
  }

  /** The pass as the ledger keeps it. */
  toPass(): Pass {
    return { ...this.pass, done: toRanges(this.done), exceptions: { ...this.exceptions }, ...(this.overflowed ? { overflowed: true } : {}) };
  }

  /** The fact the complete pass leaves: T moves to when it began; none when it overflowed. */
  fact(): Coverage | undefined {
    return this.overflowed ? undefined : { asOf: this.pass.startedAt, versions: this.pass.versions, exceptions: { ...this.exceptions } };
  }
}

/** How many exceptions a ledger item holds at most, all instances together (about 60 bytes each, of DynamoDB's 400 KB). */
export const MAX_EXCEPTIONS = 2_000;

/** Exceptions kept for all instances, in facts and passes. */
export function exceptionCount(instances: Record<string, InstanceKnowledge>): number {
  let count = 0;
  for (const known of Object.values(instances)) {
    count += Object.keys(known.covered?.exceptions ?? {}).length + Object.keys(known.pass?.exceptions ?? {}).length;
  }
  return count;
}

function sameVersions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

