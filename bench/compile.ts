/**
 * Compiles the library and the synth entry point to JavaScript in the layout of the published package
 * (`lib/` with its subdirectories, beside `assets/handler`), so that a timed synth loads JavaScript as a consumer would,
 * with no TypeScript compiler in the measurement.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..');
export const OUT = path.join(ROOT, 'bench', 'out');
export const PACKAGE_DIR = path.join(OUT, 'pkg');

/** Compiles; resolves to the path of the compiled synth entry point. */
export async function compileForSynth(): Promise<string> {
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGE_DIR, { recursive: true });
  const sources = [
    ...readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => path.join(ROOT, 'lib', file)),
    path.join(ROOT, 'bench', 'stacks.ts'),
    path.join(ROOT, 'bench', 'synth-once.ts'),
  ];
  const result = await build({
    entryPoints: sources,
    outbase: ROOT,
    outdir: PACKAGE_DIR,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  if (result.warnings.length > 0) throw new Error(`compiling for synth: ${result.warnings.map((warning) => warning.text).join('; ')}`);
  // The construct finds its handler at ../assets/handler, as in the package.
  symlinkSync(path.join(ROOT, 'assets'), path.join(PACKAGE_DIR, 'assets'), 'dir');
  return path.join(PACKAGE_DIR, 'bench', 'synth-once.js');
}
