/** Renders the results of a run as BENCHMARKS.md and the table printed at the end of `npm run bench`. */
import { TemplateMetrics } from './template-metrics';
import { ThroughputResult } from './throughput';
import { Library } from './stacks';
import { ModelResult, ModelScenario } from './retry-model';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly awsCdkLib: string;
  readonly sdk: string;
  readonly loadAverageBefore: number;
  readonly loadAverageAfter: number;
}

export interface SynthRow {
  readonly users: number;
  /** Median ms from `new App()` to the end of synth, validator off. */
  readonly synthMs: Record<Library, number>;
  /** Median ms of the whole process, validator off. */
  readonly processMs: Record<Library, number>;
  /** Median ms of loading the library. */
  readonly loadMs: Record<Library, number>;
  /** Median ms of the whole process, with aws-cdk-lib's default template validator. */
  readonly validatedProcessMs: Record<Library, number>;
  readonly template: Record<Library, TemplateMetrics>;
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
  readonly machine: Machine;
  readonly synthRuns: number;
  readonly validatedRuns: number;
  readonly handlerRuns: number;
  readonly synth: readonly SynthRow[];
  readonly handler: Record<Library, HandlerRow>;
  readonly throughput: Record<Library, ThroughputResult>;
  readonly unthrottled: Record<Library, ThroughputResult>;
  readonly model: readonly { scenario: ModelScenario; previous: ModelResult; current: ModelResult }[];
  /** Ours on queues of the same length with fewer containers, against the model's prediction. */
  readonly scaling: readonly { run: ThroughputResult; model: ModelResult }[];
}

export interface Target {
  readonly name: string;
  readonly met: boolean;
  readonly measured: string;
}

/** IAM's limit on the inline policies of one role, in characters. */
const ROLE_INLINE_LIMIT = 10_240;
/** CloudFormation's limit on the resources of one template. */
const TEMPLATE_RESOURCE_LIMIT = 500;

export function targets(results: Results): Target[] {
  const largest = results.synth[results.synth.length - 1];
  const bytesRatio = largest.template.ours.bytes / largest.template.theirs.bytes;
  const synthRatio = largest.synthMs.ours / largest.synthMs.theirs;
  const ours = results.throughput.ours;
  const throughputRatio = ours.wallMs / ours.lowerBoundMs;
  const constants = results.synth.map((row) => row.template.ours.resources - row.users);
  return [
    { name: `template bytes at N = ${largest.users} ≤ ½ of AwsCustomResource's`, met: bytesRatio <= 0.5, measured: ratio(bytesRatio) },
    { name: `synth time at N = ${largest.users} ≤ ½ of AwsCustomResource's`, met: synthRatio <= 0.5, measured: ratio(synthRatio) },
    {
      name: `${ours.users} throttled Creates: no failure, within 1.25× the lower bound (${seconds(ours.lowerBoundMs * 1.25)})`,
      met: ours.failures === 0 && throughputRatio <= 1.25,
      measured: `${ours.failures} failures, ${seconds(ours.wallMs)} = ${ratio(throughputRatio)}`,
    },
    {
      name: 'one CloudFormation resource per declared user, plus a constant',
      met: new Set(constants).size === 1,
      measured: `resources − N = ${[...new Set(constants)].join(', ')}`,
    },
  ];
}

export function renderMarkdown(results: Results): string {
  const { machine } = results;
  const lines: string[] = [];
  lines.push('# Benchmarks');
  lines.push('');
  lines.push(
    'ConnectUserIdentity ("ours") against what a CDK user would write without it: one `AwsCustomResource` per user calling ' +
      '`Connect:UpdateUserIdentityInfo`, with `AwsCustomResourcePolicy.fromSdkCalls({ resources: [userArn] })` ("AwsCustomResource"). ' +
      'Both declare the same users of one instance (first name, last name and email), in the same run on the same machine.',
  );
  lines.push('');
  lines.push(`Run with \`${results.command}\` on ${results.date} (${Math.round(results.durationS)} s in all). The file is rewritten by each run.`);
  lines.push('');
  lines.push('| machine | |');
  lines.push('|---|---|');
  lines.push(`| CPUs (\`nproc\`) | ${machine.cpus} |`);
  lines.push(`| CPU model | ${machine.cpuModel} |`);
  lines.push(`| memory | ${machine.memoryGiB.toFixed(1)} GiB |`);
  lines.push(`| Node.js | ${machine.node} |`);
  lines.push(`| OS | ${machine.os} |`);
  lines.push(`| aws-cdk-lib / @aws-sdk/client-connect | ${machine.awsCdkLib} / ${machine.sdk} |`);
  lines.push(`| load average (1 min) before / after | ${machine.loadAverageBefore.toFixed(2)} / ${machine.loadAverageAfter.toFixed(2)} |`);
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('|---|---|---|');
  for (const target of targets(results)) lines.push(`| ${target.name} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`);
  lines.push('');
  lines.push(...synthSection(results));
  lines.push(...throughputSection(results));
  lines.push(...handlerSection(results));
  lines.push(...modelSection(results));
  lines.push(...methodSection(results));
  return `${lines.join('\n')}\n`;
}

/** The tables printed at the end of a run. */
export function renderSummary(results: Results): string {
  return [...synthSection(results), ...throughputSection(results), ...handlerSection(results), '## Targets', '', ...targets(results).map((target) => `- ${target.met ? 'met' : 'MISSED'}: ${target.name}: ${target.measured}`)].join('\n');
}

function synthSection(results: Results): string[] {
  const lines = ['## Synth', ''];
  lines.push('![Synth time and template bytes against the number of users](bench/chart.svg)');
  lines.push('');
  lines.push(
    `Synth time is the median of ${results.synthRuns} runs, ours and AwsCustomResource's alternating, each in a fresh Node.js process running the app ` +
      'compiled to JavaScript; it runs from `new App()` to the end of `app.synth()` (constructs, synthesis, template and assets written), with the library already loaded ' +
      "and with aws-cdk-lib's built-in template validator off (`CDK_VALIDATION=false`): that validator costs the same few seconds for any app and is shown apart below.",
  );
  lines.push('');
  lines.push('| N | synth ms, ours | synth ms, AwsCustomResource | ratio | template bytes, ours | template bytes, AwsCustomResource | ratio | resources, ours | resources, AwsCustomResource | IAM policy chars, ours | IAM policy chars, AwsCustomResource | ratio |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of results.synth) {
    const { ours, theirs } = row.template;
    lines.push(
      `| ${row.users} | ${ms(row.synthMs.ours)} | ${ms(row.synthMs.theirs)} | ${ratio(row.synthMs.ours / row.synthMs.theirs)} | ${int(ours.bytes)} | ${int(theirs.bytes)} | ${ratio(ours.bytes / theirs.bytes)} | ${ours.resources} | ${theirs.resources}${theirs.resources > TEMPLATE_RESOURCE_LIMIT ? ' ⚠' : ''} | ${int(ours.iamPolicyChars)} | ${int(theirs.iamPolicyChars)} | ${ratio(ours.iamPolicyChars / theirs.iamPolicyChars)} |`,
    );
  }
  lines.push('');
  lines.push(
    'IAM policy chars: every IAM policy document of the template (permission and trust policies), with policy names, without white space, ' +
      'after replacing the template\'s intrinsics with realistic values (partition `aws`, a region, a 12-digit account, CloudFormation-generated names). ' +
      `What counts against IAM's limit of ${int(ROLE_INLINE_LIMIT)} characters for the inline policies of one role (an \`AWS::IAM::Policy\` attached to a role is inline too):`,
  );
  lines.push('');
  lines.push('| N | handler role inline policies, ours | handler role inline policies, AwsCustomResource |');
  lines.push('|---:|---:|---:|');
  for (const row of results.synth) {
    const flag = (chars: number) => `${int(chars)}${chars > ROLE_INLINE_LIMIT ? ' ⚠ over the limit' : ''}`;
    lines.push(`| ${row.users} | ${flag(row.template.ours.largestRoleInlineChars)} | ${flag(row.template.theirs.largestRoleInlineChars)} |`);
  }
  lines.push('');
  const largest = results.synth[results.synth.length - 1];
  if (largest.template.theirs.resources > TEMPLATE_RESOURCE_LIMIT) {
    lines.push(
      `⚠ At N = ${largest.users}, AwsCustomResource's template has ${largest.template.theirs.resources} resources (a custom resource and an \`AWS::IAM::Policy\` per user), over CloudFormation's ${TEMPLATE_RESOURCE_LIMIT}: ` +
        "CDK refuses to synthesize it unless its resource limit check is turned off (`@aws-cdk/core:stackResourceLimit: 0`, set for both libraries here so that N = 400 can be measured at all), " +
        'and CloudFormation would reject it. Its per-user policies also pass the role\'s inline policy limit from a few dozen users on. Ours grants per user while that fits and per instance beyond.',
    );
    lines.push('');
  }
  lines.push(
    `With aws-cdk-lib's default template validator on, and counting the whole process (Node.js start, loading, synth), as \`cdk synth\` runs it; median of ${results.validatedRuns}:`,
  );
  lines.push('');
  lines.push('| N | process ms, ours | process ms, AwsCustomResource | ratio | without the validator: ours | AwsCustomResource | ratio | library load ms, ours / AwsCustomResource |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of results.synth) {
    lines.push(
      `| ${row.users} | ${ms(row.validatedProcessMs.ours)} | ${ms(row.validatedProcessMs.theirs)} | ${ratio(row.validatedProcessMs.ours / row.validatedProcessMs.theirs)} | ${ms(row.processMs.ours)} | ${ms(row.processMs.theirs)} | ${ratio(row.processMs.ours / row.processMs.theirs)} | ${ms(row.loadMs.ours)} / ${ms(row.loadMs.theirs)} |`,
    );
  }
  lines.push('');
  return lines;
}

function throughputSection(results: Results): string[] {
  const lines = ['## Deploy-time throughput', ''];
  const { ours } = results.throughput;
  const limit = ours.limit!;
  lines.push(
    `${ours.users} Create events at once through the CloudFormation driver, against the Connect emulator with a token bucket of ${limit.ratePerSecond} requests/s, burst ${limit.burst}, ` +
      'on every operation (per operation, as Connect throttles). Each event runs in a cold container of its own: a fresh Node.js process that first loads the handler the synthesized ' +
      'template deploys (its init), then waits; all are released at once, and the time runs from the release to the last answer CloudFormation receives. ' +
      `The lower bound is the time one operation's bucket needs to let ${ours.users} calls through: (N − burst) / rate = ${seconds(ours.lowerBoundMs)}.`,
  );
  lines.push('');
  lines.push('| | successes | failures | time to last answer | ÷ lower bound | Connect requests (throttled) | first request after | containers\' CPU | same events, no throttling |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const library of ['ours', 'theirs'] as const) {
    const run = results.throughput[library];
    const free = results.unthrottled[library];
    const total = Object.values(run.requests).reduce((sum, stats) => sum + stats.total, 0);
    const throttled = Object.values(run.requests).reduce((sum, stats) => sum + stats.throttled, 0);
    lines.push(
      `| ${label(library)} | ${run.successes} | ${run.failures} | ${seconds(run.wallMs)} | ${ratio(run.wallMs / run.lowerBoundMs)} | ${int(total)} (${int(throttled)}) | ${seconds(run.firstRequestMs)} | ${run.cpuSeconds.containers.toFixed(1)} CPU-s | ${seconds(free.wallMs)}, ${free.cpuSeconds.containers.toFixed(1)} CPU-s |`,
    );
  }
  lines.push('');
  for (const library of ['ours', 'theirs'] as const) {
    const reasons = Object.entries(results.throughput[library].failureReasons);
    if (reasons.length === 0) continue;
    lines.push(`${label(library)}'s failures: ${reasons.map(([reason, count]) => `${count} × "${reason}"`).join('; ')}.`);
    lines.push('');
  }
  lines.push(
    `Connect requests by operation, ours: ${Object.entries(ours.requests)
      .map(([operation, stats]) => `${operation} ${stats.total} (${stats.throttled} throttled)`)
      .join(', ')}. Users whose identity in Connect is the declared one afterwards: ours ${ours.usersInDeclaredState}, AwsCustomResource ${results.throughput.theirs.usersInDeclaredState}.`,
  );
  lines.push('');
  lines.push(
    `On ${results.machine.cpus} CPUs, the ${ours.users} containers do not run side by side as Lambda containers on separate hosts do: a cold container's first calls cost ` +
      'tens of milliseconds of CPU (the SDK\'s request paths run for the first time), and here they queue for the same cores. The last column is that cost alone: the same ' +
      `events with no throttling at all take ${seconds(results.unthrottled.ours.wallMs)} (ours) on this machine. Containers' CPU is the user and system time they used between the release and their end; ` +
      '"first request after" is how long the first of them took to reach Connect.',
  );
  lines.push('');
  lines.push(
    'The same queue, about 9 s long, with fewer containers and so less CPU for them to share (ours only), against the retry model\'s prediction for each (see below):',
  );
  lines.push('');
  lines.push('| Creates | bucket | lower bound | time to last answer | ÷ lower bound | model | failures | containers\' CPU | first request after |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { run, model } of results.scaling) {
    lines.push(
      `| ${run.users} | ${run.limit!.ratePerSecond}/s, burst ${run.limit!.burst} | ${seconds(run.lowerBoundMs)} | ${seconds(run.wallMs)} | ${ratio(run.wallMs / run.lowerBoundMs)} | ${ratio(model.ratio)} | ${run.failures} | ${run.cpuSeconds.containers.toFixed(1)} CPU-s | ${seconds(run.firstRequestMs)} |`,
    );
  }
  lines.push('');
  return lines;
}

function handlerSection(results: Results): string[] {
  const lines = ['## Handler', ''];
  lines.push(
    `The code each library's function is deployed from (the staged asset of the synthesized template), loaded cold in a fresh process with a Lambda-like environment; median of ${results.handlerRuns}, alternating. ` +
      "\"init\" runs from `require` to the next turn of the event loop, with the packages the handler loads on its first event loaded too: AwsCustomResource's handler requires " +
      '`@aws-sdk/client-connect` (from the Lambda runtime) on its first event; ours bundles the SDK it was tested with and warms it during init.',
  );
  lines.push('');
  lines.push('| | asset bytes | import ms | init ms |');
  lines.push('|---|---:|---:|---:|');
  for (const library of ['ours', 'theirs'] as const) {
    const row = results.handler[library];
    lines.push(`| ${label(library)} | ${int(row.assetBytes)} | ${ms(row.importMs)} | ${ms(row.initMs)} |`);
  }
  lines.push('');
  return lines;
}

function modelSection(results: Results): string[] {
  const lines = ['## Retry policy, modelled', ''];
  lines.push(
    'The handler\'s retry policy (lambda/retry.ts) at scales one machine cannot run: N handlers making the handler\'s three calls in turn against one token bucket per ' +
      "operation, in simulated time, with the handler's own `backoffCeiling` (bench/retry-model.ts). The previous policy (full jitter, 100 ms doubling to a 2 s cap) against the " +
      "current one (125 ms growing fourfold to 2 s; past 12 s of waiting, a sixth of the time waited, at most 15 s). Connect's default is 2 requests/s with a burst of 5.",
  );
  lines.push('');
  lines.push('| handlers | bucket | previous: time ÷ lower bound | requests/s | current: time ÷ lower bound | requests/s |');
  lines.push('|---:|---|---:|---:|---:|---:|');
  for (const { scenario, previous, current } of results.model) {
    lines.push(
      `| ${scenario.handlers} | ${scenario.ratePerSecond}/s, burst ${scenario.burst} | ${ratio(previous.ratio)} | ${Math.round(previous.requestsPerSecond)} | ${ratio(current.ratio)} | ${Math.round(current.requestsPerSecond)} |`,
    );
  }
  lines.push('');
  return lines;
}

function methodSection(results: Results): string[] {
  return [
    '## How it is measured',
    '',
    '- Both stacks are environment-agnostic and synthesized as `cdk synth` does (path metadata and version reporting on). The AwsCustomResource is the idiomatic one: `onUpdate` ' +
      '(used for Create too, so that a changed declaration is applied, as ours does), `physicalResourceId` `<instance>/<user>`, one `fromSdkCalls` policy per user ARN, and ' +
      "`installLatestAwsSdk: false`, as CDK's own synth warning advises (otherwise every cold container runs `npm install`).",
    "- Throughput runs the code the synthesized templates reference: our bundled handler, and CDK's AwsCustomResource handler (`custom-resource-handlers/dist/custom-resources/aws-custom-resource-handler`), " +
      'found by following each template\'s ServiceToken to its function\'s asset. CloudFormation sends scalar properties as strings, so AwsCustomResource\'s `InstallLatestAwsSdk` arrives as `"false"` and its `Create` as a JSON string.',
    "- AwsCustomResource's handler gets two adaptations, neither of which changes what it does: each container loads `@aws-sdk/client-connect` during its init (in Lambda the package is on disk in the runtime; " +
      "loading it in 200 processes at once after the release would time this machine's disk and CPU, not the handler), and its answer, which it PUTs with `https.request({ hostname, path })` " +
      "(a real ResponseURL is https on port 443), is routed to the driver's local http port.",
    '- The containers run at a lower scheduling priority than the process of the emulator and the driver: Connect and CloudFormation do not share the containers\' CPUs.',
    '- Each container uses the SDK\'s endpoint and credentials from its environment (`AWS_ENDPOINT_URL_CONNECT`, dummy keys); AwsCustomResource\'s handler keeps its SDK client defaults (3 attempts, the SDK\'s standard retry).',
    "- AwsCustomResource's containers reach Connect seconds after the release: its SDK, not bundled, loads more of itself on the first call. On this machine that spreads their first " +
      'requests over several seconds, which likely spares some of them throttling they would meet on Lambda, where all of them would call at once.',
    `- Handler load and synth samples alternate between the libraries, so that a passing load on the machine falls on both. Timings vary from run to run by several percent; the load average is given above.`,
    '',
  ];
}

function label(library: Library): string {
  return library === 'ours' ? 'ours' : 'AwsCustomResource';
}

function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

function ms(value: number): string {
  return String(Math.round(value));
}

function seconds(valueMs: number): string {
  return `${(valueMs / 1000).toFixed(1)} s`;
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
