/**
 * `npm run bench:drift`: the drift check's part of the bench alone (drift-study.ts), for a run much
 * shorter than the whole bench. It replaces section 5 and the drift check's line of "In short" in
 * BENCHMARKS.md, adds its targets to the Targets table (replacing any earlier drift rows), and prints them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './compile';
import { driftStudy } from './drift-study';
import { driftHeadline, driftSection, driftTargets } from './report';

const SIZES = [1_000, 10_000];
const TIME_SCALE = 10;

async function main(): Promise<void> {
  const study = await driftStudy(SIZES, TIME_SCALE, (message) => process.stderr.write(`[bench:drift ${new Date().toISOString().slice(11, 19)}] ${message}\n`));
  const file = path.join(ROOT, 'BENCHMARKS.md');
  let text = readFileSync(file, 'utf8');
  const start = text.indexOf('## 5. Drift check cost');
  const end = text.indexOf('\n## 6.', start);
  if (start < 0 || end < 0) throw new Error('BENCHMARKS.md has no section 5 followed by section 6');
  text = `${text.slice(0, start)}${driftSection(study).join('\n')}${text.slice(end)}`;
  text = text.replace(/^- \*\*A drift check\*\*.*$/m, driftHeadline(study));
  const targets = driftTargets(study);
  const rows = targets.map((target) => `| ${target.name} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`);
  const lines = text.split('\n').filter((line) => !/^\| (a check of [\d,]+ users with 10 edited|the same with nothing edited|a full re-read of|event option:)/.test(line));
  const tableEnd = lines.findIndex((line, index) => index > lines.indexOf('## Targets') + 3 && !line.startsWith('|'));
  lines.splice(tableEnd, 0, ...rows);
  writeFileSync(file, lines.join('\n'));
  writeFileSync(path.join(ROOT, 'bench', 'out', 'drift-study.json'), `${JSON.stringify(study, null, 2)}\n`);
  process.stdout.write(`${targets.map((target) => `${target.met ? 'met' : 'MISSED'}: ${target.name}: ${target.measured}`).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
