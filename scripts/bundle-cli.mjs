// Bundles the command-line tool (cli/main.ts, the package's `bin`) into assets/cli/index.js, like the
// handler: at build time, with the AWS SDK it was tested against and every library it uses, so that
// `npx connect-user-identity` runs from the published package with nothing to build. aws-cdk-lib and
// constructs stay outside: they are the package's peer dependencies, installed beside it, and the roster
// loader's rules use them.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'assets', 'cli');
const bundleFile = join(cliDir, 'index.js');

const result = await build({
  entryPoints: [join(root, 'cli', 'main.ts')],
  outfile: bundleFile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The oldest Node.js the package supports (package.json `engines`): the CLI runs on the user's own.
  target: 'node20',
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  banner: { js: '#!/usr/bin/env node' },
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

mkdirSync(cliDir, { recursive: true });
for (const entry of readdirSync(cliDir)) {
  if (entry !== 'index.js') rmSync(join(cliDir, entry), { recursive: true, force: true });
}
// Replaced in one rename, so that a test running the tool meanwhile runs the old bundle or the new one.
const staging = join(root, 'assets', `.cli-${process.pid}.js`);
writeFileSync(staging, result.outputFiles[0].contents);
chmodSync(staging, 0o755);
renameSync(staging, bundleFile);
