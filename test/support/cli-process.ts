/**
 * The command-line tool as a user runs it: the bundle that the package's `bin` names (assets/cli/index.js,
 * built by `npm run bundle`), in a process of its own, with an environment made from scratch so that no
 * credentials, profile or region of the machine reach it. Asynchronous, so that the emulators in the test's
 * process go on answering meanwhile.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The bundled tool, as the package ships it. */
export const CLI_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'cli', 'index.js');

/** What a run of the tool left. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A run in progress: its process, and its end. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Everything printed on stderr so far. */
  stderr(): string;
  readonly done: Promise<CliResult>;
}

/**
 * An environment with nothing of the machine's AWS set-up: a home that does not exist, no profile or credential file,
 * no instance metadata, and `extra` (an emulator's endpoint and dummy credentials, say).
 */
export function bareEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // A home that does not exist: no ~/.aws of the machine's can be read.
  const home = path.join(tmpdir(), `connect-cli-no-home-${process.pid}`);
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Starts the tool with `args`. */
export function startCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): CliRun {
  const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

/** Runs the tool with `args` to its end. */
export function runCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * Runs the tool with `args` on a terminal of its own (a pseudo-terminal from util-linux's `script`), as a
 * person at a terminal runs it: stdout and stderr are that terminal, and both end up in `stdout`.
 */
export function runCliOnTerminal(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI_BUNDLE, ...args].map(quote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
