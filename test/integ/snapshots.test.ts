/**
 * The integration tests' offline half: integ-runner synthesizes each `integ.*.ts` app and compares its
 * templates with the snapshot committed beside it, as it does before deploying anything. Here it runs
 * with no AWS credentials (and could reach no AWS endpoint if it tried), so nothing is deployed.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../package/commands';

const ROOT = path.join(__dirname, '..', '..');
const INTEG_RUNNER = path.join(ROOT, 'node_modules', '.bin', 'integ-runner');

/** This environment without any AWS credentials, profile, region or fixture of a real run. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_|CONNECT_INTEG_)/.test(name)) env[name] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(ROOT, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

test('every integration test synthesizes to its committed snapshot, without deploying or AWS credentials', () => {
  // GIVEN the integration tests, each with its snapshot
  const tests = readdirSync(__dirname).filter((file) => /^integ\..*\.ts$/.test(file));
  expect(tests.length).toBeGreaterThan(0);
  for (const test of tests) expect(readdirSync(__dirname)).toContain(`${test}.snapshot`);

  // WHEN integ-runner verifies them as it does before a deploy (no --update-on-failed, no --force)
  const result = run(INTEG_RUNNER, [], { cwd: ROOT, env: offlineEnvironment(), timeoutMs: 5 * 60_000 });

  // THEN every snapshot matches: a template that differs from its snapshot fails here, with the diff,
  // until `npm run integ:snapshot` writes the snapshot anew
  if (result.status !== 0) throw new Error(`integ-runner found snapshots that differ; if the change is intended, run \`npm run integ:snapshot\`:\n${result.output}`);
  expect(result.output).toMatch(new RegExp(`Snapshot Results:\\s+Tests:\\s+${tests.length} passed, ${tests.length} total`));
}, 5 * 60_000);
