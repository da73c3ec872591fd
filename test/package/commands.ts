/**
 * Running the commands a developer or a consumer types (npm, npx, cdk) from the tests, as child
 * processes, and the environment a consumer's machine gives them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** What a finished command left: its exit status and everything it printed, stdout then stderr. */
export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly output: string;
}

/** Runs a command to completion. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): CommandResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = result.stdout ?? '';
  const error = result.error ? `\n${result.error.message}` : '';
  return { status: result.status, stdout, output: `${stdout}${result.stderr ?? ''}${error}` };
}

/** Runs a command that must succeed; its result, or an error that shows what it printed. */
export function runOrFail(command: string, args: readonly string[], options: Parameters<typeof run>[2]): CommandResult {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` in ${options.cwd} exited with ${result.status}:\n${result.output}`);
  }
  return result;
}

/** Whether a PATH entry belongs to a project's node_modules (`node_modules/.bin` and the like). */
function isProjectBin(entry: string): boolean {
  return entry.split(path.sep).includes('node_modules');
}

/**
 * The machine's own `node`: the first on PATH outside any node_modules. Under npm, this repository's
 * `node_modules/.bin/node` (the `node` dev dependency) comes first on PATH; a consumer has only theirs.
 */
export function machineNode(): string {
  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) {
    if (entry === '' || isProjectBin(entry)) continue;
    const candidate = path.join(entry, process.platform === 'win32' ? 'node.exe' : 'node');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('no node on PATH outside node_modules');
}

/**
 * The environment of a consumer's shell: PATH without this repository's node_modules (so `node` is the
 * machine's), none of the npm_* variables npm set for this run, and no CLI telemetry or notices to send.
 */
export function consumerEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name)) environment[name] = value;
  }
  const pathEntries = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry !== '' && !isProjectBin(entry));
  environment.PATH = [path.dirname(machineNode()), ...pathEntries].join(path.delimiter);
  environment.CDK_DISABLE_CLI_TELEMETRY = 'true';
  return environment;
}
