/**
 * A first deploy of a design that sends CloudFormation one event per user (the per-user
 * ConnectUserIdentity, AwsCustomResource), time-scaled: every Create at once, each in a cold container
 * of its own (a process of its own), against the Connect emulator throttling every operation.
 *
 * Lambda starts containers in parallel on separate hosts, so start-up is not deploy work: the
 * containers are started and load their handler first, and then all are released at once; the time
 * runs from the release to the last answer CloudFormation receives. A container takes about 70 MB
 * here, so at most `maxContainers` are alive at once: past that, each event waits for a container to
 * end, as under a function's concurrency limit, and its container is started when one does.
 */
import { setPriority } from 'node:os';
import * as path from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CloudFormationDriver, customResourcesOf, handlerAssetFromAssembly, Invocation, PreparedInvocation } from '../test/support/cloudformation-driver';
import { ConnectEmulator, ConnectOperation } from '../test/support/connect-emulator';
import { boundMs, callsNeeded, countRequests, DeployFigures, durationOf, Quota, shortenReason } from './deploy-figures';
import { benchApp, benchEntry, buildStack, Design, INSTANCE_ID, RESOURCE_TYPES, STACK_NAME, writeBenchRoster } from './stacks';

const OPERATIONS: ConnectOperation[] = ['DescribeInstance', 'DescribeUser', 'UpdateUserIdentityInfo', 'SearchUsers'];

/** The scheduling priority of the containers, below this process's (0): Connect and CloudFormation do not share their CPUs. */
const CONTAINER_NICENESS = 10;

/** Processes started at once while preparing: enough to keep two cores busy, few enough not to thrash. */
const SPAWN_CONCURRENCY = 4;

export interface ContainerDeployOptions {
  /** Containers alive at once at most. */
  readonly maxContainers: number;
  /** Where the stack is synthesized. */
  readonly workDir: string;
}

export async function containerDeploy(design: Exclude<Design, 'roster'>, users: number, quota: Quota, options: ContainerDeployOptions): Promise<DeployFigures> {
  // The stack as the user would deploy it; the driver follows it to the handler code it deploys.
  const outdir = path.join(options.workDir, `${design}-${users}`);
  const rosterFile = path.join(options.workDir, `${design}-${users}.json`);
  writeBenchRoster(rosterFile, users);
  const app = benchApp(outdir, { resourceLimit: true });
  buildStack(app, design, rosterFile);
  app.synth();
  const resourceType = RESOURCE_TYPES[design];
  const asset = handlerAssetFromAssembly(outdir, STACK_NAME, resourceType);
  const resources = customResourcesOf(outdir, STACK_NAME, resourceType);
  const entries = Array.from({ length: users }, (_, index) => benchEntry(index));

  const emulator = new ConnectEmulator();
  await emulator.start();
  emulator.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
  entries.forEach((entry, index) => emulator.addUser(INSTANCE_ID, { id: entry.UserId, username: `agent${index}`, identityInfo: { FirstName: 'Old', LastName: 'Name' } }));
  const timeoutMs = (Number(asset.functionProperties.Timeout ?? 3) * 1000) / quota.timeScale;
  const driver = new CloudFormationDriver({ handlerPath: asset.entry, environment: emulator.environment(), stackName: STACK_NAME, resourceType, timeoutMs });
  await driver.start();

  try {
    const events = resources.map((resource) => driver.createEvent(resource.logicalId, asCloudFormationSends(scaled(resource.properties, quota.timeScale))));
    const prepareOptions = design === 'aws-custom-resource' ? awsCustomResourceOptions(events[0].ResponseURL) : {};
    const prepare = async (event: CloudFormationCustomResourceEvent) => {
      const prepared = await driver.prepare(event, prepareOptions);
      if (prepared.pid !== undefined) setPriority(prepared.pid, CONTAINER_NICENESS);
      return prepared;
    };
    const first = await mapWithConcurrency(events.slice(0, options.maxContainers), SPAWN_CONCURRENCY, prepare);

    // Buckets start full at the release, as an account that has not called Connect for a while.
    for (const operation of OPERATIONS) emulator.throttle(operation, { ratePerSecond: quota.ratePerSecond, burst: quota.burst });
    const releasedAt = Date.now();
    const ended: (Invocation | Error)[] = [];
    let next = first.length;
    const container = async (prepared: PreparedInvocation) => {
      for (let current: PreparedInvocation | undefined = prepared; current; ) {
        ended.push(await current.release().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
        current = next < events.length ? await prepare(events[next++]) : undefined;
      }
    };
    await Promise.all(first.map(container));

    const answers = events.map((event) => driver.puts.find((put) => put.requestId === event.RequestId && put.status === 200));
    const failureReasons: Record<string, number> = {};
    for (const answer of answers) {
      if (answer?.body?.Status === 'SUCCESS') continue;
      const reason = shortenReason(answer?.body?.Reason ?? 'no answer');
      failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
    }
    const answeredAt = answers.flatMap((answer) => (answer ? [answer.receivedAt] : []));
    const { requests, busiestCalls } = countRequests(emulator.requests.filter((record) => record.receivedAt >= releasedAt));
    return {
      design,
      users,
      quota,
      failures: answers.filter((answer) => answer?.body?.Status !== 'SUCCESS').length,
      failureReasons,
      usersApplied: entries.filter((entry) => {
        const held = emulator.user(INSTANCE_ID, entry.UserId!).identityInfo;
        return Object.entries(entry.IdentityInfo).every(([field, value]) => held[field as keyof typeof held] === value);
      }).length,
      invocations: ended.length,
      requests,
      callsNeeded: callsNeeded(design, users),
      busiestCalls,
      wallMs: answeredAt.length > 0 ? Math.max(...answeredAt) - releasedAt : Number.NaN,
      boundMs: boundMs(busiestCalls, quota),
      lambdaMs: ended.reduce((sum, invocation) => sum + durationOf(invocation, timeoutMs), 0),
      memoryMb: Number(asset.functionProperties.MemorySize ?? 128),
      containersAtOnce: first.length,
    };
  } finally {
    await driver.stop();
    await emulator.stop();
  }
}

/** The properties with their ServiceTimeout divided by k, as the stack deployer sends them. */
function scaled(properties: Record<string, unknown>, timeScale: number): Record<string, unknown> {
  if (properties.ServiceTimeout === undefined) return properties;
  return { ...properties, ServiceTimeout: String(Math.max(1, Math.round(Number(properties.ServiceTimeout) / timeScale))) };
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
