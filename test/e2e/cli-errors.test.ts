/**
 * The command-line tool's errors, run as a user runs it: each one says what to do, exits 1 (130 when
 * interrupted), leaves no file behind (not even a temporary one), and quotes no identity value or username.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Roster } from '../../lib';
import { bareEnvironment, CliResult, runCli, startCli } from '../support/cli-process';
import { ConnectEmulator } from '../support/connect-emulator';
import { findLeaks } from '../support/personal-data';

const connect = new ConnectEmulator({ echoValues: 'verbatim' });
const CENTER = randomUUID();
const SAML = randomUUID();
const USERS = 120;
const work = mkdtempSync(path.join(tmpdir(), 'connect-cli-errors-'));
const secrets = new Set<string>();
let dirCount = 0;

/** A fresh, empty directory for one run's output. */
function outDir(): string {
  const dir = path.join(work, `out-${++dirCount}`);
  mkdirSync(dir);
  return dir;
}

const env = (extra: Record<string, string> = {}) => bareEnvironment({ ...connect.environment(), ...extra });

/** What a failed run must hold to: exit 1 (or `code`), the message, no file, no value. */
function expectFailure(result: CliResult, dir: string, message: string | RegExp, code = 1): void {
  expect([result.code, result.stderr]).toEqual([code, typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message)]);
  expect(result.stdout).toBe('');
  expect(readdirSync(dir)).toEqual([]);
  expect(findLeaks({ ...result, puts: [] }, secrets)).toEqual([]);
  // Never a stack trace.
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  await connect.start();
  connect.addInstance({ id: CENTER, identityManagementType: 'CONNECT_MANAGED' });
  connect.addInstance({ id: SAML, identityManagementType: 'SAML' });
  for (let index = 0; index < USERS; index++) {
    const info = { FirstName: `Errfirst${index}`, LastName: `Errlast${index}`, Email: `err.agent${index}@example.com` };
    Object.values(info).forEach((value) => secrets.add(value));
    secrets.add(`err.login${index}`);
    connect.addUser(CENTER, { username: `err.login${index}`, identityInfo: info });
  }
});
afterEach(() => {
  for (const operation of ['DescribeInstance', 'ListUsers', 'DescribeUser'] as const) {
    connect.allowAccess(operation);
    connect.setLatency(operation, 0);
  }
});
afterAll(async () => {
  await connect.stop();
  rmSync(work, { recursive: true, force: true });
});

test('fails without credentials, saying how to give them, before reading anything', async () => {
  const dir = outDir();
  const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = env();
  const result = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.csv')], { env: withoutKeys });
  expectFailure(result, dir, 'No AWS credentials were found. The tool uses the default credential chain');
  expect(connect.requests.filter((request) => request.operation === 'ListUsers')).toEqual([]);
});

test('fails without a region, unless the instance ARN gives one', async () => {
  const dir = outDir();
  const { AWS_REGION: _region, ...withoutRegion } = env();
  const result = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.csv')], { env: withoutRegion });
  expectFailure(result, dir, 'No AWS region: pass --region, give the instance ARN, or set AWS_REGION');

  const byArn = await runCli(['export', '--instance', `arn:aws:connect:us-east-1:123456789012:instance/${CENTER}`, '--out', path.join(dir, 'agents.csv')], { env: withoutRegion });
  expect(byArn.code).toBe(0);
});

test('fails on access denied, naming the action that is missing and every action export calls', async () => {
  const dir = outDir();
  connect.denyAccess('DescribeUser');
  const result = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.csv')], { env: env() });
  expectFailure(result, dir, `Access denied to connect:DescribeUser: the AWS credentials in use (see \`aws sts get-caller-identity\`) must be allowed it on instance ${CENTER} and its users. \`export\` calls connect:DescribeInstance, connect:ListUsers, connect:DescribeUser.`);
});

test('fails on an instance that does not exist, pointing at the ID and the region', async () => {
  const dir = outDir();
  const missing = randomUUID();
  const result = await runCli(['export', '--instance', missing, '--out', path.join(dir, 'agents.csv')], { env: env() });
  expectFailure(result, dir, `Instance ${missing} was not found in us-east-1: check the instance ID, and the region`);
});

test('gives up when Connect throttles every request of an operation for longer than --throttle-timeout', async () => {
  const dir = outDir();
  // A bucket that never refills: every ListUsers request is throttled.
  connect.throttle('ListUsers', { ratePerSecond: 1e-9, burst: 0 });
  try {
    const result = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.csv'), '--throttle-timeout', '2'], { env: env() });
    expectFailure(result, dir, 'Amazon Connect throttled every ListUsers request for 2 s: other callers in this account and region use its whole quota. Nothing was written.');
  } finally {
    connect.throttle('ListUsers', undefined);
  }
}, 30_000);

test('Ctrl-C stops an export in progress, and leaves no file behind', async () => {
  const dir = outDir();
  connect.setLatency('DescribeUser', 40);
  const run = startCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.csv')], { env: env() });
  const mark = connect.requests.length;
  // WHEN it is interrupted while reading users
  while (connect.requests.slice(mark).filter((request) => request.operation === 'DescribeUser').length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  run.child.kill('SIGINT');
  const result = await run.done;
  // THEN it says so, exits 130, and nothing is in the directory
  expectFailure(result, dir, /^Reading .*\nInterrupted \(SIGINT\): nothing was written\.\n$/s, 130);
});

test('never writes over an existing file without --force, and asks nothing of Connect then', async () => {
  const dir = outDir();
  const file = path.join(dir, 'agents.csv');
  writeFileSync(file, 'kept');
  const mark = connect.requests.length;
  const refused = await runCli(['export', '--instance', CENTER, '--out', file], { env: env() });
  expect([refused.code, refused.stderr]).toEqual([1, `${file} exists: choose another name, or pass --force to replace it.\n`]);
  expect(readFileSync(file, 'utf8')).toBe('kept');
  expect(connect.requests.length).toBe(mark);

  const replaced = await runCli(['export', '--instance', CENTER, '--out', file, '--force'], { env: env() });
  expect(replaced.code).toBe(0);
  expect(readFileSync(file, 'utf8')).toMatch(/^\uFEFFInstanceId,UserId,/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(['agents.csv']);
});

test('--users names the lines that match no user, never the username, and exports nothing', async () => {
  const dir = outDir();
  const listed = connect.usersOf(CENTER);
  const users = path.join(work, 'users.txt');
  const unknownId = randomUUID();
  secrets.add('nobody.here');
  writeFileSync(users, ['# the pilot team', listed[0].username, listed[1].id, '', 'nobody.here', unknownId].join('\n'));
  const result = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'pilot.json'), '--users', users], { env: env() });
  expectFailure(result, dir, `--users ${users}: lines 5 and 6 name no users of the instance (user IDs ${unknownId}); nothing was exported.`);

  writeFileSync(users, [listed[0].username, listed[1].id].join('\n'));
  const pilot = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'pilot.json'), '--users', users], { env: env() });
  expect(pilot.code).toBe(0);
  const written = JSON.parse(readFileSync(path.join(dir, 'pilot.json'), 'utf8')) as { UserId: string }[];
  expect(written.map((entry) => entry.UserId).sort()).toEqual([listed[0].id, listed[1].id].sort());
});

test('--fields refuses a field the instance type owns elsewhere, and an unknown one', async () => {
  const dir = outDir();
  const saml = await runCli(['export', '--instance', SAML, '--out', path.join(dir, 'saml.yaml'), '--fields', 'FirstName,Email'], { env: env() });
  expectFailure(saml, dir, "--fields: the instance's identity management type is SAML, on which Email cannot be managed through the API");
  const unknown = await runCli(['export', '--instance', CENTER, '--out', path.join(dir, 'agents.yaml'), '--fields', 'FirstName,Phone'], { env: env() });
  expectFailure(unknown, dir, '--fields takes one or more of FirstName, LastName, Email, SecondaryEmail, Mobile, separated by commas; 1 of the names given is none of them.');
});

test('plan and check fail on a roster with problems, printing them without values', async () => {
  const roster = path.join(work, 'broken.yaml');
  secrets.add('Brokenlast');
  writeFileSync(roster, `- InstanceId: ${CENTER}\n  UserId: not-an-id\n  IdentityInfo: { LastName: Brokenlast, Mobile: '12065550100' }\n`);
  const plan = await runCli(['plan', roster], { env: env() });
  const check = await runCli(['check', roster], { env: env() });
  // THEN both print what Roster.load reports, both problems, and exit 1
  const reported = Roster.check(roster);
  expect(reported).toHaveLength(2);
  let message = '';
  try {
    Roster.load(roster);
  } catch (error) {
    message = (error as Error).message;
  }
  expect([plan.code, plan.stderr]).toEqual([1, `${message}\n`]);
  expect([check.code, check.stdout]).toEqual([1, `${message}\n`]);
  expect(findLeaks({ ...plan, puts: [] }, secrets)).toEqual([]);
});
