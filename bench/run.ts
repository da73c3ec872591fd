/**
 * `npm run bench`: the roster design (ConnectUserRoster), the per-user design (one ConnectUserIdentity
 * per user) and AwsCustomResource, side by side in one run on one machine: synth from 1 to 10,000
 * users, time-scaled first deploys, pacing across quotas (the model and the real handler), the cost of
 * a drift check, a one-user change of a 10,000-user roster, and the command-line tool's export of a
 * center, and deploys with every event delivered twice. Writes BENCHMARKS.md and bench/chart.svg, and
 * prints the targets. `--only cli-export` (or `--only delivery`) runs that part alone and rewrites only its
 * section.
 *
 * Three phases: synth and the models, which need the CPU to themselves; the paced runs of the roster
 * design, which mostly wait on Connect's (emulated) quota and so run side by side, each in a process
 * of its own with its own emulators; then the per-user designs' deploys, whose hundred cold containers
 * need the CPU and memory to themselves.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { handlerAssetFromAssembly } from '../test/support/cloudformation-driver';
import { chartSvg } from './chart';
import { runMeasurement } from './child-measurement';
import { OUT, ROOT } from './compile';
import { DeployFigures, Quota } from './deploy-figures';
import { assetBytes, HandlerLoadSample, loadHandlerOnce } from './handler-load';
import { MeasurementSpec } from './measure';
import { pacingStudy } from './pacing-study';
import { chartPanels, CLI_EXPORT_MARKERS, cliExportSection, cliExportTargets, HandlerRow, Machine, renderMarkdown, renderSummary, Results } from './report';
import { modelDeploy, PREVIOUS_BACKOFF } from './retry-model';
import type { CliExportFigures } from './cli-export-runs';
import { ChangeFigures, ContentionFigures } from './roster-world-runs';
import { DashboardRun, dashboardSvg } from './dashboard-picture';
import type { DriftStudy } from './drift-study';
import { DELIVERY_MARKERS, DeliveryFigures, deliverySection } from './delivery-runs';
import { RESOURCE_TYPES, STACK_NAME } from './stacks';
import { median } from './synth';
import { synthStudy } from './synth-study';

/** Connect's default quota (2 requests a second, burst 5) with a 15-minute Lambda, played ten times faster. */
const DEFAULT_QUOTA_SCALED: Quota = { ratePerSecond: 20, burst: 5, timeScale: 10 };
const ROSTER_USERS = [1, 100, 400, 2_000] as const;
const LARGEST_ROSTER = 10_000;
const PER_USER_USERS = [1, 100, 400] as const;
/** AwsCustomResource deploys at 1 user; at 100 its role's policies pass IAM's limit, but its handler is run as if they did not. */
const AWS_CUSTOM_RESOURCE_USERS = [1, 100] as const;
/** A container takes about 70 MB here: 100 at once fit this machine's memory beside the rest. */
const MAX_CONTAINERS = 100;
/** The real handler at other quotas; 20/s is the 2,000-user deploy above. */
const REAL_PACING: readonly { users: number; quota: Quota }[] = [
  { users: 200, quota: { ratePerSecond: 2, burst: 5, timeScale: 1 } },
  { users: 2_000, quota: { ratePerSecond: 50, burst: 5, timeScale: 10 } },
];
/** Roster sizes of the drift study: the cost of a check against the full re-read, 1,000 to 10,000 users. */
const DRIFT_SIZES = [1_000, 10_000] as const;
const CONTENDED_USERS = 2_000;
const COMPETITOR_SHARE = 0.25;
/** `connect-user-identity export`: a center of 2,000 users at Connect's per-API default quotas, ten times faster. */
const CLI_EXPORT = { users: 2_000, timeScale: 10 } as const;
const HANDLER_RUNS = 5;

/** Delivery's cost: each design deployed with Lambda delivering each event once, then every event twice. */
const DELIVERY = [
  { design: 'roster' as const, users: 2_000 },
  { design: 'per-user' as const, users: 50 },
];

async function deliveryRuns(measure: <T>(spec: MeasurementSpec, label: string) => Promise<T>): Promise<DeliveryFigures[]> {
  const runs: DeliveryFigures[] = [];
  for (const { design, users } of DELIVERY) {
    for (const copies of [false, true]) {
      runs.push(await measure<DeliveryFigures>({ kind: 'delivery', design, users, timeScale: 10, copies }, `${design} deploy of ${users}${copies ? ', every event twice' : ''}`));
    }
  }
  return runs;
}

/** Replaces a section of BENCHMARKS.md between its markers (or adds it before "How it is measured"). */
function spliceSection(markdown: string, markers: { start: string; end: string }, section: string): string {
  const start = markdown.indexOf(markers.start);
  const end = markdown.indexOf(markers.end);
  return start >= 0 && end > start
    ? `${markdown.slice(0, start)}${section.trimEnd()}${markdown.slice(end + markers.end.length)}`
    : markdown.replace('## How it is measured', `${section}\n## How it is measured`);
}

/** `npm run bench -- --only delivery`: the delivery runs alone, their section of BENCHMARKS.md replaced. */
async function onlyDelivery(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const loadAverages = sampleLoadAverage();
  const runs = await deliveryRuns((spec, label) => runMeasurement(spec, label, progress));
  const load = loadAverages.stop();
  const note =
    `Run alone with \`npm run bench -- --only delivery\` on ${new Date().toISOString().slice(0, 10)}, on the machine above, its load average (1 min, ` +
    `sampled every 10 s, other work included) ${load.start.toFixed(2)} at the start, ${load.highest.toFixed(2)} at the highest and ${load.end.toFixed(2)} at the end.`;
  const file = path.join(ROOT, 'BENCHMARKS.md');
  writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), DELIVERY_MARKERS, deliverySection(runs, note).join('\n')));
  writeFileSync(path.join(OUT, 'delivery.json'), `${JSON.stringify(runs, null, 2)}\n`);
  process.stdout.write(`${deliverySection(runs, note).join('\n')}\n`);
}

/** `npm run bench -- --only dashboard`: the deploy dashboard's picture, bench/dashboard.svg, from a time-scaled deploy. */
async function onlyDashboard(): Promise<void> {
  const users = 2_000;
  const run = await runMeasurement<DashboardRun>({ kind: 'dashboard', users, timeScale: 10 }, `deploy of ${users} for the dashboard`, progress);
  const caption = `What a stage published during a first deploy of ${users.toLocaleString('en-US')} agents at Connect's default quotas, beside another caller, played 10 times faster (npm run bench -- --only dashboard, ${new Date().toISOString().slice(0, 10)})`;
  writeFileSync(path.join(ROOT, 'bench', 'dashboard.svg'), dashboardSvg(run, caption));
  process.stdout.write(`Wrote bench/dashboard.svg from ${run.samples.length} samples.\n`);
}

/** The export runs: alone, then beside another caller at a quarter of DescribeUser's quota. */
async function cliExportRuns(measure: <T>(spec: MeasurementSpec, label: string) => Promise<T>): Promise<CliExportFigures[]> {
  const alone = await measure<CliExportFigures>({ kind: 'cli-export', ...CLI_EXPORT }, `export of ${CLI_EXPORT.users}`);
  const beside = await measure<CliExportFigures>({ kind: 'cli-export', ...CLI_EXPORT, share: COMPETITOR_SHARE }, `export of ${CLI_EXPORT.users} beside a caller`);
  return [alone, beside];
}

/**
 * `npm run bench -- --only cli-export`: the export runs alone, their section of BENCHMARKS.md replaced
 * (or added before "How it is measured"), the rest of the file left as the last full run wrote it.
 */
async function onlyCliExport(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const loadAverages = sampleLoadAverage();
  const runs = await cliExportRuns((spec, label) => runMeasurement(spec, label, progress));
  const load = loadAverages.stop();
  const note =
    `Run alone with \`npm run bench -- --only cli-export\` on ${new Date().toISOString().slice(0, 10)}, on the machine above, its load average (1 min, ` +
    `sampled every 10 s, other work included) ${load.start.toFixed(2)} at the start, ${load.highest.toFixed(2)} at the highest and ${load.end.toFixed(2)} at the end.`;
  const file = path.join(ROOT, 'BENCHMARKS.md');
  writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), CLI_EXPORT_MARKERS, cliExportSection(runs, note).join('\n')));
  writeFileSync(path.join(OUT, 'cli-export.json'), `${JSON.stringify(runs, null, 2)}\n`);
  process.stdout.write(`${cliExportTargets(runs).map((target) => `- ${target.met ? 'met' : 'MISSED'}: ${target.name}: ${target.measured}`).join('\n')}\n\nUpdated section 8 of BENCHMARKS.md.\n`);
}

async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (only === 'cli-export') return onlyCliExport();
  if (only === 'delivery') return onlyDelivery();
  if (only === 'dashboard') return onlyDashboard();
  const startedAt = Date.now();
  const loadAverages = sampleLoadAverage();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const phases: Record<string, number> = {};
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const phaseStart = Date.now();
    try {
      return await work();
    } finally {
      phases[phase] = (Date.now() - phaseStart) / 1000;
    }
  };

  // Phase 1: CPU-bound, alone.
  const synth = await timed('synth', () => synthStudy(progress));
  const handler = await timed('handler load', async () => measureHandlers(synth.assemblyDir('roster', 1), synth.assemblyDir('aws-custom-resource', 1)));
  const pacing = await timed('pacing model', () => pacingStudy(progress));
  progress('retry policy model');
  // The scenarios core/retry.ts cites.
  const retryModel = [
    { handlers: 200, ratePerSecond: 20, burst: 10 },
    { handlers: 400, ratePerSecond: 20, burst: 10 },
    { handlers: 200, ratePerSecond: 2, burst: 5 },
    { handlers: 1000, ratePerSecond: 2, burst: 5 },
  ].map((scenario) => ({ scenario, previous: modelDeploy(scenario, PREVIOUS_BACKOFF), current: modelDeploy(scenario) }));

  // Phase 2: paced roster runs, side by side.
  const measure = <T>(spec: MeasurementSpec, label: string) => {
    progress(`${label}: started`);
    return runMeasurement<T>(spec, label, progress).then((result) => {
      progress(`${label}: done`);
      return result;
    });
  };
  const [largest, smaller, others] = await timed('paced roster runs', () =>
    Promise.all([
      measure<{ deploy: DeployFigures; change: ChangeFigures }>({ kind: 'roster-deploy', users: LARGEST_ROSTER, quota: DEFAULT_QUOTA_SCALED, oneUserChange: true }, `roster deploy of ${LARGEST_ROSTER}`),
      (async () => {
        const deploys: DeployFigures[] = [];
        for (const users of ROSTER_USERS) deploys.push((await measure<{ deploy: DeployFigures }>({ kind: 'roster-deploy', users, quota: DEFAULT_QUOTA_SCALED }, `roster deploy of ${users}`)).deploy);
        const realPacing: DeployFigures[] = [];
        for (const { users, quota } of REAL_PACING) {
          realPacing.push((await measure<{ deploy: DeployFigures }>({ kind: 'roster-deploy', users, quota }, `roster deploy of ${users} at ${quota.ratePerSecond}/s`)).deploy);
        }
        return { deploys, realPacing };
      })(),
      (async () => {
        const drift = await measure<DriftStudy>({ kind: 'drift-study', sizes: DRIFT_SIZES, quota: DEFAULT_QUOTA_SCALED }, `drift study of ${DRIFT_SIZES.join(' and ')} users`);
        const contention: ContentionFigures[] = [];
        for (const arrivals of ['periodic', 'random'] as const) {
          contention.push(
            await measure<ContentionFigures>({ kind: 'contended-deploy', users: CONTENDED_USERS, quota: DEFAULT_QUOTA_SCALED, share: COMPETITOR_SHARE, arrivals }, `deploy of ${CONTENDED_USERS} beside a ${arrivals} caller`),
          );
        }
        const cliExport = await cliExportRuns(measure);
        const delivery = await deliveryRuns(measure);
        return { drift, contention, cliExport, delivery };
      })(),
    ]),
  );

  // Phase 3: one container per user, alone.
  const containerDeploys = await timed('per-user deploys', async () => {
    const workDir = path.join(OUT, 'container-deploys');
    const runs: DeployFigures[] = [];
    const plan = [
      ...PER_USER_USERS.map((users) => ({ design: 'per-user' as const, users })),
      ...AWS_CUSTOM_RESOURCE_USERS.map((users) => ({ design: 'aws-custom-resource' as const, users })),
    ];
    for (const { design, users } of plan) {
      runs.push(await measure<DeployFigures>({ kind: 'container-deploy', design, users, quota: DEFAULT_QUOTA_SCALED, maxContainers: MAX_CONTAINERS, workDir }, `${design} deploy of ${users}`));
    }
    return runs;
  });

  const machine: Machine = {
    cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    awsCdkLib: packageVersion('aws-cdk-lib'),
    sdk: packageVersion('@aws-sdk/client-connect'),
    loadAverage: loadAverages.stop(),
  };
  const results: Results = {
    date: new Date().toISOString().slice(0, 10),
    command: 'npm run bench',
    durationS: (Date.now() - startedAt) / 1000,
    phases,
    machine,
    synth: synth.cells,
    handler,
    handlerRuns: HANDLER_RUNS,
    deploys: [...smaller.deploys, largest.deploy, ...containerDeploys],
    maxContainers: MAX_CONTAINERS,
    change: largest.change,
    pacing,
    realPacing: [...smaller.realPacing, smaller.deploys.find((each) => each.users === 2_000)!],
    contention: others.contention,
    drift: others.drift,
    retryModel,
    cliExport: others.cliExport,
  };

  writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const deliveryNote = 'Measured in the second phase above, beside the other paced runs.';
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), spliceSection(renderMarkdown(results), DELIVERY_MARKERS, deliverySection(others.delivery, deliveryNote).join('\n')));
  writeFileSync(path.join(ROOT, 'bench', 'chart.svg'), chartSvg(chartPanels(results), `npm run bench, ${results.date}: ${machine.cpus} × ${machine.cpuModel}, Node.js ${machine.node}`));
  process.stdout.write(`\n${renderSummary(results)}\n\nWrote BENCHMARKS.md and bench/chart.svg (raw results: bench/out/results.json).\n`);
}

/** The handler assets' size and cold load, ours (one bundle serves every design of this library) and AwsCustomResource's. */
function measureHandlers(rosterAssembly: string, awsCustomResourceAssembly: string): Results['handler'] {
  progress('handler: asset size and cold load');
  const lambdaEnvironment = {
    AWS_LAMBDA_FUNCTION_NAME: 'bench-handler',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'AKIABENCHEXAMPLE0000',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  };
  const subjects = {
    ours: { entry: handlerAssetFromAssembly(rosterAssembly, STACK_NAME, RESOURCE_TYPES.roster).entry, firstEventModules: [] as string[] },
    awsCustomResource: { entry: handlerAssetFromAssembly(awsCustomResourceAssembly, STACK_NAME, RESOURCE_TYPES['aws-custom-resource']).entry, firstEventModules: ['@aws-sdk/client-connect'] },
  };
  const loads: Record<keyof typeof subjects, HandlerLoadSample[]> = { ours: [], awsCustomResource: [] };
  for (let run = 0; run < HANDLER_RUNS; run++) {
    const order = run % 2 === 0 ? (['ours', 'awsCustomResource'] as const) : (['awsCustomResource', 'ours'] as const);
    for (const subject of order) loads[subject].push(loadHandlerOnce(subjects[subject].entry, subjects[subject].firstEventModules, lambdaEnvironment));
  }
  const row = (subject: keyof typeof subjects): HandlerRow => ({
    assetBytes: assetBytes(subjects[subject].entry),
    importMs: median(loads[subject].map((sample) => sample.importMs)),
    initMs: median(loads[subject].map((sample) => sample.initMs)),
  });
  return { ours: row('ours'), awsCustomResource: row('awsCustomResource') };
}

/** Samples the 1-minute load average every 10 s until stopped. */
function sampleLoadAverage(): { stop: () => Machine['loadAverage'] } {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 10_000);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(os.loadavg()[0]);
      return { start: samples[0], highest: Math.max(...samples), median: median(samples), end: samples[samples.length - 1] };
    },
  };
}

function packageVersion(name: string): string {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), 'utf8')).version;
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
