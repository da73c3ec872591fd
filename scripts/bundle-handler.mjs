// Bundles the Lambda handler, with the AWS SDK it was tested against, into assets/handler/index.js.
// It runs at build time (npm's prepare, and before the tests), so that a consumer of the library
// needs neither esbuild nor Docker when synthesizing.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'assets', 'handler');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: [join(root, 'lambda', 'index.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // Names stay readable so that error names (ThrottlingException...) survive minification.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  logOverride: {},
  // Any warning fails the build: a bundle that builds with warnings is not the one that was reviewed.
}).then((result) => {
  if (result.warnings.length > 0) {
    console.error(result.warnings);
    process.exit(1);
  }
});
