/**
 * Progress on stderr, so that stdout holds only results: a bar on a terminal, a line every few seconds
 * otherwise (CI logs), with the count done, the rate and the time left. Counts only, never a value.
 */
import { Presets, SingleBar } from 'cli-progress';

/** Seconds between progress lines when stderr is not a terminal. */
const LOG_INTERVAL_MS = 10_000;

/** Progress of one phase of a run. */
export class Progress {
  private readonly bar: SingleBar;
  private readonly startedAt = Date.now();
  private done = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.bar = new SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | {rate}/s | {eta_formatted} left`,
        stream,
        hideCursor: false,
        noTTYOutput: true,
        notTTYSchedule: LOG_INTERVAL_MS,
        etaBuffer: 200,
        formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? value.toLocaleString('en-US') : String(value)),
      },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { rate: '0' });
  }

  /** One more item done. */
  tick(): void {
    this.done++;
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.bar.update(this.done, { rate: seconds > 0 ? (this.done / seconds).toFixed(1) : '0' });
  }

  /** Ends the bar (its last state stays on screen). */
  stop(): void {
    this.bar.stop();
  }
}
