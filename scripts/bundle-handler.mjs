// Bundles the Lambda handler, with the AWS SDK it was tested against, into assets/handler/index.js.
// It runs wherever this repository needs the bundle (the example app's command in cdk.json, before the
// tests, the demo and the bench) and in the build that packs the library, so that a consumer of the
// library needs neither esbuild nor Docker when synthesizing. It is not an install script: installing
// the package runs nothing.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlerDir = join(root, 'assets', 'handler');
const bundleFile = join(handlerDir, 'index.js');

const result = await build({
  entryPoints: [join(root, 'lambda', 'index.ts')],
  outfile: bundleFile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The Lambda runtime's Node.js (ConnectUserIdentityProvider's nodejs24.x), which the tests also run on.
  target: 'node24',
  minify: true,
  // Names stay readable so that error names (ThrottlingException...) survive minification.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// Any warning fails the build: a bundle that builds with warnings is not the one that was reviewed.
if (result.warnings.length > 0) {
  console.error(result.warnings);
  process.exit(1);
}

mkdirSync(handlerDir, { recursive: true });
// Whatever else the directory holds would become part of the asset.
for (const entry of readdirSync(handlerDir)) {
  if (entry !== 'index.js') rmSync(join(handlerDir, entry), { recursive: true, force: true });
}
// The bundle replaces the old one in a single rename, so that a synth running meanwhile (the tests pack
// the library while other suites synthesize) copies the old bundle or the new one, never half of one.
const staging = join(root, 'assets', `.handler-${process.pid}.js`);
writeFileSync(staging, result.outputFiles[0].contents);
renameSync(staging, bundleFile);
