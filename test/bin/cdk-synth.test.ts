import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROSTER_STAGE_RESOURCE_TYPE } from '../../lib/roster-declarations';
import { runOrFail } from '../package/commands';

const ROOT = path.join(__dirname, '..', '..');

test('`npx cdk synth`, the main command, prints the example template and no notice of unconfigured feature flags', () => {
  // GIVEN the CLI, writing its cloud assembly away from the repository's cdk.out
  const outdir = mkdtempSync(path.join(tmpdir(), 'connect-user-identity-synth-'));
  try {
    // WHEN it runs the app as cdk.json says (bundling the handler, then the app through tsx)
    const result = runOrFail('npx', ['cdk', 'synth', '--output', outdir, '--no-notices'], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    // THEN it prints the example's template, its roster in a stage
    expect(result.stdout).toContain(`Type: ${ROSTER_STAGE_RESOURCE_TYPE}`);
    // AND cdk.json configures every feature flag this CLI knows, as `cdk init app` does
    expect(result.output).not.toMatch(/feature flags? (is|are) not configured/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 180_000);
