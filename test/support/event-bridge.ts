/**
 * EventBridge's default bus for end-to-end tests, as far as the drift check's event option needs it:
 * CloudTrail puts every recorded Connect call on the bus as an "AWS API Call via CloudTrail" event (a few
 * seconds later, as CloudTrail does), the stack's rules (read from its deployed template, intrinsics
 * resolved) are matched against it with the emulator's own reading of EventBridge's pattern rules, and a
 * matching event is sent to the rule's Lambda target through Lambda's asynchronous queue (copies, retries).
 */
import { randomUUID } from 'node:crypto';
import type { TrailEvent } from './connect-emulator';

/** A rule of the deployed template: its pattern (intrinsics resolved) and the function it targets. */
export interface DeployedRule {
  readonly logicalId: string;
  readonly pattern: Record<string, unknown>;
  readonly functionName: string;
}

/** An event as EventBridge delivers it to a target. */
export type BusEvent = Record<string, unknown> & { readonly id: string; readonly detail: Record<string, unknown> };

/** The "AWS API Call via CloudTrail" event of a trail record, as EventBridge puts it on the default bus. */
export function cloudTrailEvent(trail: TrailEvent, account: string): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.connect',
    account,
    time: trail.eventTime,
    region: trail.awsRegion,
    resources: [],
    detail: { eventVersion: '1.08', ...trail, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: account, readOnly: false },
  };
}

/**
 * Whether an event matches a pattern, by EventBridge's rules as the emulator reads them: every field of
 * the pattern must match; a leaf is a list of matchers of which one must match (an exact value,
 * `prefix`, `exists`, `anything-but` of a value, a list or a prefix); `$or` matches when one of its
 * patterns does. A matcher other than `exists: false` needs the field to be there.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const object = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Record<string, unknown>[]).some((each) => matchesPattern(each, event));
    if (Array.isArray(expected)) return matchesLeaf(expected, object[key]);
    if (expected !== null && typeof expected === 'object') return matchesPattern(expected as Record<string, unknown>, object[key]);
    throw new Error(`a pattern's leaves are lists of matchers; ${key} is not`);
  });
}

function matchesLeaf(matchers: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  const present = value !== undefined;
  return matchers.some((matcher) => {
    if (matcher === null || typeof matcher !== 'object') return present && values.includes(matcher);
    const rule = matcher as Record<string, unknown>;
    if ('exists' in rule) return rule.exists === present;
    if ('prefix' in rule) return present && values.some((each) => typeof each === 'string' && each.startsWith(String(rule.prefix)));
    if ('anything-but' in rule) {
      if (!present) return false;
      const excluded = rule['anything-but'];
      if (excluded !== null && typeof excluded === 'object' && !Array.isArray(excluded)) {
        const prefix = (excluded as { prefix?: unknown }).prefix;
        return values.every((each) => typeof each !== 'string' || !each.startsWith(String(prefix)));
      }
      const list = Array.isArray(excluded) ? excluded : [excluded];
      return values.every((each) => !list.includes(each));
    }
    throw new Error(`the emulator does not read the matcher ${JSON.stringify(rule)}`);
  });
}

export interface EventBridgeOptions {
  /** The rules deployed now. */
  readonly rules: () => readonly DeployedRule[];
  /** Sends an event to a function, as an asynchronous invocation. */
  readonly invoke: (functionName: string, event: BusEvent) => void;
  readonly account: string;
  /** How long after the call CloudTrail's event reaches the bus, in ms (already scaled). */
  readonly delayMs: readonly [number, number];
}

/** Puts CloudTrail's events on the bus and sends the matching ones to their rules' targets. */
export class EventBridgeEmulator {
  /** Every event put on the bus, and the rules it matched. */
  readonly delivered: { readonly event: BusEvent; readonly rules: string[]; readonly at: number }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: EventBridgeOptions) {}

  /** CloudTrail recorded a call: its event reaches the bus a moment later. */
  put(trail: TrailEvent): void {
    if (this.stopped) return;
    const [min, max] = this.options.delayMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      const event = cloudTrailEvent(trail, this.options.account);
      const matched = this.options.rules().filter((rule) => matchesPattern(rule.pattern, event));
      this.delivered.push({ event, rules: matched.map((rule) => rule.logicalId), at: Date.now() });
      for (const rule of matched) this.options.invoke(rule.functionName, event);
    }, min + Math.random() * (max - min));
    this.timers.add(timer);
  }

  /** Resolves when every event put so far has reached the bus. */
  async settled(): Promise<void> {
    while (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
