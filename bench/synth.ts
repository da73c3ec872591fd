/**
 * Synth timing: each sample is a fresh process running the compiled app (see synth-once.ts), as
 * `cdk synth` runs an app.
 */
import { execFileSync } from 'node:child_process';
import { Library } from './stacks';

export interface SynthSample {
  /** Loading the library's modules (aws-cdk-lib's entry point included). */
  readonly loadMs: number;
  /** From `new App()` to the end of `app.synth()`: building the constructs, synthesizing, writing. */
  readonly synthMs: number;
  /** The whole process, from spawn to exit: what a user waits for. */
  readonly processMs: number;
}

/**
 * Synthesizes N users of a library once. `validation: false` turns off the CloudFormation template
 * validator that aws-cdk-lib runs by default during synth (`CDK_VALIDATION=false`).
 */
export function synthOnce(script: string, library: Library, users: number, outdir: string, validation: boolean): SynthSample {
  const startedAt = process.hrtime.bigint();
  const output = execFileSync(process.execPath, [script, library, String(users), outdir], {
    env: { ...process.env, CDK_VALIDATION: validation ? 'true' : 'false' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const processMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const { loadMs, synthMs } = JSON.parse(output.trim().split('\n').pop()!);
  return { loadMs, synthMs, processMs };
}
