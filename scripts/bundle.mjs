// Bundles what the package runs without building anything at a consumer's: the Lambda handler
// (lambda/index.ts into assets/handler/index.js, which every function of the library loads) and the
// command-line tool (cli/main.ts into assets/cli/index.js, the package's `bin`), each with the AWS SDK it
// was tested against and every library it uses. It runs wherever this repository needs the bundles (the
// example app's command in cdk.json, before the tests, the demo and the bench) and in the build that
// packs the library, so that a consumer needs neither esbuild nor Docker. It is not an install script:
// installing the package runs nothing.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `entry` into `assets/<name>/index.js`, replacing what was there in one rename. */
async function bundle({ entry, name, target, external = [], executable = false }) {
  const dir = join(root, 'assets', name);
  const bundleFile = join(dir, 'index.js');
  const result = await build({
    entryPoints: [join(root, entry)],
    outfile: bundleFile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    external,
    ...(executable ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    minify: true,
    // Error names (ThrottlingException...) decide retries and messages: they must survive minification.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // Any warning fails the build: a bundle that builds with warnings is not the one that was reviewed.
  if (result.warnings.length > 0) {
    console.error(result.warnings);
    process.exit(1);
  }
  mkdirSync(dir, { recursive: true });
  // Whatever else the directory holds would become part of the asset.
  for (const file of readdirSync(dir)) {
    if (file !== 'index.js') rmSync(join(dir, file), { recursive: true, force: true });
  }
  // Replaced in a single rename, so that a synth or a test running meanwhile (the tests pack the library
  // while other suites synthesize) takes the old bundle or the new one, never half of one.
  const staging = join(root, 'assets', `.${name}-${process.pid}.js`);
  writeFileSync(staging, result.outputFiles[0].contents);
  if (executable) chmodSync(staging, 0o755);
  renameSync(staging, bundleFile);
}

// The Lambda runtime's Node.js (ConnectUserIdentityProvider's nodejs24.x), which the tests also run on.
await bundle({ entry: 'lambda/index.ts', name: 'handler', target: 'node24' });
// The oldest Node.js the package supports (package.json `engines`): the tool runs on the user's own.
// aws-cdk-lib and constructs stay outside: they are the package's peer dependencies, installed beside it,
// and the roster loader's rules use them.
await bundle({ entry: 'cli/main.ts', name: 'cli', target: 'node20', external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], executable: true });
