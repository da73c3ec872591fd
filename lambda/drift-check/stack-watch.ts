/**
 * The drift check's view of its stack: it works only while the stack rests at the declaration it read.
 * Before each write (once the write has its paced slot), before each drift it reports, and before it
 * records what it knows, it confirms with CloudFormation, in a read made after the moment that matters,
 * that the stack's status and its last update are still those it began with. A deploy that starts (its
 * status moves) or that has come and gone (its status is back, its last update is not) stops the check:
 * the deploy's own writes are never reported as drift, and no write follows an older declaration.
 */
import { StackState, stackState } from '../runtime/stack-state';

/** The stack is no longer as the check found it. */
export class StackChanged extends Error {
  constructor(readonly state: StackState) {
    super(`the stack went ${state.status} during the check; stopped before writing or reporting anything more`);
    this.name = 'StackChanged';
  }
}

/** Whether a status is one a check works in: the stack rests at a deployed declaration. */
export function isAtRest(status: string): boolean {
  return /^(CREATE|UPDATE|IMPORT)_COMPLETE$|^UPDATE_ROLLBACK_COMPLETE$/.test(status);
}

/** Confirms that the stack is still as it was when the check began. */
export class StackWatch {
  /** The latest read started, and when. */
  private last: { readonly askedAt: number; readonly state: Promise<StackState> };
  /** A read that starts once the latest ends: every caller asking meanwhile shares it. */
  private queued?: Promise<StackState>;
  private changedTo?: StackState;

  constructor(
    private readonly stackId: string,
    /** The stack as the check began with it. */
    readonly initial: StackState,
    private readonly read: (stackId: string) => Promise<StackState> = stackState,
  ) {
    this.last = { askedAt: Date.now(), state: Promise.resolve(initial) };
  }

  /** Why the check must stop, once the stack changed. */
  get changed(): string | undefined {
    return this.changedTo ? new StackChanged(this.changedTo).message : undefined;
  }

  /**
   * Resolves once CloudFormation, asked at or after `after` (this machine's clock: both ends are measured
   * here), reports the stack as it was; rejects with {@link StackChanged} otherwise. Callers at the same
   * moment share a read, and at most one more waits behind it: a thousand drifts found at once cost a
   * few DescribeStacks, not a thousand.
   */
  async confirm(after: number): Promise<void> {
    if (this.changedTo) throw new StackChanged(this.changedTo);
    const state = await (this.last.askedAt >= after ? this.last.state : this.nextRead());
    if (state.status !== this.initial.status || state.updatedAt !== this.initial.updatedAt) {
      this.changedTo ??= state;
      throw new StackChanged(state);
    }
  }

  private nextRead(): Promise<StackState> {
    this.queued ??= this.last.state
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        this.last = { askedAt: Date.now(), state: this.read(this.stackId) };
        return this.last.state;
      });
    return this.queued;
  }
}
