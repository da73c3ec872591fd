/**
 * An invocation's hold on one ledger item (ledger.ts): the one rule for "is this work still mine?" and
 * for writing it back, shared by the custom resources' work (a resource's request) and the drift check
 * (a check). What makes an item someone else's is the caller's to say (`whyNotMine`); how it is confirmed
 * and written is here.
 */
import { Ledger, LedgerEntry } from './ledger';

/** Why the item `current` (as just read) is no longer the work `mine` holds; undefined while it still is. */
export type OwnershipRule<T> = (current: T | undefined, mine: T) => string | undefined;

/** Writes attempted at most when others write the same item at the same moment, while it stays this invocation's. */
const WRITE_ATTEMPTS = 5;

/** Holds a claimed item: checks that it is still this invocation's work, and writes its changes. */
export class HeldEntry<T> {
  private entry: LedgerEntry<T>;
  private confirmedAt = Date.now();
  private lostWhy?: string;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ledger: Ledger,
    private readonly key: string,
    entry: LedgerEntry<T>,
    private readonly whyNotMine: OwnershipRule<T>,
  ) {
    this.entry = entry;
  }

  /** The item as this invocation last wrote or read it. */
  get state(): T {
    return this.entry.state;
  }

  /** Why the work is no longer this invocation's, once it is not. */
  get lost(): string | undefined {
    return this.lostWhy;
  }

  /**
   * Whether the work is still this invocation's: read again from the ledger when the last confirmation is
   * older than `freshMs` (what others wrote meanwhile, such as a request to stop, is then in `state`).
   * Once lost, always lost.
   */
  async stillMine(freshMs: number): Promise<boolean> {
    if (this.lostWhy) return false;
    if (Date.now() - this.confirmedAt < freshMs) return true;
    const read = await this.ledger.read<T>(this.key);
    this.confirmedAt = Date.now();
    const why = this.ownership(read);
    if (why) this.lostWhy = why;
    else this.entry = read!;
    return !why;
  }

  /**
   * Writes `change` over the item, if it is still this invocation's work: when someone else wrote it in
   * between and it is still this invocation's (a newer check asking it to stop, say), `change` is laid
   * over what they wrote. Resolves to whether it was written. Updates run one after another (a lease
   * renewal and an answer may be asked for at the same moment).
   */
  update(change: (state: T) => T): Promise<boolean> {
    const next = this.writing.then(() => this.write(change));
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Waits until `deadline` for another invocation to take up the work this one handed over (the item
   * changes). Resolves to whether one did.
   */
  async takenUpBefore(deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      const entry = await this.ledger.read<T>(this.key).catch(() => undefined);
      if (entry && entry.version !== this.entry.version) return true;
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(200, deadline - Date.now()))));
    }
    return false;
  }

  private async write(change: (state: T) => T): Promise<boolean> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (this.lostWhy) return false;
      const written = await this.ledger.write(this.key, change(this.entry.state), this.entry.version);
      if (written) {
        this.entry = written;
        this.confirmedAt = Date.now();
        return true;
      }
      const read = await this.ledger.read<T>(this.key);
      const why = this.ownership(read);
      if (why) {
        this.lostWhy = why;
        return false;
      }
      this.entry = read!;
    }
    this.lostWhy = 'others kept writing the ledger entry';
    return false;
  }

  private ownership(read: LedgerEntry<T> | undefined): string | undefined {
    return read ? this.whyNotMine(read.state, this.entry.state) : 'the ledger entry is gone';
  }
}
