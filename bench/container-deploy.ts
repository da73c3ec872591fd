/**
 * Deploy-time throughput: N concurrent Create events, each in its own cold container (a process of its
 * own), against the Connect emulator throttling every operation with a token bucket.
 *
 * Lambda starts containers in parallel on separate hosts, so start-up is not deploy work: every
 * container is started and loads its handler first, and then all are released at once. The time runs
 * from the release to the last answer CloudFormation receives.
 */
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import * as path from 'node:path';
import { CloudFormationDriver, customResourcesOf, handlerAssetFromAssembly, Invocation, PreparedInvocation } from '../test/support/cloudformation-driver';
import { ConnectEmulator, ConnectOperation } from '../test/support/connect-emulator';
import { BenchUser, benchApp, benchUsers, buildStack, INSTANCE_ID, Library, RESOURCE_TYPES, STACK_NAME } from './stacks';

export interface ThrottleLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface ThroughputResult {
  readonly library: Library;
  readonly users: number;
  /** The token bucket of every operation; `undefined` for a run without throttling. */
  readonly limit: ThrottleLimit | undefined;
  /** SUCCESS answers. */
  readonly successes: number;
  /** FAILED answers, and events never answered. */
  readonly failures: number;
  /** The Reasons of the FAILED answers, shortened, with how many times each came. */
  readonly failureReasons: Record<string, number>;
  /** From the release to the last answer. */
  readonly wallMs: number;
  /** (N − burst) / rate: the time the bucket of one operation takes to let N calls through (0 without throttling). */
  readonly lowerBoundMs: number;
  /** Users whose identity in Connect is the declared one after the run. */
  readonly usersInDeclaredState: number;
  /** Connect requests during the run, by operation: all, and those throttled. */
  readonly requests: Record<string, { total: number; throttled: number }>;
  /** Median time from spawn to a loaded handler (outside the timing). */
  readonly initMedianMs: number;
  /** From the release to the first request Connect received. */
  readonly firstRequestMs: number;
  /**
   * CPU seconds used from the release to the end: by the containers, and by the emulator and driver
   * (this process). On a machine of few cores, the containers' cold first calls queue for the CPU.
   */
  readonly cpuSeconds: { containers: number; harness: number };
  /** By operation, the requests received and answered with success in each second after the release. */
  readonly timeline: Record<string, { received: number[]; succeeded: number[] }>;
}

const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];

/** The scheduling priority of the containers, below this process's (0). */
const CONTAINER_NICENESS = 10;

/** Processes started at once while preparing: enough to keep two cores busy, few enough not to thrash. */
const SPAWN_CONCURRENCY = 4;

export async function measureThroughput(library: Library, count: number, limit: ThrottleLimit | undefined, workDir: string): Promise<ThroughputResult> {
  // The stack as the user would deploy it; the driver follows it to the handler code it deploys.
  const outdir = path.join(workDir, `throughput-${library}-${limit ? 'throttled' : 'unthrottled'}`);
  const users = benchUsers(count);
  const app = benchApp(outdir);
  buildStack(app, library, users);
  app.synth();
  const resourceType = RESOURCE_TYPES[library];
  const asset = handlerAssetFromAssembly(outdir, STACK_NAME, resourceType);
  const resources = customResourcesOf(outdir, STACK_NAME, resourceType);

  const emulator = new ConnectEmulator();
  await emulator.start();
  emulator.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
  for (const [index, user] of users.entries()) {
    emulator.addUser(INSTANCE_ID, { id: user.userId, username: `agent${index}`, identityInfo: { FirstName: 'Old', LastName: 'Name' } });
  }
  const driver = new CloudFormationDriver({
    handlerPath: asset.entry,
    environment: emulator.environment(),
    stackName: STACK_NAME,
    resourceType,
    timeoutMs: Number(asset.functionProperties.Timeout ?? 3) * 1000,
  });
  await driver.start();

  try {
    const events = resources.map((resource) => driver.createEvent(resource.logicalId, asCloudFormationSends(resource.properties)));
    const prepareOptions = library === 'theirs' ? awsCustomResourceOptions(events[0].ResponseURL) : {};
    const prepared = await mapWithConcurrency(events, SPAWN_CONCURRENCY, (event) => driver.prepare(event, prepareOptions));
    // Connect and CloudFormation do not share the containers' CPUs: the emulator and the driver (this
    // process) must not queue behind 200 containers for a time slice, so the containers run at a lower
    // scheduling priority.
    for (const invocation of prepared) if (invocation.pid !== undefined) setPriority(invocation.pid, CONTAINER_NICENESS);

    // Buckets start full at the release, as an account that has not called Connect for a while.
    if (limit) for (const operation of OPERATIONS) emulator.throttle(operation, limit);
    const containersCpuBefore = prepared.reduce((sum, invocation) => sum + processCpuSeconds(invocation.pid), 0);
    const childrenCpuBefore = reapedChildrenCpuSeconds();
    const harnessCpuBefore = process.cpuUsage();
    const releasedAt = Date.now();
    const settled = await Promise.allSettled(prepared.map((invocation) => invocation.release()));
    const harnessCpu = process.cpuUsage(harnessCpuBefore);
    const cpuSeconds = {
      containers: reapedChildrenCpuSeconds() - childrenCpuBefore - containersCpuBefore,
      harness: (harnessCpu.user + harnessCpu.system) / 1e6,
    };

    const invocations = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const answers = invocations.map((invocation) => ({ invocation, put: invocation.puts.find((put) => put.status === 200) }));
    const answeredAt = answers.flatMap(({ put }) => (put ? [put.receivedAt] : []));
    const failureReasons: Record<string, number> = {};
    for (const { invocation, put } of answers) {
      if (put?.body?.Status === 'SUCCESS') continue;
      const reason = shorten(put?.body?.Reason ?? describeUnanswered(invocation));
      failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
    }
    const silent = settled.length - invocations.length;
    if (silent > 0) failureReasons['no answer (silence)'] = silent;

    const requests: ThroughputResult['requests'] = {};
    const timeline: ThroughputResult['timeline'] = {};
    for (const record of emulator.requests.filter((request) => request.receivedAt >= releasedAt)) {
      const stats = (requests[record.operation] ??= { total: 0, throttled: 0 });
      stats.total++;
      if (record.status === 429) stats.throttled++;
      const second = Math.floor((record.receivedAt - releasedAt) / 1000);
      const line = (timeline[record.operation] ??= { received: [], succeeded: [] });
      line.received[second] = (line.received[second] ?? 0) + 1;
      if (record.status === 200) line.succeeded[second] = (line.succeeded[second] ?? 0) + 1;
    }
    for (const line of Object.values(timeline)) {
      line.received = Array.from(line.received, (value) => value ?? 0);
      line.succeeded = Array.from({ length: line.received.length }, (_, index) => line.succeeded[index] ?? 0);
    }
    const successes = answers.filter(({ put }) => put?.body?.Status === 'SUCCESS').length;
    return {
      library,
      users: count,
      limit,
      successes,
      failures: events.length - successes,
      failureReasons,
      wallMs: answeredAt.length > 0 ? Math.max(...answeredAt) - releasedAt : Number.NaN,
      lowerBoundMs: limit ? (Math.max(0, count - limit.burst) / limit.ratePerSecond) * 1000 : 0,
      usersInDeclaredState: users.filter((user) => inDeclaredState(emulator, user)).length,
      requests,
      initMedianMs: median(prepared.map((invocation: PreparedInvocation) => invocation.initMs)),
      firstRequestMs: Math.min(...emulator.requests.filter((request) => request.receivedAt >= releasedAt).map((request) => request.receivedAt)) - releasedAt,
      cpuSeconds,
      timeline,
    };
  } finally {
    await driver.stop();
    await emulator.stop();
  }
}

/**
 * How CloudFormation sends a custom resource's properties to its handler: scalars become strings
 * (AwsCustomResource's `InstallLatestAwsSdk: false` arrives as "false").
 */
function asCloudFormationSends(value: any): any {
  if (Array.isArray(value)) return value.map(asCloudFormationSends);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asCloudFormationSends(item)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/**
 * What CDK's AwsCustomResource handler needs to run here as it does in Lambda:
 * - the SDK client package it requires on its first event comes from the Lambda runtime, already on
 *   disk; a 2-core machine loading it in 200 processes at once would time this machine, not the
 *   handler, so each container loads it before the release, as part of its init;
 * - it PUTs its answer with `https.request({ hostname, path })`, dropping the URL's scheme and port (a
 *   real ResponseURL is https on 443); here the driver listens on plain http on a port of its own, so
 *   that one request is routed there. Nothing else of the handler is touched.
 */
function awsCustomResourceOptions(responseUrl: string) {
  const { hostname, port } = new URL(responseUrl);
  const setup = `
    const http = require('node:http');
    const https = require('node:https');
    const request = https.request;
    https.request = function (options, ...rest) {
      if (options && typeof options === 'object' && !(options instanceof URL) && options.hostname === ${JSON.stringify(hostname)} && options.port === undefined) {
        return http.request({ ...options, port: ${Number(port)} }, ...rest);
      }
      return request.call(this, options, ...rest);
    };`;
  return { preload: ['@aws-sdk/client-connect'], setup };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** The fields of /proc/<pid>/stat after the command name: index 0 is field 3 (state). */
function statFields(pid: number | 'self' | undefined): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

/** User and system CPU seconds a running process has used so far (0 where /proc cannot tell). */
function processCpuSeconds(pid: number | undefined): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : 0;
}

/** User and system CPU seconds of this process's children that have ended and been waited for. */
function reapedChildrenCpuSeconds(): number {
  const fields = statFields('self');
  return fields ? (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS : 0;
}


function inDeclaredState(emulator: ConnectEmulator, user: BenchUser): boolean {
  const info = emulator.user(INSTANCE_ID, user.userId).identityInfo;
  return info.FirstName === user.firstName && info.LastName === user.lastName && info.Email === user.email;
}

function describeUnanswered(invocation: Invocation): string {
  return `no answer (${invocation.outcome}${invocation.error ? `: ${invocation.error.name}` : ''})`;
}

/** A Reason without the IDs that make each one unique, so that alike failures are counted together. */
function shorten(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d+ attempts/g, 'n attempts')
    .slice(0, 160);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
