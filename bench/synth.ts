/**
 * Synth timing: each sample is a fresh process running the compiled app (see synth-once.ts), as
 * `cdk synth` runs an app.
 */
import { execFileSync } from 'node:child_process';
import { Design } from './stacks';

export interface SynthSample {
  /** Loading the libraries' modules (aws-cdk-lib's entry point included). */
  readonly loadMs: number;
  /** Reading the roster file with `Roster.load`. */
  readonly rosterMs: number;
  /** From reading the roster to the end of `app.synth()`: reading, building the constructs, synthesizing, writing. */
  readonly synthMs: number;
  /** The whole process, from spawn to exit: what a user waits for. */
  readonly processMs: number;
}

/** A synth that CDK refused, with its message (e.g. past CloudFormation's 500 resources). */
export interface SynthRefusal {
  readonly error: string;
}

export interface SynthOptions {
  /** Whether aws-cdk-lib's CloudFormation template validator runs (`CDK_VALIDATION`). */
  readonly validation: boolean;
  /** Whether CDK's check of CloudFormation's 500 resources a stack is on. */
  readonly resourceLimit: boolean;
}

/** Synthesizes a design of the users of a roster file once, in a fresh process. */
export function synthOnce(script: string, design: Design, rosterFile: string, outdir: string, options: SynthOptions): SynthSample | SynthRefusal {
  const startedAt = process.hrtime.bigint();
  const output = execFileSync(process.execPath, [script, design, rosterFile, outdir, options.resourceLimit ? 'limit' : 'no-limit'], {
    env: { ...process.env, CDK_VALIDATION: options.validation ? 'true' : 'false' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const processMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const line = JSON.parse(output.trim().split('\n').pop()!);
  return 'error' in line ? { error: line.error } : { loadMs: line.loadMs, rosterMs: line.rosterMs, synthMs: line.synthMs, processMs };
}

export function isRefusal(sample: SynthSample | SynthRefusal): sample is SynthRefusal {
  return 'error' in sample;
}

/** The median of some samples (NaN of none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
