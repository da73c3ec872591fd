/**
 * Simulated time for pacing models and unit tests: `sleep` resolves when the simulation reaches its
 * time, and {@link VirtualClock.run} advances from one timer to the next, letting every promise chain
 * settle in between, so that an hour of pacing runs in a second and the same seed gives the same run.
 */
import type { Clock } from '../../core/pacer';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly fire: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private order = 0;
  private readonly timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // As setTimeout does, a delay is at least 1 ms.
      this.push(this.time + Math.max(1, ms), () => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Runs timers in time order until `until` resolves (or no timer is left); returns the end time. */
  async run<T>(until: Promise<T>): Promise<T> {
    let settled = false;
    let result: { value: T } | { error: unknown } | undefined;
    until.then(
      (value) => ((settled = true), (result = { value })),
      (error) => ((settled = true), (result = { error })),
    );
    await settle();
    while (!settled) {
      const timer = this.pop();
      if (!timer) throw new Error('the simulation has no timer left, and the work has not ended');
      this.time = Math.max(this.time, timer.at);
      timer.fire();
      await settle();
    }
    if (result && 'error' in result) throw result.error;
    return (result as { value: T }).value;
  }

  private push(at: number, fire: () => void): void {
    const timer = { at, order: this.order++, fire };
    const heap = this.timers;
    heap.push(timer);
    for (let index = heap.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.timers;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/** Lets every pending promise callback run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
