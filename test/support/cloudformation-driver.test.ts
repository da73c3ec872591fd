/**
 * The driver finds the handler code a synthesized template deploys, by the same links CloudFormation
 * and the CDK CLI follow, and reports a handler that never ends as silence.
 */
import { App, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationDriver, customResourcesOf, handlerAssetFromAssembly, LoadTimeoutError, SilenceError } from './cloudformation-driver';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cfn-driver-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

test('handlerAssetFromAssembly follows the ServiceToken to the staged bundle', () => {
  // GIVEN a synthesized stack whose custom resources are served by a function with the bundled handler
  const outdir = path.join(workDir, 'cdk.out');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Tiny');
  const fn = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.dirname(BUNDLE)),
    timeout: Duration.minutes(2),
  });
  for (const id of ['First', 'Second']) {
    new CustomResource(stack, id, {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::ConnectUserIdentity',
      properties: { InstanceId: 'instance-1', UserId: `user-${id}`, IdentityInfo: { LastName: 'Doe' } },
    });
  }
  app.synth();

  // WHEN the driver looks for the handler and the custom resources
  const asset = handlerAssetFromAssembly(outdir, 'Tiny');
  const resources = customResourcesOf(outdir, 'Tiny');

  // THEN it finds the staged copy of the bundle, and both resources without their ServiceToken
  expect(asset.entry).toBe(path.join(outdir, `asset.${asset.hash}`, 'index.js'));
  expect(readFileSync(asset.entry, 'utf8')).toBe(readFileSync(BUNDLE, 'utf8'));
  expect(asset.functionProperties).toMatchObject({ Handler: 'index.handler', Timeout: 120 });
  expect(resources.map((resource) => resource.logicalId)).toEqual([expect.stringMatching(/^First/), expect.stringMatching(/^Second/)]);
  expect(resources[0].properties).toEqual({ InstanceId: 'instance-1', UserId: 'user-First', IdentityInfo: { LastName: 'Doe' } });
});

test.each(['isolated', 'in-process'] as const)('fails with SilenceError when the handler never ends (%s)', async (mode) => {
  // GIVEN a handler that logs, then never settles; in its own process a timer keeps it alive, as a hung
  // socket would (with nothing left to wait for, the process would end, which the driver reports as 'crashed')
  const hanging = path.join(workDir, `hanging-${mode}.js`);
  const keepAlive = mode === 'isolated' ? 'setInterval(() => {}, 1000);' : '';
  writeFileSync(hanging, `exports.handler = () => { console.log('started'); ${keepAlive} return new Promise(() => {}); };\n`);
  const driver = new CloudFormationDriver({ handlerPath: hanging, environment: {}, timeoutMs: 500, graceMs: 200 });
  await driver.start();

  // WHEN it is invoked
  const error = await driver.invoke(driver.createEvent('Hanging', {}), { mode }).catch((caught: unknown) => caught);
  await driver.stop();

  // THEN the invocation is reported as silence, with what the handler wrote
  expect(error).toBeInstanceOf(SilenceError);
  expect((error as SilenceError).output).toContain('started');
});

test('prepare loads the handler in its own process and invokes it only on release', async () => {
  // GIVEN a handler that records when its module was loaded and when it was invoked, and a setup and
  // a preloaded module that run before it
  const handlerFile = path.join(workDir, 'timed.js');
  writeFileSync(
    handlerFile,
    [
      'const loadedAt = Date.now();',
      'exports.handler = async (event) => {',
      '  const invokedAt = Date.now();',
      "  const body = JSON.stringify({ Status: 'SUCCESS', PhysicalResourceId: 'p', StackId: event.StackId, RequestId: event.RequestId,",
      "    LogicalResourceId: event.LogicalResourceId, Data: { loadedAt: String(loadedAt), invokedAt: String(invokedAt), setup: String(globalThis.setupRan), pid: String(process.pid) } });",
      '  await new Promise((resolve, reject) => {',
      "    const request = require('node:http').request(event.ResponseURL, { method: 'PUT', headers: { 'content-length': Buffer.byteLength(body) } }, (response) => { response.resume(); response.on('end', resolve); });",
      "    request.on('error', reject);",
      '    request.end(body);',
      '  });',
      '};',
    ].join('\n'),
  );
  const driver = new CloudFormationDriver({ handlerPath: handlerFile, environment: {}, timeoutMs: 5_000, resourceType: 'Custom::Timed' });
  await driver.start();
  const event = driver.createEvent('Timed', {});

  // WHEN it is prepared, and released a moment later
  const prepared = await driver.prepare(event, { setup: 'globalThis.setupRan = true;', preload: ['node:zlib'] });
  const putsBeforeRelease = driver.puts.length;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const releasedAt = Date.now();
  const invocation = await prepared.release();
  await driver.stop();

  // THEN nothing ran before the release; the module was loaded before it, in a process of its own
  expect(event.ResourceType).toBe('Custom::Timed');
  expect(putsBeforeRelease).toBe(0);
  expect(prepared.initMs).toBeGreaterThan(0);
  expect(invocation.outcome).toBe('returned');
  const data = invocation.answer!.Data!;
  expect(Number(data.loadedAt)).toBeLessThan(releasedAt);
  expect(Number(data.invokedAt)).toBeGreaterThanOrEqual(releasedAt);
  expect(data.setup).toBe('true');
  expect(Number(data.pid)).toBe(prepared.pid);
  expect(Number(data.pid)).not.toBe(process.pid);
});

test('fails with a LoadTimeoutError that says what happened, not a bare EPIPE, when the handler never finishes loading', async () => {
  // GIVEN a handler module that blocks forever while it loads, and a load bound of three seconds (a busy machine may
  // take a second to start a process)
  const blocking = path.join(workDir, 'blocking.js');
  writeFileSync(blocking, "console.log('loading'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n");
  const driver = new CloudFormationDriver({ handlerPath: blocking, environment: {}, loadTimeoutMs: 3_000 });
  await driver.start();

  // WHEN it is invoked in its own process
  const error = await driver.invoke(driver.createEvent('Blocking', {}), { mode: 'isolated' }).catch((caught: unknown) => caught);
  await driver.stop();

  // THEN the invocation fails as a load time-out, with what the process wrote, and the handler was never invoked
  expect(error).toBeInstanceOf(LoadTimeoutError);
  expect((error as Error).message).toMatch(/^the process for Create of Blocking did not finish loading the handler within 3000 ms of its start, so it was killed/);
  expect((error as LoadTimeoutError).output).toContain('loading');
  expect(driver.puts).toEqual([]);
});

test('lets only maxLoading processes load at once; the others wait their turn', async () => {
  // GIVEN a handler module that takes a while to load and notes when it started and finished loading
  const slow = path.join(workDir, 'slow.js');
  const notes = path.join(workDir, 'load-windows.txt');
  writeFileSync(
    slow,
    [
      "const fs = require('node:fs');",
      'const start = Date.now();',
      'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);',
      'fs.appendFileSync(process.env.LOAD_NOTES, `${start} ${Date.now()}\\n`);',
      'exports.handler = async () => undefined;',
    ].join('\n'),
  );
  const driver = new CloudFormationDriver({ handlerPath: slow, environment: { LOAD_NOTES: notes }, maxLoading: 2 });
  await driver.start();

  // WHEN five invocations are prepared at once
  const prepared = await Promise.all([1, 2, 3, 4, 5].map((index) => driver.prepare(driver.createEvent(`Slow${index}`, {}))));
  const invocations = await Promise.all(prepared.map((invocation) => invocation.release()));
  await driver.stop();

  // THEN all five loaded and ran, and no more than two were ever loading at the same moment
  expect(invocations.map((invocation) => invocation.outcome)).toEqual(Array(5).fill('returned'));
  const windows = readFileSync(notes, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number));
  expect(windows).toHaveLength(5);
  const loadingAt = (moment: number) => windows.filter(([start, end]) => start <= moment && moment < end).length;
  expect(Math.max(...windows.map(([start]) => loadingAt(start)))).toBeLessThanOrEqual(2);
});
