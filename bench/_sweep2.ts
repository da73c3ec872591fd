import { modelPacing } from './pacing-model';
import { DEFAULT_PACER_SETTINGS } from '../lambda/pacer';
(async () => {
  for (const growth of [0.002, 0.003]) {
    const s = { ...DEFAULT_PACER_SETTINGS, backoff: 0.8, growth };
    const r = [];
    for (const [rate, comp] of [[2,0],[20,0],[50,0],[2,0.25],[20,0.25],[50,0.25]]) {
      const m = await modelPacing({ users: 2000, ratePerSecond: rate, burst: 5, competitorShare: comp }, 'pacer', s, 3);
      r.push(`${rate}/${comp}: ratio ${m.ratio.toFixed(3)} req ${m.requestsPerCall.toFixed(3)} comp ${m.competitorSuccess.toFixed(3)}`);
    }
    console.log(`g=${growth}\n  ` + r.join('\n  '));
  }
})();
