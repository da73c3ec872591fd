/**
 * `npm run bench`: ConnectUserIdentity against an equivalent stack of AwsCustomResource, in the same run
 * on the same machine: synth (time, template bytes, resources, IAM policy characters), deploy-time
 * throughput against a throttled Connect emulator, the handler's size and cold load, and a model of the
 * retry policy. Writes BENCHMARKS.md and bench/chart.svg, and prints the tables.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { handlerAssetFromAssembly } from '../test/support/cloudformation-driver';
import { chartSvg } from './chart';
import { compileForSynth, OUT, ROOT } from './compile';
import { assetBytes, HandlerLoadSample, loadHandlerOnce } from './handler-load';
import { HandlerRow, Machine, renderMarkdown, renderSummary, Results, SynthRow } from './report';
import { modelDeploy, PREVIOUS_BACKOFF } from './retry-model';
import { Library, LIBRARIES, RESOURCE_TYPES, STACK_NAME } from './stacks';
import { SynthSample, synthOnce } from './synth';
import { templateMetrics } from './template-metrics';
import { measureThroughput, median } from './throughput';

const SYNTH_USERS = [1, 100, 400];
const SYNTH_RUNS = 5;
/** With the validator, each run takes seconds more: fewer of them. */
const VALIDATED_RUNS = 3;
const HANDLER_RUNS = 5;
const THROUGHPUT_USERS = 200;
const THROTTLE = { ratePerSecond: 20, burst: 10 };
/** The same ~9 s queue with fewer containers, and so less CPU for them to share: ours only. */
const SMALLER_QUEUES = [
  { users: 50, limit: { ratePerSecond: 5, burst: 5 } },
  { users: 100, limit: { ratePerSecond: 10, burst: 10 } },
];

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAverageBefore = os.loadavg()[0];
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  progress('compiling the library and the synth app');
  const script = await compileForSynth();
  const synthDir = (library: Library, users: number, validation: boolean) => path.join(OUT, 'synth', `${library}-${users}${validation ? '-validated' : ''}`);

  const samples = new Map<string, SynthSample[]>();
  const key = (library: Library, users: number, validation: boolean) => `${library}/${users}/${validation}`;
  for (const [validation, runs] of [[false, SYNTH_RUNS], [true, VALIDATED_RUNS]] as const) {
    for (let run = 0; run < runs; run++) {
      progress(`synth, ${validation ? 'with' : 'without'} the template validator: run ${run + 1} of ${runs}`);
      for (const users of SYNTH_USERS) {
        for (const library of alternate(run)) {
          const sample = synthOnce(script, library, users, synthDir(library, users, validation), validation);
          samples.set(key(library, users, validation), [...(samples.get(key(library, users, validation)) ?? []), sample]);
        }
      }
    }
  }
  const medianOf = (library: Library, users: number, validation: boolean, pick: (sample: SynthSample) => number) =>
    median(samples.get(key(library, users, validation))!.map(pick));
  const perLibrary = <T>(make: (library: Library) => T) => ({ ours: make('ours'), theirs: make('theirs') });
  const synth: SynthRow[] = SYNTH_USERS.map((users) => ({
    users,
    synthMs: perLibrary((library) => medianOf(library, users, false, (sample) => sample.synthMs)),
    processMs: perLibrary((library) => medianOf(library, users, false, (sample) => sample.processMs)),
    loadMs: perLibrary((library) => medianOf(library, users, false, (sample) => sample.loadMs)),
    validatedProcessMs: perLibrary((library) => medianOf(library, users, true, (sample) => sample.processMs)),
    template: perLibrary((library) => templateMetrics(path.join(synthDir(library, users, false), `${STACK_NAME}.template.json`), STACK_NAME)),
  }));

  progress('handler: asset size and cold load');
  const lambdaEnvironment = {
    AWS_LAMBDA_FUNCTION_NAME: 'bench-handler',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'AKIABENCHEXAMPLE0000',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  };
  const entries = perLibrary((library) => handlerAssetFromAssembly(synthDir(library, 1, false), STACK_NAME, RESOURCE_TYPES[library]).entry);
  const firstEventModules: Record<Library, string[]> = { ours: [], theirs: ['@aws-sdk/client-connect'] };
  const loads: Record<Library, HandlerLoadSample[]> = { ours: [], theirs: [] };
  for (let run = 0; run < HANDLER_RUNS; run++) {
    for (const library of alternate(run)) loads[library].push(loadHandlerOnce(entries[library], firstEventModules[library], lambdaEnvironment));
  }
  const handler = perLibrary<HandlerRow>((library) => ({
    assetBytes: assetBytes(entries[library]),
    importMs: median(loads[library].map((sample) => sample.importMs)),
    initMs: median(loads[library].map((sample) => sample.initMs)),
  }));

  progress('retry policy model');
  const model = [
    { handlers: 200, ratePerSecond: 20, burst: 10 },
    { handlers: 400, ratePerSecond: 20, burst: 10 },
    { handlers: 200, ratePerSecond: 2, burst: 5 },
    { handlers: 1000, ratePerSecond: 2, burst: 5 },
  ].map((scenario) => ({ scenario, previous: modelDeploy(scenario, PREVIOUS_BACKOFF), current: modelDeploy(scenario) }));

  const throughputRuns: Partial<Record<string, Awaited<ReturnType<typeof measureThroughput>>>> = {};
  for (const [throttled, limit] of [[true, THROTTLE], [false, undefined]] as const) {
    for (const library of LIBRARIES) {
      progress(`throughput: ${THROUGHPUT_USERS} Creates, ${library}, ${throttled ? `throttled at ${THROTTLE.ratePerSecond}/s burst ${THROTTLE.burst}` : 'no throttling'}`);
      throughputRuns[`${library}/${throttled}`] = await measureThroughput(library, THROUGHPUT_USERS, limit, OUT);
    }
  }

  const scaling = [];
  for (const { users, limit } of SMALLER_QUEUES) {
    progress(`throughput: ${users} Creates, ours, throttled at ${limit.ratePerSecond}/s burst ${limit.burst}`);
    const run = await measureThroughput('ours', users, limit, OUT);
    scaling.push({ run, model: modelDeploy({ handlers: users, ...limit }) });
  }
  scaling.push({ run: throughputRuns['ours/true']!, model: modelDeploy({ handlers: THROUGHPUT_USERS, ...THROTTLE }) });

  const machine: Machine = {
    cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    awsCdkLib: packageVersion('aws-cdk-lib'),
    sdk: packageVersion('@aws-sdk/client-connect'),
    loadAverageBefore,
    loadAverageAfter: os.loadavg()[0],
  };
  const results: Results = {
    date: new Date().toISOString().slice(0, 10),
    command: 'npm run bench',
    durationS: (Date.now() - startedAt) / 1000,
    machine,
    synthRuns: SYNTH_RUNS,
    validatedRuns: VALIDATED_RUNS,
    handlerRuns: HANDLER_RUNS,
    synth,
    handler,
    throughput: perLibrary((library) => throughputRuns[`${library}/true`]!),
    unthrottled: perLibrary((library) => throughputRuns[`${library}/false`]!),
    scaling,
    model,
  };

  writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  writeFileSync(
    path.join(ROOT, 'bench', 'chart.svg'),
    chartSvg(
      [
        { title: 'Synth time', unit: 'ms (median)', series: chartSeries(synth, (row, library) => row.synthMs[library]) },
        { title: 'Template size', unit: 'bytes', series: chartSeries(synth, (row, library) => row.template[library].bytes) },
      ],
      `npm run bench, ${results.date}: ${machine.cpus} × ${machine.cpuModel}, Node.js ${machine.node}`,
    ),
  );
  process.stdout.write(`\n${renderSummary(results)}\n\nWrote BENCHMARKS.md and bench/chart.svg (raw results: bench/out/results.json).\n`);
}

/** Ours first on even runs, AwsCustomResource first on odd ones. */
function alternate(run: number): Library[] {
  return run % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
}

function chartSeries(rows: readonly SynthRow[], value: (row: SynthRow, library: Library) => number) {
  return [
    { label: 'ConnectUserIdentity', color: '#1f77b4', points: rows.map((row) => [row.users, value(row, 'ours')] as [number, number]) },
    { label: 'AwsCustomResource (one per user)', color: '#d62728', points: rows.map((row) => [row.users, value(row, 'theirs')] as [number, number]) },
  ];
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
