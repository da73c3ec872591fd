/**
 * The pacing model's part of the bench (see pacing-model.ts): the pacer against the SDK's adaptive
 * limiter across quotas, beside another caller of either arrival kind, and a sweep of the pacer's
 * `backoff` and `growth` around the shipped settings.
 */
import { DEFAULT_PACER_SETTINGS } from '../core/pacer';
import { modelPacing, PacingDesign, PacingResult } from './pacing-model';

/** Users in every modelled deploy: a stage's worth, as in the whole-center scenarios. */
export const MODEL_USERS = 2_000;
/** Quotas modelled, in requests a second per operation (burst 5, Connect's default burst). */
export const MODEL_RATES = [2, 20, 50] as const;
export const MODEL_BURST = 5;
/** The other caller's share of the quota. */
export const COMPETITOR_SHARE = 0.25;
export const ARRIVALS = ['periodic', 'random'] as const;
export type Arrivals = (typeof ARRIVALS)[number];

export const SWEEP_BACKOFF = [0.5, 0.65, 0.8, 0.9] as const;
export const SWEEP_GROWTH = [0.0005, 0.002, 0.01, 0.05] as const;
/** The quota of the sweep: Connect's default, time-scaled tenfold as the end-to-end runs play it. */
export const SWEEP_RATE = 20;

export interface QuotaRow {
  readonly ratePerSecond: number;
  readonly results: Record<PacingDesign, PacingResult>;
}

export interface CompetitorRow {
  readonly design: PacingDesign;
  readonly arrivals: Arrivals;
  readonly result: PacingResult;
}

export interface SweepRow {
  readonly backoff: number;
  readonly growth: number;
  /** The deploy alone. */
  readonly alone: PacingResult;
  /** Beside another caller at a quarter of the quota, by how its requests come. */
  readonly contended: Record<Arrivals, PacingResult>;
}

export interface PacingStudy {
  readonly users: number;
  readonly burst: number;
  readonly quotas: QuotaRow[];
  /** At {@link SWEEP_RATE}, another caller at {@link COMPETITOR_SHARE} of it. */
  readonly competitor: CompetitorRow[];
  readonly sweep: SweepRow[];
  readonly chosen: { readonly backoff: number; readonly growth: number };
}

const DESIGNS: readonly PacingDesign[] = ['pacer', 'sdk-adaptive'];

export async function pacingStudy(progress: (message: string) => void): Promise<PacingStudy> {
  const base = { users: MODEL_USERS, burst: MODEL_BURST };
  const quotas: QuotaRow[] = [];
  for (const ratePerSecond of MODEL_RATES) {
    progress(`pacing model: ${ratePerSecond}/s, pacer and SDK adaptive limiter`);
    const results = {} as Record<PacingDesign, PacingResult>;
    for (const design of DESIGNS) results[design] = await modelPacing({ ...base, ratePerSecond }, design);
    quotas.push({ ratePerSecond, results });
  }
  progress('pacing model: beside another caller');
  const competitor: CompetitorRow[] = [];
  for (const design of DESIGNS) {
    for (const arrivals of ARRIVALS) {
      competitor.push({ design, arrivals, result: await modelPacing({ ...base, ratePerSecond: SWEEP_RATE, competitorShare: COMPETITOR_SHARE, competitorArrivals: arrivals }, design) });
    }
  }
  progress(`pacing model: sweep of backoff × growth (${SWEEP_BACKOFF.length * SWEEP_GROWTH.length} settings)`);
  const sweep: SweepRow[] = [];
  for (const backoff of SWEEP_BACKOFF) {
    for (const growth of SWEEP_GROWTH) {
      const settings = { ...DEFAULT_PACER_SETTINGS, backoff, growth };
      const scenario = { ...base, ratePerSecond: SWEEP_RATE };
      const contended = {} as Record<Arrivals, PacingResult>;
      for (const arrivals of ARRIVALS) {
        contended[arrivals] = await modelPacing({ ...scenario, competitorShare: COMPETITOR_SHARE, competitorArrivals: arrivals }, 'pacer', settings);
      }
      sweep.push({ backoff, growth, alone: await modelPacing(scenario, 'pacer', settings), contended });
    }
  }
  return { ...base, quotas, competitor, sweep, chosen: { backoff: DEFAULT_PACER_SETTINGS.backoff, growth: DEFAULT_PACER_SETTINGS.growth } };
}
