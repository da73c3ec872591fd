import { modelPacing } from './pacing-model';
import { DEFAULT_PACER_SETTINGS } from '../lambda/pacer';
(async () => {
  for (const backoff of [0.6, 0.7, 0.8]) for (const growth of [0.002, 0.005]) {
    const s = { ...DEFAULT_PACER_SETTINGS, backoff, growth };
    const a = await modelPacing({ users: 2000, ratePerSecond: 2, burst: 5 }, 'pacer', s, 3);
    const b = await modelPacing({ users: 2000, ratePerSecond: 2, burst: 5, competitorShare: 0.25 }, 'pacer', s, 3);
    const c = await modelPacing({ users: 2000, ratePerSecond: 20, burst: 5, competitorShare: 0.25 }, 'pacer', s, 3);
    const f = (x: number) => x.toFixed(3);
    console.log(`b=${backoff} g=${growth} | 2/s ratio ${f(a.ratio)} req ${f(a.requestsPerCall)} | comp2 ${f(b.competitorSuccess)} ratio ${f(b.ratio)} | comp20 ${f(c.competitorSuccess)} ratio ${f(c.ratio)}`);
  }
})();
