/**
 * The bench's own arithmetic, on small inputs: what it counts in a synthesized stack, and how it turns
 * Connect's request log into a deploy's bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { boundMs, callsNeeded, countRequests } from '../../bench/deploy-figures';
import { benchApp, benchEntry, buildStack, Design, RESOURCE_TYPES, STACK_NAME, writeBenchRoster } from '../../bench/stacks';
import { assemblyMetrics } from '../../bench/template-metrics';
import type { RequestRecord } from '../support/connect-emulator';

const workDir = mkdtempSync(path.join(tmpdir(), 'bench-figures-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Synthesizes a design of the users of a roster file; returns the cloud assembly's metrics. */
function synthesize(design: Design, rosterFile: string, name: string) {
  const outdir = path.join(workDir, name);
  const app = benchApp(outdir, { resourceLimit: true });
  buildStack(app, design, rosterFile);
  app.synth();
  return assemblyMetrics(outdir, STACK_NAME, RESOURCE_TYPES[design]);
}

test("the handler role's policy characters include the AWS::IAM::Policy resources attached to the role", () => {
  // GIVEN AwsCustomResource stacks of 1 and 3 users: one shared role, and a policy attached to it per user
  const one = path.join(workDir, 'one.json');
  const three = path.join(workDir, 'three.json');
  writeBenchRoster(one, 1);
  writeBenchRoster(three, 3);

  // WHEN both are synthesized and measured
  const small = synthesize('aws-custom-resource', one, 'acr-1');
  const large = synthesize('aws-custom-resource', three, 'acr-3');

  // THEN the role, which has no inline policy, counts every attached one: three users' policies weigh three times one's
  expect(small.resourcesByType['AWS::IAM::Policy']).toBe(1);
  expect(large.resourcesByType['AWS::IAM::Policy']).toBe(3);
  expect(small.handlerRolePolicyChars).toBeGreaterThan(200);
  expect(large.handlerRolePolicyChars).toBe(3 * small.handlerRolePolicyChars);
});

test('a roster counts its templates, declaration files and dynamic references', () => {
  // GIVEN a roster of 3 users, one of whose email is a dynamic reference
  const file = path.join(workDir, 'with-reference.json');
  const entries = [benchEntry(0), benchEntry(1), { ...benchEntry(2), IdentityInfo: { Email: '{{resolve:secretsmanager:agents:SecretString:agent2}}' } }];
  writeFileSync(file, JSON.stringify(entries));

  // WHEN it is synthesized as a roster and measured
  const metrics = synthesize('roster', file, 'roster-3');

  // THEN the two known users travel in one declaration file, and the third is declared in the template
  expect(metrics.templates).toBe(1);
  expect(metrics.bytes).toBe(metrics.largestTemplateBytes);
  expect(metrics.declarationFiles).toBe(1);
  expect(metrics.resourcesByType[RESOURCE_TYPES.roster]).toBe(1);
  expect(metrics.resourcesByType[RESOURCE_TYPES['per-user']]).toBe(1);
  expect(metrics.dynamicReferences).toBe(1);
});

test("a deploy's bound is the busiest operation's accepted requests past the burst, at the quota's rate", () => {
  // GIVEN a log: 30 DescribeUser taken and 5 throttled, 25 UpdateUserIdentityInfo taken, 1 DescribeInstance
  const record = (operation: RequestRecord['operation'], status: number) => ({ operation, status }) as RequestRecord;
  const log = [
    ...Array.from({ length: 30 }, () => record('DescribeUser', 200)),
    ...Array.from({ length: 5 }, () => record('DescribeUser', 429)),
    ...Array.from({ length: 25 }, () => record('UpdateUserIdentityInfo', 200)),
    record('DescribeInstance', 200),
  ];

  // WHEN it is counted
  const { requests, busiestCalls } = countRequests(log);

  // THEN the throttled requests count as requests, not as calls
  expect(requests.DescribeUser).toEqual({ total: 35, throttled: 5 });
  expect(busiestCalls).toBe(30);
  // AND the bound is (30 − burst 5) / 20 per second, and nothing when the burst covers every call
  expect(boundMs(busiestCalls, { ratePerSecond: 20, burst: 5, timeScale: 10 })).toBe(1_250);
  expect(boundMs(3, { ratePerSecond: 20, burst: 5, timeScale: 10 })).toBe(0);
});

test('the calls a first deploy needs follow each design', () => {
  // GIVEN 100 users WHEN each design deploys them THEN: a read and a write each, plus the instance read per stage or per container
  expect(callsNeeded('roster', 100, 2)).toBe(202);
  expect(callsNeeded('per-user', 100)).toBe(300);
  expect(callsNeeded('aws-custom-resource', 100)).toBe(100);
});
