/** Renders the results of a run as BENCHMARKS.md, the chart's panels, and the summary printed at the end of `npm run bench`. */
import { CliExportFigures, exportBoundMs } from './cli-export-runs';
import type { Panel } from './chart';
import { DeployFigures, gbSeconds, requestTotals } from './deploy-figures';
import type { ModelResult, ModelScenario } from './retry-model';
import type { PacingResult } from './pacing-model';
import type { PacingStudy } from './pacing-study';
import type { ChangeFigures, ContentionFigures } from './roster-world-runs';
import type { DriftCheckRun, DriftStudy } from './drift-study';
import { Design, DESIGN_LABELS, DESIGNS } from './stacks';
import type { SynthCell } from './synth-study';
import { SYNTH_RUNS, VALIDATED_RUNS, VALIDATED_USERS } from './synth-study';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly awsCdkLib: string;
  readonly sdk: string;
  /** The 1-minute load average, sampled every 10 s through the run. */
  readonly loadAverage: { readonly start: number; readonly highest: number; readonly median: number; readonly end: number };
}

export interface HandlerRow {
  readonly assetBytes: number;
  readonly importMs: number;
  readonly initMs: number;
}

export interface Results {
  readonly date: string;
  readonly command: string;
  readonly durationS: number;
  /** Seconds each phase took. */
  readonly phases: Record<string, number>;
  readonly machine: Machine;
  readonly synth: readonly SynthCell[];
  readonly handler: { readonly ours: HandlerRow; readonly awsCustomResource: HandlerRow };
  readonly handlerRuns: number;
  /** First deploys at Connect's default quota, time-scaled: every design and size. */
  readonly deploys: readonly DeployFigures[];
  readonly maxContainers: number;
  /** A one-user change of the largest roster. */
  readonly change: ChangeFigures;
  readonly pacing: PacingStudy;
  /** The real handler's deploys at other quotas (and the 2,000-user deploy at the default one). */
  readonly realPacing: readonly DeployFigures[];
  readonly contention: readonly ContentionFigures[];
  readonly drift: DriftStudy;
  readonly retryModel: readonly { scenario: ModelScenario; previous: ModelResult; current: ModelResult }[];
  /** `connect-user-identity export` of a center: alone, and beside another caller. */
  readonly cliExport?: readonly CliExportFigures[];
}

export interface Target {
  readonly name: string;
  readonly met: boolean;
  readonly measured: string;
}

/** CloudFormation's limits, and IAM's on a role's inline policies. */
const LIMITS = { resources: 500, templateBytes: 1_000_000, rolePolicyChars: 10_240, dynamicReferences: 60 } as const;

/** What a target is measured against. */
const TARGETS = { synthGrowth: 12, largestTemplateBytes: 1_000_000, deployRatio: 1.25, requestsPerCall: 1.25, versusAwsCustomResource: 0.5 } as const;

function cellOf(results: Results, design: Design, users: number): SynthCell | undefined {
  return results.synth.find((cell) => cell.design === design && cell.users === users);
}

function deployOf(results: Results, design: Design, users: number): DeployFigures | undefined {
  return results.deploys.find((run) => run.design === design && run.users === users);
}

/** The most users the per-user design can declare in one stack: 500 resources less those it adds to its users. */
function perUserCeiling(results: Results): number {
  const measured = results.synth.filter((cell) => cell.design === 'per-user' && cell.metrics);
  const largest = measured[measured.length - 1];
  return largest?.metrics ? LIMITS.resources - (largest.metrics.resources - largest.users) : Number.NaN;
}

/** Wall time over the bound; undefined when the burst alone covers the calls. */
function boundRatio(run: Pick<DeployFigures, 'wallMs' | 'boundMs'>): number | undefined {
  return run.boundMs > 0 ? run.wallMs / run.boundMs : undefined;
}

function requestsPerCall(run: DeployFigures): number {
  return requestTotals(run).total / run.callsNeeded;
}

function throttledShare(run: Pick<DeployFigures, 'requests'>): number {
  const { total, throttled } = requestTotals(run);
  return total === 0 ? 0 : throttled / total;
}

export function targets(results: Results): Target[] {
  return [...deployTargets(results), ...driftTargets(results.drift)];
}

/** The drift check's targets (issue 19), at the largest roster of the study. */
export function driftTargets(study: DriftStudy): Target[] {
  const users = Math.max(...study.runs.map((run) => run.users));
  const run = (kind: DriftCheckRun['kind'], edits: number) => study.runs.find((each) => each.users === users && each.kind === kind && each.edits === edits);
  const k = study.timeScale;
  const pages = Math.ceil(users / 1_000);
  const total = (each: DriftCheckRun | undefined) => Object.values(each?.requests ?? {}).reduce((sum, count) => sum + count, 0);
  const ten = run('incremental', 10);
  const none = run('incremental', 0);
  const full = run('full', 0);
  const event = run('event', 1);
  const fullBound = (users / study.describeUserRate) * 1000;
  return [
    {
      name: `a check of ${int(users)} users with 10 edited: exactly those 10 reported, ≤ ${pages} pages + 10 DescribeUser + 5 other requests, within 60 s of Connect time`,
      met: ten !== undefined && ten.drifted === 10 && (ten.requests.ListUsers ?? 0) <= pages && (ten.requests.DescribeUser ?? 0) <= 10 && total(ten) <= pages + 15 && ten.wallMs * k <= 60_000,
      measured: ten ? `${ten.drifted} reported, ${requestList(ten)}, ${seconds(ten.wallMs * k)} of Connect time (${seconds(ten.wallMs)} scaled)` : 'not run',
    },
    {
      name: `the same with nothing edited: only the ListUsers pages`,
      met: none !== undefined && total(none) === (none.requests.ListUsers ?? 0) && (none.requests.ListUsers ?? 0) <= pages,
      measured: none ? requestList(none) : 'not run',
    },
    {
      name: `a full re-read of ${int(users)} users ≤ 1.15× ${int(users)} ÷ DescribeUser's quota, ≤ 1.02 requests a user`,
      met: full !== undefined && full.wallMs <= 1.15 * fullBound && total(full) <= 1.02 * users,
      measured: full ? `${seconds(full.wallMs)} ÷ ${seconds(fullBound)} = ${ratio(full.wallMs / fullBound)}; ${ratio(total(full) / users)} requests a user (${requestList(full)})` : 'not run',
    },
    {
      name: 'event option: an edit reported within 60 s of its CloudTrail event, with ≤ 3 Connect requests',
      met: event !== undefined && event.drifted === 1 && event.wallMs * k <= 60_000 && total(event) <= 3,
      measured: event ? `${seconds(event.wallMs * k)} (${seconds(event.wallMs)} scaled), ${requestList(event)}` : 'not run',
    },
  ];
}

function requestList(run: DriftCheckRun): string {
  return Object.entries(run.requests).map(([operation, count]) => `${operation} ${int(count)}`).join(', ') || 'no request';
}

function deployTargets(results: Results): Target[] {
  const thousand = cellOf(results, 'roster', 1_000);
  const largest = cellOf(results, 'roster', 10_000);
  const growth = (largest?.synthMs ?? Number.NaN) / (thousand?.synthMs ?? Number.NaN);
  const largestBytes = largest?.metrics?.largestTemplateBytes ?? Number.NaN;
  const twoThousand = deployOf(results, 'roster', 2_000);
  const twoThousandRatio = twoThousand ? boundRatio(twoThousand) ?? Number.NaN : Number.NaN;
  const rosterDeploys = results.deploys.filter((run) => run.design === 'roster');
  const worst = rosterDeploys.reduce((top, run) => (requestsPerCall(run) > requestsPerCall(top) ? run : top), rosterDeploys[0]);
  const at400 = { roster: cellOf(results, 'roster', 400), theirs: cellOf(results, 'aws-custom-resource', 400) };
  const bytes400 = (at400.roster?.metrics?.bytes ?? Number.NaN) / (at400.theirs?.metrics?.bytes ?? Number.NaN);
  const synth400 = (at400.roster?.synthMs ?? Number.NaN) / (at400.theirs?.synthMs ?? Number.NaN);
  return [
    {
      name: `synth time of 10,000 users ÷ synth time of 1,000 ≤ ${TARGETS.synthGrowth}×`,
      met: growth <= TARGETS.synthGrowth,
      measured: `${ms(largest?.synthMs)} ms ÷ ${ms(thousand?.synthMs)} ms = ${ratio(growth)}`,
    },
    {
      name: `largest template at 10,000 users ≤ ${int(TARGETS.largestTemplateBytes)} bytes`,
      met: largestBytes <= TARGETS.largestTemplateBytes,
      measured: `${int(largestBytes)} bytes`,
    },
    {
      name: `first deploy of 2,000 users ≤ ${TARGETS.deployRatio}× the bound, no failure`,
      met: twoThousand !== undefined && twoThousand.failures === 0 && twoThousandRatio <= TARGETS.deployRatio,
      measured: twoThousand ? `${seconds(twoThousand.wallMs)} ÷ ${seconds(twoThousand.boundMs)} = ${ratio(twoThousandRatio)}, ${twoThousand.failures} failures` : 'not run',
    },
    {
      name: `Connect requests ≤ ${TARGETS.requestsPerCall}× the calls needed (every roster deploy, 1 to 10,000 users)`,
      met: rosterDeploys.every((run) => requestsPerCall(run) <= TARGETS.requestsPerCall),
      measured: worst ? `at most ${ratio(requestsPerCall(worst))} (${int(worst.users)} users: ${int(requestTotals(worst).total)} requests for ${int(worst.callsNeeded)} calls)` : 'not run',
    },
    {
      name: `template bytes at 400 users ≤ ½ of AwsCustomResource's`,
      met: bytes400 <= TARGETS.versusAwsCustomResource,
      measured: ratio(bytes400),
    },
    {
      name: `synth time at 400 users ≤ ½ of AwsCustomResource's`,
      met: synth400 <= TARGETS.versusAwsCustomResource,
      measured: ratio(synth400),
    },
  ];
}

export function renderMarkdown(results: Results): string {
  const { machine } = results;
  const lines: string[] = [
    '# Benchmarks',
    '',
    'Three ways of declaring the identity of a contact center\'s Connect users, measured side by side in one run on one machine, each declaring the same users of one instance ' +
      '(first name, last name and email) read from the same roster file with `Roster.load`:',
    '',
    `- **${DESIGN_LABELS.roster}** (the roster design): users split into stages of at most 2,500, one \`Custom::ConnectUserRoster\` each, their declarations shipped as an S3 file asset; a paced handler that hands long stages over to new invocations of itself.`,
    `- **${DESIGN_LABELS['per-user']}** (the per-user design): one \`Custom::ConnectUserIdentity\` per user, as the earlier roster declared them, each served by its own invocation of the handler.`,
    `- **${DESIGN_LABELS['aws-custom-resource']}**: what a CDK user would write without this library, one \`AwsCustomResource\` per user calling \`Connect:UpdateUserIdentityInfo\`, with \`AwsCustomResourcePolicy.fromSdkCalls({ resources: [userArn] })\`.`,
    '',
    `Run with \`${results.command}\` on ${results.date} (${minutes(results.durationS * 1000)} in all: ${Object.entries(results.phases)
      .map(([phase, secondsTaken]) => `${phase} ${Math.round(secondsTaken)} s`)
      .join(', ')}). The file and bench/chart.svg are rewritten by each run; the raw figures are in bench/out/results.json.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPUs (\`nproc\`) | ${machine.cpus} |`,
    `| CPU model | ${machine.cpuModel} |`,
    `| memory | ${machine.memoryGiB.toFixed(1)} GiB |`,
    `| Node.js | ${machine.node} |`,
    `| OS | ${machine.os} |`,
    `| aws-cdk-lib / @aws-sdk/client-connect | ${machine.awsCdkLib} / ${machine.sdk} |`,
    `| load average (1 min): at the start / median / highest / at the end | ${[machine.loadAverage.start, machine.loadAverage.median, machine.loadAverage.highest, machine.loadAverage.end].map((value) => value.toFixed(2)).join(' / ')} |`,
    '',
    "The load average, sampled every 10 s, counts the bench's own processes (the per-user deploys, last, start a hundred containers at once) and any other work the machine ran meanwhile. " +
      'Timings are noisy; synth and handler figures are medians of several samples, deploys run once each.',
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...targets(results).map((target) => `| ${target.name} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`),
    '',
    ...headlines(results),
    ...synthSection(results),
    ...deploySection(results),
    ...changeSection(results),
    ...pacingSection(results),
    ...driftSection(results.drift),
    ...handlerSection(results),
    ...retrySection(results),
    ...cliExportSection(results.cliExport ?? []),
    ...methodSection(),
  ];
  return `${lines.join('\n')}\n`;
}

/** The figures a reader asks for first. */
function headlines(results: Results): string[] {
  const largest = results.deploys.find((run) => run.design === 'roster' && run.users === 10_000);
  const lines = ['## In short', ''];
  if (largest) {
    lines.push(
      `- **10,000 users at Connect's default quota** (2 requests a second per operation, burst 5): a first deploy takes ${minutes(largest.wallMs * largest.quota.timeScale)} ` +
        `(measured ${seconds(largest.wallMs)} at ${largest.quota.timeScale} times the speed), ${ratio(boundRatio(largest))} the least the quota allows (${minutes(largest.boundMs * largest.quota.timeScale)}), ` +
        `in ${largest.stages} stages and ${largest.invocations} Lambda invocations, with ${int(requestTotals(largest).total)} Connect requests for ${int(largest.callsNeeded)} calls and ${largest.failures} failures.`,
    );
  }
  lines.push(
    `- **One user changed** in a deployed roster of 10,000: ${results.change.calls.length} Connect calls (${results.change.calls.join(', ')}), ` +
      `${results.change.stagesUpdated} of ${results.change.stages} stages updated, ${seconds(results.change.wallMs)} from the first event to the last answer.`,
  );
  lines.push(driftHeadline(results.drift));
  const tenThousand = cellOf(results, 'roster', 10_000);
  if (tenThousand?.metrics) {
    lines.push(
      `- **Synth of 10,000 users**: ${ms(tenThousand.synthMs)} ms (reading the roster included), ${tenThousand.metrics.resources} resources, a template of ${int(tenThousand.metrics.largestTemplateBytes)} bytes. ` +
        `The per-user design cannot synthesize past ${int(perUserCeiling(results))} users; AwsCustomResource's template would be ${int(cellOf(results, 'aws-custom-resource', 10_000)?.metrics?.largestTemplateBytes ?? Number.NaN)} bytes.`,
    );
  }
  lines.push('');
  return lines;
}

function synthSection(results: Results): string[] {
  const lines = ['## 1. Synth', ''];
  lines.push('![Synth time, largest template and deploy time against the number of users, for the three designs](bench/chart.svg)');
  lines.push('');
  lines.push(
    `Synth time is the median of ${SYNTH_RUNS} samples, the designs taking turns, each in a fresh Node.js process running the app compiled to JavaScript, as \`cdk synth\` runs an app. ` +
      'It runs from reading the roster file (`Roster.load`, also shown apart) to the end of `app.synth()` (constructs, synthesis, templates and assets written), with the libraries already loaded, ' +
      "and with aws-cdk-lib's template validator off (`CDK_VALIDATION=false`): the validator costs about the same few seconds for any app, and is shown apart below. " +
      'Bytes are those of every template of the cloud assembly (nested ones would count too; none of the designs has any). ' +
      'Policy chars are those of the inline policies of the role of the function that serves the custom resources, and of the `AWS::IAM::Policy` resources attached to it, ' +
      `as IAM counts them against its limit of ${int(LIMITS.rolePolicyChars)} characters: names and documents without white space, the template's intrinsics replaced with realistic values. ` +
      `Dynamic references are the \`{{resolve:...}}\` of the templates (CloudFormation allows ${LIMITS.dynamicReferences} a template).`,
  );
  lines.push('');
  lines.push('| users | design | synth ms | of which reading the roster | templates: bytes | largest template | resources | handler role policy chars | dynamic references | declaration files |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const sizes = [...new Set(results.synth.map((cell) => cell.users))].sort((a, b) => a - b);
  for (const users of sizes) {
    for (const design of DESIGNS) {
      const cell = cellOf(results, design, users);
      if (!cell) continue;
      if (cell.refusal || !cell.metrics) {
        lines.push(`| ${int(users)} | ${DESIGN_LABELS[design]} | cannot: ${refusalSummary(cell.refusal ?? '')} | | | | | | | |`);
        continue;
      }
      const m = cell.metrics;
      lines.push(
        `| ${int(users)} | ${DESIGN_LABELS[design]} | ${ms(cell.synthMs)} | ${ms(cell.rosterMs)} | ${int(m.bytes)}${m.templates > 1 ? ` (${m.templates} templates)` : ''} | ${int(m.largestTemplateBytes)}${flag(m.largestTemplateBytes > LIMITS.templateBytes)} | ` +
          `${int(m.resources)}${flag(m.resources > LIMITS.resources)} | ${int(m.handlerRolePolicyChars)}${flag(m.handlerRolePolicyChars > LIMITS.rolePolicyChars)} | ${m.dynamicReferences} | ` +
          `${m.declarationFiles > 0 ? `${m.declarationFiles}: ${int(m.declarationFileBytes)} bytes` : '–'} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `⚠ marks a figure past a limit: more than ${LIMITS.resources} resources (CloudFormation refuses the stack; CDK refuses to synthesize it unless its check is turned off, ` +
      'which the bench does for AwsCustomResource only, to measure it at all), a template over 1,000,000 bytes (CloudFormation refuses it even from S3), ' +
      `or a role's inline policies over ${int(LIMITS.rolePolicyChars)} characters (IAM refuses them: AwsCustomResource adds an \`AWS::IAM::Policy\` per user to one shared role). ` +
      `The per-user design is synthesized with the check on, as users get it: past ${int(perUserCeiling(results))} users (500 less the resources it adds to its users) CDK refuses it. ` +
      "The roster's declaration files (its users' values, one file per stage) are file assets published to the bootstrap bucket, not part of any template.",
  );
  lines.push('');
  const thousand = cellOf(results, 'roster', 1_000);
  const largest = cellOf(results, 'roster', 10_000);
  if (thousand?.synthMs && largest?.synthMs) {
    lines.push(
      `From 1,000 to 10,000 users the roster's synth time grows ${ratio(largest.synthMs / thousand.synthMs)} (target ≤ ${TARGETS.synthGrowth}×); ` +
        `with the validator on, the whole process grows ${ratio((largest.validatedProcessMs ?? Number.NaN) / (cellOf(results, 'roster', 1)?.validatedProcessMs ?? Number.NaN))} from 1 user to 10,000.`,
    );
    lines.push('');
  }
  lines.push(
    `The whole process as \`cdk synth\` runs it (Node.js start, loading the libraries, synth) with aws-cdk-lib's default template validator on, median of ${VALIDATED_RUNS}, against the same without the validator:`,
  );
  lines.push('');
  lines.push(`| users | ${DESIGNS.map((design) => `${DESIGN_LABELS[design]}: with validator / without`).join(' | ')} |`);
  lines.push(`|---:|${DESIGNS.map(() => '---:').join('|')}|`);
  for (const users of VALIDATED_USERS) {
    const cells = DESIGNS.map((design) => {
      const cell = cellOf(results, design, users);
      return cell?.validatedProcessMs !== undefined ? `${ms(cell.validatedProcessMs)} / ${ms(cell.processMs)} ms` : 'cannot';
    });
    lines.push(`| ${int(users)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

function deploySection(results: Results): string[] {
  const k = results.deploys[0]?.quota.timeScale ?? 10;
  const quota = results.deploys[0]?.quota;
  const lines = ['## 2. First deploy, time-scaled', ''];
  lines.push(
    `Connect's default quota (2 requests a second per operation, burst 5) and the handler's 15-minute Lambda, played ${k} times faster: the Connect emulator allows ${quota?.ratePerSecond} requests a second ` +
      `per operation with a burst of ${quota?.burst}, and every time limit is divided by ${k} (the Lambda timeout is ${900 / k} s, each ServiceTimeout a ${ordinal(k)}). ` +
      'Every user needs a write: Connect holds other names for all of them. Wall times and GB-seconds are as measured, in scaled time; multiplied by ' +
      `${k} they give the real figures at the default quota (the GB-seconds approximately: the handler's waits scale, its CPU time does not).`,
  );
  lines.push('');
  lines.push(
    '| design | users | invocations | Connect requests (per user) | ÷ calls needed | throttled | wall, scaled (real) | bound | ÷ bound | failures | users applied | Lambda GB-s, scaled (real) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const sizes = [1, 100, 400, 2_000, 10_000];
  for (const design of DESIGNS) {
    for (const users of sizes) {
      const run = deployOf(results, design, users);
      const label = design === 'aws-custom-resource' && users > 1 ? `${DESIGN_LABELS[design]} (as if IAM took its policies)` : DESIGN_LABELS[design];
      if (run) {
        lines.push(deployRow(label, run));
        continue;
      }
      const cell = cellOf(results, design, users);
      const why = cell?.refusal
        ? refusalSummary(cell.refusal)
        : cell?.metrics && cell.metrics.resources > LIMITS.resources
          ? `${int(cell.metrics.resources)} resources > ${LIMITS.resources}`
          : cell?.metrics && cell.metrics.handlerRolePolicyChars > LIMITS.rolePolicyChars
            ? `its role's policies: ${int(cell.metrics.handlerRolePolicyChars)} chars > ${int(LIMITS.rolePolicyChars)}`
            : undefined;
      if (why) lines.push(`| ${DESIGN_LABELS[design]} | ${int(users)} | cannot: ${why} | | | | | | | | | |`);
    }
  }
  lines.push('');
  lines.push(
    '- **calls needed**: the calls a design makes when nothing is throttled: a read and a write per user, plus the instance\'s identity management type, which the roster reads once per stage and the per-user design ' +
      'once per container (every one is cold); AwsCustomResource only writes. **throttled**: the share of all requests Connect answered 429.',
  );
  lines.push(
    '- **bound**: (calls of the busiest operation − burst) ÷ rate, the least time the busiest operation\'s bucket allows; none when the burst covers every call. **wall**: from the first event sent ' +
      '(per-user designs: from the release of the containers) to the last answer CloudFormation received. Times ten is the real time of a run the quota paces; a run of one user is process start and latency, which do not scale.',
  );
  lines.push(
    '- **Lambda GB-s**: the invocations\' durations summed (hand-overs included; an invocation that never ended counts its whole timeout), times the function\'s memory from the template ' +
      `(${[...new Set(results.deploys.map((run) => `${DESIGN_LABELS[run.design]} ${run.memoryMb} MB`))].join(', ')}).`,
  );
  lines.push(
    `- The per-user designs' containers are started and load their handler before the clock starts, then all are released at once, as Lambda starts them in parallel on separate hosts; ` +
      `a container takes about 70 MB here, so at most ${results.maxContainers} are alive at once (at 400 users, each event past the first ${results.maxContainers} waits for a container to end, as under a concurrency limit). ` +
      'The roster design runs as CloudFormation plays it: stages one after another, each invocation a fresh process, hand-overs through the Lambda emulator.',
  );
  lines.push(
    '- **invocations**: at 10 times the speed, the reserves an invocation keeps before its end for handing over (a sixth and a third of its time, at most 8 s and 30 s) take more of a 90 s Lambda than of a 15-minute one, ' +
      'so a long stage takes more invocations here than at the real quota (by that arithmetic, a stage of about 2,500 users takes 3 here and 2 with a 15-minute Lambda).',
  );
  lines.push(
    "- The pacer starts at 2 requests a second, Connect's real default, which at 10 times the speed is a tenth of the emulated quota: it finds the rest within a few dozen requests, " +
      'a delay that the small rosters\' ratios show and that does not occur at the real quota (see the real handler at 2 requests a second in section 4).',
  );
  lines.push('');
  for (const run of results.deploys) {
    const reasons = Object.entries(run.failureReasons);
    if (reasons.length > 0) lines.push(`${DESIGN_LABELS[run.design]}, ${int(run.users)} users, failures: ${reasons.map(([reason, count]) => `${count} × "${reason}"`).join('; ')}.`, '');
  }
  return lines;
}

function deployRow(label: string, run: DeployFigures): string {
  const { total } = requestTotals(run);
  const k = run.quota.timeScale;
  const bound = boundRatio(run);
  return (
    `| ${label} | ${int(run.users)} | ${int(run.invocations)} | ${int(total)} (${(total / run.users).toFixed(2)}) | ${ratio(requestsPerCall(run))} | ${percent(throttledShare(run))} | ` +
    `${seconds(run.wallMs)} (${minutes(run.wallMs * k)}) | ${run.boundMs > 0 ? seconds(run.boundMs) : '–'} | ${bound === undefined ? '–' : ratio(bound)} | ${run.failures} | ${int(run.usersApplied)} | ` +
    `${gb(gbSeconds(run))} (${gb(gbSeconds(run) * k)}) |`
  );
}

function changeSection(results: Results): string[] {
  const change = results.change;
  return [
    '## 3. One user changed in a deployed 10,000-user roster',
    '',
    `After the 10,000-user deploy above, the same roster with one user's last name changed, deployed over it: ${change.stagesUpdated} of ${change.stages} stages got an Update (the others' declaration files did not change), ` +
      `${change.invocations} invocation, and these Connect calls: ${change.calls.map((call) => `\`${call}\``).join(', ')}. It took ${seconds(change.wallMs)} from the event to the answer ` +
      '(not paced by the quota: a fresh process, the two declaration files read from S3, and three calls), and ' +
      `${change.succeeded ? 'the user holds the new name' : '**the change did not complete**'}. The stage reads the previous declaration file to find what changed, so the stage's other users are neither read nor written.`,
    '',
  ];
}

function pacingSection(results: Results): string[] {
  const study = results.pacing;
  const lines = ['## 4. Pacing across quotas', ''];
  lines.push(
    `The pacer (core/pacer.ts) against the SDK's adaptive retry limiter (\`@smithy/util-retry\`'s \`DefaultRateLimiter\`, one per client as the SDK keeps it), in the pacing model (bench/pacing-model.ts): ` +
      `${int(study.users)} users, each read and written, against a token bucket per operation (burst ${study.burst}), in simulated time, each figure the mean of 3 seeds. ` +
      'Beside it, the real handler against the Connect emulator (a whole-stack deploy, as in section 2). ratio: time to the last user over the bound; requests per call: requests over the calls needed.',
  );
  lines.push('');
  lines.push('| quota | model, pacer: ratio / requests per call / throttled | model, SDK adaptive: ratio / requests per call / throttled | real handler: users, ratio / requests per call / throttled |');
  lines.push('|---:|---|---|---|');
  for (const row of study.quotas) {
    const real = results.realPacing.find((run) => run.quota.ratePerSecond === row.ratePerSecond);
    const realText = real
      ? `${int(real.users)} users${real.quota.timeScale > 1 ? ` (k = ${real.quota.timeScale})` : ' (not scaled)'}: ${ratio(boundRatio(real))} / ${ratio(requestsPerCall(real))} / ${percent(throttledShare(real))}`
      : 'not run';
    lines.push(`| ${row.ratePerSecond}/s | ${modelCell(row.results.pacer)} | ${modelCell(row.results['sdk-adaptive'])} | ${realText} |`);
  }
  lines.push('');
  const rate = results.contention[0]?.deploy.quota.ratePerSecond ?? 20;
  lines.push(
    `Beside another caller that sends DescribeUser at a quarter of the quota (${rate}/s, so ${rate / 4}/s) for the whole deploy, without retrying: its requests either evenly spaced (periodic) or at random intervals ` +
      'between half and one and a half times the mean (random). Its success share is what the deploy leaves it; ratio is against the bound of the full quota, so 1.33× is the deploy taking exactly the three quarters left.',
  );
  lines.push('');
  lines.push('| | other caller: periodic, success / deploy ratio / throttled | other caller: random, success / deploy ratio / throttled |');
  lines.push('|---|---|---|');
  for (const design of ['pacer', 'sdk-adaptive'] as const) {
    const cells = (['periodic', 'random'] as const).map((arrivals) => {
      const result = study.competitor.find((row) => row.design === design && row.arrivals === arrivals)?.result;
      return result ? `${percent(result.competitorSuccess)} / ${ratio(result.ratio)} / ${percent(result.throttledShare)}` : '–';
    });
    lines.push(`| model, ${design === 'pacer' ? 'pacer' : 'SDK adaptive'} | ${cells.join(' | ')} |`);
  }
  const realCells = (['periodic', 'random'] as const).map((arrivals) => {
    const run = results.contention.find((each) => each.arrivals === arrivals);
    return run
      ? `${percent(run.competitor.succeeded / run.competitor.sent)} of ${int(run.competitor.sent)} / ${ratio(boundRatio(run.deploy))} / ${percent(throttledShare(run.deploy))}`
      : '–';
  });
  lines.push(`| real handler, ${int(results.contention[0]?.deploy.users ?? 0)} users (k = ${results.contention[0]?.deploy.quota.timeScale ?? '–'}) | ${realCells.join(' | ')} |`);
  lines.push('');
  lines.push(
    `The pacer's settings, swept around the shipped ones (backoff ${study.chosen.backoff}, growth ${study.chosen.growth}, in **bold**): after a throttle the rate becomes \`backoff\` × the measured rate of successes, ` +
      `and each paced success raises it by \`growth\`. ${int(study.users)} users at ${20}/s in the model; alone, and beside the other caller at a quarter of the quota.`,
  );
  lines.push('');
  lines.push('| backoff | growth | alone: ratio / throttled | beside a periodic caller: its success / deploy ratio | beside a random caller: its success / deploy ratio |');
  lines.push('|---:|---:|---|---|---|');
  for (const row of study.sweep) {
    const chosen = row.backoff === study.chosen.backoff && row.growth === study.chosen.growth;
    const bold = (text: string) => (chosen ? `**${text}**` : text);
    lines.push(
      `| ${bold(String(row.backoff))} | ${bold(String(row.growth))} | ${bold(`${ratio(row.alone.ratio)} / ${percent(row.alone.throttledShare)}`)} | ` +
        `${bold(`${percent(row.contended.periodic.competitorSuccess)} / ${ratio(row.contended.periodic.ratio)}`)} | ${bold(`${percent(row.contended.random.competitorSuccess)} / ${ratio(row.contended.random.ratio)}`)} |`,
    );
  }
  lines.push('');
  lines.push(
    'A larger `growth` finishes sooner alone but takes more from the other caller; a smaller one leaves the bucket idle. The other caller\'s share is the lowest of the 3 seeds, the rest their mean.',
  );
  lines.push('');
  return lines;
}

function modelCell(result: PacingResult): string {
  return `${ratio(result.ratio)} / ${ratio(result.requestsPerCall)} / ${percent(result.throttledShare)}`;
}

/** The drift check's line of "In short". */
export function driftHeadline(study: DriftStudy): string {
  const users = Math.max(...study.runs.map((run) => run.users));
  const k = study.timeScale;
  const find = (kind: DriftCheckRun['kind'], edits: number) => study.runs.find((run) => run.users === users && run.kind === kind && run.edits === edits);
  const ten = find('incremental', 10);
  const full = find('full', 0);
  const total = (run: DriftCheckRun | undefined) => Object.values(run?.requests ?? {}).reduce((sum, count) => sum + count, 0);
  return (
    `- **A drift check** of ${int(users)} users with 10 edited since the last: ${int(total(ten))} Connect requests and ${seconds((ten?.wallMs ?? Number.NaN) * k)} at the default quotas, ` +
    `against ${int(total(full))} requests and ${minutes((full?.wallMs ?? Number.NaN) * k)} for a full re-read (section 5).`
  );
}

/** Section 5: what a drift check costs, incremental against the full re-read. */
export function driftSection(study: DriftStudy): string[] {
  const k = study.timeScale;
  const total = (run: DriftCheckRun) => Object.values(run.requests).reduce((sum, count) => sum + count, 0);
  const gbOf = (run: DriftCheckRun) => (run.lambdaMs / 1000) * (study.memoryMb / 1024);
  const rows = study.runs.map((run) => {
    const full = study.runs.find((each) => each.users === run.users && each.kind === 'full') ?? run;
    const label = run.kind === 'first' ? 'first check (reads all)' : run.kind === 'full' ? 'full re-read' : run.kind === 'event' ? 'event option, 1 edit' : `incremental, ${int(run.edits)} edits`;
    return (
      `| ${int(run.users)} | ${label} | ${requestList(run)} | ${int(total(run))} (${int(run.throttled)}) | ${ratio(total(run) / total(full))} | ` +
      `${seconds(run.wallMs)} (${seconds(run.wallMs * k)}) | ${run.invocations} | ${gb(gbOf(run) * k)} |`
    );
  });
  return [
    '## 5. Drift check cost',
    '',
    `Checks of a deployed roster, started as their schedules start them (ConnectUserDriftCheck, reporting only), at Connect's default quotas per operation ` +
      `(DescribeUser and ListUsers 10 a second, the others 2) played ${k} times faster; the check function has ${study.memoryMb} MB. On each roster: the stack's first check ` +
      '(nothing is known yet: every user is read, at a pace still to be found), then incremental checks after 0, 10, 100 and 1,000 users were edited in Connect (each after the one before; ' +
      'users that drifted earlier are reported again without a read), then a scheduled full re-read (as the daily one runs), and on the largest roster a check of one edited user started by its CloudTrail event (2 to 10 s after the edit).',
    '',
    '| users | check | Connect requests | in all (throttled) | of a full re-read | time, scaled (Connect time) | invocations | Lambda GB-s (real) |',
    '|---:|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'An incremental check costs the pages of ListUsers (1,000 users a page), one DescribeInstance per instance when it reads anyone, and one DescribeUser per user edited ' +
      'since the last check; its time is mostly the Lambda and the pacing of those few requests. A full re-read reads every user once, at about DescribeUser\'s quota. ' +
      'The event option reads the edited user alone. With correction on, each drifted user adds one write (and one read at the next check, whose write moved it).',
    '',
  ];
}

function handlerSection(results: Results): string[] {
  const rows = [
    ['ours (every design of this library)', results.handler.ours],
    ['AwsCustomResource', results.handler.awsCustomResource],
  ] as const;
  return [
    '## 6. Handler',
    '',
    `The code each library's function is deployed from (the staged asset of the synthesized template), loaded cold in a fresh process with a Lambda-like environment; median of ${results.handlerRuns}, alternating. ` +
      "\"init\" runs from `require` to the next turn of the event loop, with the packages the handler loads on its first event loaded too: AwsCustomResource's handler requires " +
      '`@aws-sdk/client-connect` (from the Lambda runtime) on its first event; ours bundles the SDK it was tested with and warms it during init.',
    '',
    '| | asset bytes | import ms | init ms |',
    '|---|---:|---:|---:|',
    ...rows.map(([label, row]) => `| ${label} | ${int(row.assetBytes)} | ${ms(row.importMs)} | ${ms(row.initMs)} |`),
    '',
  ];
}

function retrySection(results: Results): string[] {
  return [
    '## 7. Retry policy of the per-user design, modelled',
    '',
    "A `ConnectUserIdentity` (a single declaration, or a roster entry holding a deploy-time value) is applied by its own invocation, which retries throttled calls with the handler's retry policy (core/retry.ts) rather than the roster's pacer. " +
      "The model (bench/retry-model.ts): N handlers making the handler's three calls in turn against one token bucket per operation, in simulated time, with the handler's own `backoffCeiling`; " +
      'the previous policy (full jitter, 100 ms doubling to a 2 s cap) against the current one (125 ms growing fourfold to 2 s; past 12 s of waiting, a sixth of the time waited, at most 15 s).',
    '',
    '| handlers | bucket | previous: time ÷ lower bound | requests/s | current: time ÷ lower bound | requests/s |',
    '|---:|---|---:|---:|---:|---:|',
    ...results.retryModel.map(
      ({ scenario, previous, current }) =>
        `| ${int(scenario.handlers)} | ${scenario.ratePerSecond}/s, burst ${scenario.burst} | ${ratio(previous.ratio)} | ${Math.round(previous.requestsPerSecond)} | ${ratio(current.ratio)} | ${Math.round(current.requestsPerSecond)} |`,
    ),
    '',
  ];
}

function methodSection(): string[] {
  return [
    '## How it is measured',
    '',
    '- Every stack is environment-agnostic and synthesized as `cdk synth` does (path metadata and version reporting on). The AwsCustomResource is the idiomatic one: `onUpdate` ' +
      '(used for Create too, so that a changed declaration is applied, as ours does), `physicalResourceId` `<instance>/<user>`, one `fromSdkCalls` policy per user ARN, and ' +
      "`installLatestAwsSdk: false`, as CDK's own synth warning advises.",
    '- Deploys run the code the synthesized templates reference, found by following each template\'s ServiceToken to its function\'s asset: our bundled handler, and CDK\'s AwsCustomResource handler. ' +
      "AwsCustomResource's handler gets two adaptations that change nothing it does: each container loads `@aws-sdk/client-connect` during its init (in Lambda the package is on disk in the runtime), " +
      "and its answer, which it PUTs to port 443, is routed to the local CloudFormation endpoint. Its SDK keeps its defaults (3 attempts, the standard retry).",
    '- The roster deploys play CloudFormation over the whole template (test/support/stack-deployer.ts): the declaration files published to an S3 emulator, stages in dependency order, each invocation ' +
      'a fresh Node.js process, hand-overs through a Lambda Invoke emulator, ServiceTimeouts enforced. Connect is the emulator of the end-to-end tests (test/support/connect-emulator.ts), a token bucket per operation.',
    `- The paced roster runs (sections 2 to 5) ran side by side, each in a process of its own with its own emulators, as they compete for no quota and use little CPU; synth, the models and the per-user designs' deploys ran alone. ` +
      'The per-user containers run at a lower scheduling priority than the emulators.',
    "- The real handler at 2 requests a second runs unscaled (k = 1, the handler's real 15-minute Lambda); at 50 it stands for a quota of 5 raised tenfold, like the default one.",
    `- Dropped from the previous bench: the 200 per-user Creates released at once against AwsCustomResource's (section 2 deploys each design whole, at the default quota, the per-user one up to 400 users), ` +
      "the same queue with fewer containers (a per-user matter the roster's single paced container makes moot), and the target \"one resource per user plus a constant\" (the roster's resources no longer grow with its users).",
    '',
  ];
}

/** The chart's panels: synth time, largest template and deploy time over its bound, against the number of users. */
export function chartPanels(results: Results): Panel[] {
  const colors: Record<Design, string> = { 'roster': '#1f77b4', 'per-user': '#2ca02c', 'aws-custom-resource': '#d62728' };
  const series = (measure: (design: Design, users: number) => number | undefined) =>
    DESIGNS.map((design) => ({
      label: DESIGN_LABELS[design],
      color: colors[design],
      points: [...new Set(results.synth.map((cell) => cell.users))]
        .sort((a, b) => a - b)
        .flatMap((users) => {
          const value = measure(design, users);
          return value === undefined || !Number.isFinite(value) ? [] : [[users, value] as [number, number]];
        }),
    }));
  return [
    { title: 'Synth time', unit: 'ms (median, validator off)', xLog: true, series: series((design, users) => cellOf(results, design, users)?.synthMs) },
    {
      title: 'Largest template',
      unit: 'bytes',
      xLog: true,
      yLog: true,
      limit: { value: LIMITS.templateBytes, label: "CloudFormation's limit" },
      series: series((design, users) => cellOf(results, design, users)?.metrics?.largestTemplateBytes),
    },
    {
      title: 'First deploy, time ÷ bound',
      unit: 'at the default quota (time-scaled)',
      xLog: true,
      limit: { value: TARGETS.deployRatio, label: 'target (at 2,000 users)', labelAt: 'end' },
      series: series((design, users) => {
        const run = deployOf(results, design, users);
        return run && (design !== 'aws-custom-resource' || users === 1) ? boundRatio(run) : undefined;
      }),
    },
  ];
}

/** The summary printed at the end of a run. */
export function renderSummary(results: Results): string {
  return [
    ...headlines(results),
    '## Targets',
    '',
    ...[...targets(results), ...cliExportTargets(results.cliExport ?? [])].map((target) => `- ${target.met ? 'met' : 'MISSED'}: ${target.name}: ${target.measured}`),
  ].join('\n');
}

/** CDK's refusal to synthesize, shortened to its reason. */
function refusalSummary(message: string): string {
  const match = /resources in stack '[^']*': (\d+) is greater than allowed maximum of (\d+)/.exec(message);
  return match ? `${int(Number(match[1]))} resources > ${match[2]} (CDK refuses to synthesize)` : message.slice(0, 120);
}

function flag(over: boolean): string {
  return over ? ' ⚠' : '';
}

function ordinal(k: number): string {
  return k === 10 ? 'tenth' : `1/${k}`;
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(value < 0.1 && value > 0 ? 1 : 0)}%`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '–' : int(value);
}

/** A duration in seconds, or in ms below one second. */
function seconds(valueMs: number): string {
  return valueMs < 1_000 ? `${Math.round(valueMs)} ms` : `${(valueMs / 1000).toFixed(1)} s`;
}

/** GB-seconds with two significant digits at least. */
function gb(value: number): string {
  return value >= 100 ? int(value) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A duration in seconds up to two minutes, in minutes beyond. */
function minutes(valueMs: number): string {
  return valueMs < 120_000 ? seconds(valueMs) : `${(valueMs / 60_000).toFixed(1)} min`;
}

function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

/** What `export` is held to, against Connect's per-API default quotas played k times faster. */
const CLI_EXPORT_TARGETS = { boundRatio: 1.15, requestsPerCall: 1.02, competitorShare: 0.9 } as const;

/** Where the export section sits in BENCHMARKS.md, so that `npm run bench -- --only cli-export` can replace it alone. */
export const CLI_EXPORT_MARKERS = { start: '<!-- cli-export: start -->', end: '<!-- cli-export: end -->' } as const;

function exportTotals(run: CliExportFigures): { total: number; throttled: number; through: number } {
  const { total, throttled } = requestTotals(run);
  return { total, throttled, through: total - throttled };
}

/** The export's targets: time over the bound and requests per call alone, the other caller's share beside it. */
export function cliExportTargets(runs: readonly CliExportFigures[]): Target[] {
  const alone = runs.find((run) => run.share === undefined);
  const beside = runs.find((run) => run.share !== undefined);
  const targetsMet: Target[] = [];
  if (alone) {
    const { total, through } = exportTotals(alone);
    targetsMet.push(
      {
        name: `export of ${int(alone.users)} users ≤ ${CLI_EXPORT_TARGETS.boundRatio}× the bound of its reads (each operation at its own quota)`,
        met: alone.exitCode === 0 && alone.spanMs / alone.boundMs <= CLI_EXPORT_TARGETS.boundRatio,
        measured: `${seconds(alone.spanMs)} ÷ ${seconds(alone.boundMs)} = ${ratio(alone.spanMs / alone.boundMs)}`,
      },
      {
        name: `export: Connect requests ≤ ${CLI_EXPORT_TARGETS.requestsPerCall} per call that got through`,
        met: total / through <= CLI_EXPORT_TARGETS.requestsPerCall,
        measured: `${int(total)} requests for ${int(through)} calls = ${(total / through).toFixed(3)}`,
      },
    );
  }
  if (beside?.competitor && beside.share !== undefined) {
    const kept = beside.competitor.succeeded / beside.competitor.sent;
    targetsMet.push({
      name: `another DescribeUser caller at ${percent(beside.share)} of the quota keeps ≥ ${percent(CLI_EXPORT_TARGETS.competitorShare)} of its requests during an export`,
      met: beside.exitCode === 0 && kept >= CLI_EXPORT_TARGETS.competitorShare,
      measured: `${int(beside.competitor.succeeded)} of ${int(beside.competitor.sent)} = ${percent(kept)}`,
    });
  }
  return targetsMet;
}

/** Section 8: `connect-user-identity export`, between markers; `note` says how it was run when run alone. */
export function cliExportSection(runs: readonly CliExportFigures[], note?: string): string[] {
  if (runs.length === 0) return [];
  const first = runs[0];
  const k = first.timeScale;
  const quota = (operation: string) => `${first.quotas[operation].ratePerSecond}/s (burst ${first.quotas[operation].burst})`;
  const row = (run: CliExportFigures) => {
    const { total, throttled, through } = exportTotals(run);
    const shareBound =
      run.share === undefined
        ? '–'
        : ratio(run.spanMs / exportBoundMsAtShare(run));
    const competitor = run.competitor ? `${int(run.competitor.succeeded)} of ${int(run.competitor.sent)} (${percent(run.competitor.succeeded / run.competitor.sent)})` : '–';
    return `| ${run.share === undefined ? 'alone' : `beside a caller at ${percent(run.share)} of DescribeUser's quota`} | ${int(run.usersExported)} | ${seconds(run.spanMs)} (${minutes(run.spanMs * k)}) | ${seconds(run.boundMs)} | ${ratio(run.spanMs / run.boundMs)} | ${shareBound} | ${int(total)} / ${int(through)} (${int(throttled)} throttled) | ${competitor} | ${seconds(run.processMs)} |`;
  };
  return [
    CLI_EXPORT_MARKERS.start,
    '## 8. Export of a running center (the command-line tool)',
    '',
    `\`connect-user-identity export\` of ${int(first.users)} users, the bundled tool in a process of its own, against Connect's per-API default quotas played ${k} times faster ` +
      `(DescribeUser ${quota('DescribeUser')}, ListUsers ${quota('ListUsers')}, DescribeInstance ${quota('DescribeInstance')}). It reads the instance, lists its users a page of 1,000 ` +
      'at a time, then describes each user, every call paced per operation. The span runs from its first request to its last answer; the bound is the least time the quotas allow for the calls that got through, ' +
      "each operation at its own quota ((calls − burst) ÷ rate of the busiest). Beside another caller, that caller takes its share of DescribeUser's quota, so the export's bound at the quota left is given too.",
    '',
    ...(note ? [note, ''] : []),
    '| run | users exported | span, scaled (real) | bound | span ÷ bound | span ÷ bound at the quota left | requests / calls through | other caller got through | process, start to end |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map(row),
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...cliExportTargets(runs).map((target) => `| ${target.name} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`),
    '',
    CLI_EXPORT_MARKERS.end,
    '',
  ];
}

/** The bound of a run beside another caller, at the DescribeUser quota the caller leaves. */
function exportBoundMsAtShare(run: CliExportFigures): number {
  const left: Record<string, { ratePerSecond: number; burst: number }> = { ...run.quotas, DescribeUser: { ...run.quotas.DescribeUser, ratePerSecond: run.quotas.DescribeUser.ratePerSecond * (1 - (run.share ?? 0)) } };
  return exportBoundMs(Object.fromEntries(Object.entries(run.requests).map(([operation, stats]) => [operation, stats.total - stats.throttled])), left);
}
