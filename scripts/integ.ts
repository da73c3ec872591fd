/**
 * `npm run integ`: the integration tests on a real AWS account, with the credentials and region of the
 * shell (AWS_PROFILE or keys; AWS_REGION). It cannot run without an account: `npm test` runs their
 * offline half (test/integ/snapshots.test.ts).
 *
 * 1. deploys the fixture (test/integ/fixture.ts): a Connect instance, unless CONNECT_INTEG_INSTANCE_ID
 *    names one, and five users;
 * 2. runs every integration test with integ-runner, which deploys it, asserts, and destroys it;
 * 3. destroys the fixture, and writes the snapshots back with placeholder IDs (integ-runner rewrites
 *    them after a passing run, with the fixture's real IDs).
 *
 * Arguments are passed to integ-runner (e.g. `npm run integ -- --no-clean` keeps the tested stacks).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURE_FILE_VARIABLE, FIXTURE_STACK_NAME } from '../test/integ/fixture';

const ROOT = path.join(__dirname, '..');
const FIXTURE_APP = 'npx tsx test/integ/fixture-app.ts';

function step(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  console.error(`\n$ ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { cwd: ROOT, env, stdio: 'inherit' }).status === 0;
}

const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) {
  console.error('Set AWS_REGION to the region to test in (one where Amazon Connect is offered), and credentials for it (AWS_PROFILE or keys).');
  process.exit(2);
}
const work = mkdtempSync(path.join(tmpdir(), 'connect-user-identity-integ-'));
const outputs = path.join(work, 'fixture.json');
let passed = false;
try {
  if (!step('npx', ['cdk', 'deploy', '--app', FIXTURE_APP, '--output', path.join(work, 'fixture.out'), '--require-approval', 'never', '--outputs-file', outputs, FIXTURE_STACK_NAME])) {
    throw new Error('the fixture did not deploy');
  }
  passed = step('npx', ['integ-runner', '--force', '--parallel-regions', region, ...process.argv.slice(2)], { ...process.env, [FIXTURE_FILE_VARIABLE]: outputs });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
} finally {
  if (!step('npx', ['cdk', 'destroy', '--app', FIXTURE_APP, '--output', path.join(work, 'fixture.out'), '--force', FIXTURE_STACK_NAME])) {
    console.error(`The fixture stack ${FIXTURE_STACK_NAME} was not destroyed: delete it in the CloudFormation console, or run \`npx cdk destroy --app "${FIXTURE_APP}" ${FIXTURE_STACK_NAME}\`.`);
    passed = false;
  }
  const { [FIXTURE_FILE_VARIABLE]: _, ...placeholders } = process.env;
  step('npm', ['run', 'integ:snapshot'], placeholders);
  rmSync(work, { recursive: true, force: true });
}
process.exit(passed ? 0 : 1);
