/**
 * The deployed handler code of each library: the bytes of the asset its function is deployed from, and
 * the cold start of a fresh process loading it in a Lambda-like environment.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** One cold load of a handler. */
export interface HandlerLoadSample {
  /** ms to `require` the handler file. */
  readonly importMs: number;
  /**
   * ms from `require` to the next turn of the event loop, with the modules the handler loads on its
   * first event loaded too: its whole init, as a container pays it before or on its first event.
   */
  readonly initMs: number;
}

/**
 * Loads `entry` in a fresh process. `firstEventModules` are the packages the handler requires on its
 * first event (from the Lambda runtime), resolved from the handler's directory.
 */
export function loadHandlerOnce(entry: string, firstEventModules: readonly string[], environment: Record<string, string>): HandlerLoadSample {
  const script = `
    const { performance } = require('node:perf_hooks');
    const path = require('node:path');
    const entry = ${JSON.stringify(entry)};
    const started = performance.now();
    require(entry);
    const imported = performance.now();
    for (const id of ${JSON.stringify(firstEventModules)}) require(require.resolve(id, { paths: [path.dirname(entry)] }));
    setImmediate(() => process.stdout.write(JSON.stringify({ importMs: imported - started, initMs: performance.now() - started })));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', ...environment },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
}

/** Bytes of the staged asset directory the handler file is in (what is zipped and uploaded). */
export function assetBytes(entry: string): number {
  return directoryBytes(path.dirname(entry));
}

function directoryBytes(directory: string): number {
  return readdirSync(directory, { withFileTypes: true }).reduce((sum, item) => {
    const itemPath = path.join(directory, item.name);
    return sum + (item.isDirectory() ? directoryBytes(itemPath) : statSync(itemPath).size);
  }, 0);
}
