// The command integ-runner runs for each integration test (integ.config.json's "app"): the test's CDK app,
// through tsx, then its cloud assembly relabelled for the integ-runner installed here.
//
// Why the relabelling: the newest integ-runner on the registry reads cloud assembly manifests up to
// schema 53, while aws-cdk-lib 2.276 labels them 55 and nothing in this library's templates depends on
// what 54 and 55 added. The templates, which are all a snapshot compares, are left as they are. Once an
// integ-runner that reads the label aws-cdk-lib writes is installed, this does nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const testFile = process.argv[2];
const outdir = process.env.CDK_OUTDIR;
if (!testFile || !outdir) {
  console.error('usage: CDK_OUTDIR=<dir> node scripts/integ-app.mjs <integ test file> (integ-runner runs it)');
  process.exit(2);
}
const app = spawnSync(process.execPath, ['--import', 'tsx', testFile], { stdio: 'inherit' });
if (app.status !== 0) process.exit(app.status ?? 1);

/** The highest schema major the installed integ-runner reads: the revision of the schema it bundles. */
function runnerSchemaMajor() {
  const require = createRequire(import.meta.url);
  const bundle = readFileSync(join(require.resolve('@aws-cdk/integ-runner/package.json'), '..', 'lib', 'workers', 'extract', 'index.js'), 'utf8');
  const found = /"[./]*cloud-assembly-schema\/schema\/version\.json"[^]{0,1000}?\brevision: (\d+)/.exec(bundle);
  if (!found) throw new Error('could not find the cloud assembly schema revision integ-runner reads');
  return Number(found[1]);
}

const supported = runnerSchemaMajor();
for (const file of readdirSync(outdir)) {
  // manifest.json, integ.json, cdk.out and the asset manifests carry the schema's version.
  if (!file.endsWith('.json') && file !== 'cdk.out') continue;
  const path = join(outdir, file);
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const version = /^(\d+)\.\d+\.\d+$/.exec(String(manifest.version));
  if (version && Number(version[1]) > supported) {
    manifest.version = `${supported}.0.0`;
    writeFileSync(path, JSON.stringify(manifest, undefined, 2));
  }
}
