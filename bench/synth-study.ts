/**
 * Synth of the three designs at several roster sizes, each sample a fresh process running the app
 * compiled to JavaScript (see compile.ts and synth-once.ts), samples of the designs alternating.
 */
import * as path from 'node:path';
import { compileForSynth, OUT } from './compile';
import { Design, DESIGNS, RESOURCE_TYPES, STACK_NAME, writeBenchRoster } from './stacks';
import { isRefusal, median, SynthRefusal, SynthSample, synthOnce } from './synth';
import { assemblyMetrics, TemplateMetrics } from './template-metrics';

/** Roster sizes synthesized. */
export const SYNTH_USERS = [1, 100, 400, 1_000, 2_000, 10_000] as const;
/** Samples per size, without the template validator. */
export const SYNTH_RUNS = 5;
/** Sizes and samples with aws-cdk-lib's template validator on (each sample takes seconds more). */
export const VALIDATED_USERS = [1, 400, 10_000] as const;
export const VALIDATED_RUNS = 3;

/**
 * Where CDK's check of CloudFormation's 500 resources is on: as users get it, except for
 * AwsCustomResource, which passes 500 at about 250 users and is measured past it anyway.
 */
export const RESOURCE_LIMIT: Record<Design, boolean> = { 'roster': true, 'per-user': true, 'aws-custom-resource': false };

/** One design at one size. */
export interface SynthCell {
  readonly design: Design;
  readonly users: number;
  /** Why CDK refused to synthesize it, when it did (then nothing else is measured). */
  readonly refusal?: string;
  /** Medians of the samples without the validator. */
  readonly synthMs?: number;
  readonly rosterMs?: number;
  readonly loadMs?: number;
  readonly processMs?: number;
  /** Median whole process with the validator on, at {@link VALIDATED_USERS}. */
  readonly validatedProcessMs?: number;
  readonly metrics?: TemplateMetrics;
  /** Whether CDK's resource limit check was on. */
  readonly resourceLimit: boolean;
}

export interface SynthStudy {
  readonly cells: SynthCell[];
  /** Cloud assembly of each measured cell, for the handler measurements. */
  readonly assemblyDir: (design: Design, users: number) => string;
}

export async function synthStudy(progress: (message: string) => void): Promise<SynthStudy> {
  progress('compiling the library and the synth app');
  const script = await compileForSynth();
  const rosterFile = (users: number) => path.join(OUT, 'rosters', `roster-${users}.json`);
  for (const users of SYNTH_USERS) writeBenchRoster(rosterFile(users), users);
  const assemblyDir = (design: Design, users: number, validation = false) => path.join(OUT, 'synth', `${design}-${users}${validation ? '-validated' : ''}`);

  const refusals = new Map<string, SynthRefusal>();
  const samples = new Map<string, SynthSample[]>();
  const key = (design: Design, users: number, validation: boolean) => `${design}/${users}/${validation}`;
  const sample = (design: Design, users: number, validation: boolean) => {
    if (refusals.has(key(design, users, false))) return;
    const result = synthOnce(script, design, rosterFile(users), assemblyDir(design, users, validation), { validation, resourceLimit: RESOURCE_LIMIT[design] });
    if (isRefusal(result)) refusals.set(key(design, users, false), result);
    else samples.set(key(design, users, validation), [...(samples.get(key(design, users, validation)) ?? []), result]);
  };
  for (let run = 0; run < SYNTH_RUNS; run++) {
    progress(`synth, validator off: run ${run + 1} of ${SYNTH_RUNS}`);
    for (const users of SYNTH_USERS) for (const design of rotate(DESIGNS, run)) sample(design, users, false);
  }
  for (let run = 0; run < VALIDATED_RUNS; run++) {
    progress(`synth, validator on: run ${run + 1} of ${VALIDATED_RUNS}`);
    for (const users of VALIDATED_USERS) for (const design of rotate(DESIGNS, run)) sample(design, users, true);
  }

  const cells: SynthCell[] = [];
  for (const design of DESIGNS) {
    for (const users of SYNTH_USERS) {
      const refusal = refusals.get(key(design, users, false));
      if (refusal) {
        cells.push({ design, users, refusal: refusal.error, resourceLimit: RESOURCE_LIMIT[design] });
        continue;
      }
      const plain = samples.get(key(design, users, false))!;
      const validated = samples.get(key(design, users, true));
      const pick = (each: (sample: SynthSample) => number) => median(plain.map(each));
      cells.push({
        design,
        users,
        synthMs: pick((each) => each.synthMs),
        rosterMs: pick((each) => each.rosterMs),
        loadMs: pick((each) => each.loadMs),
        processMs: pick((each) => each.processMs),
        validatedProcessMs: validated ? median(validated.map((each) => each.processMs)) : undefined,
        metrics: assemblyMetrics(assemblyDir(design, users), STACK_NAME, RESOURCE_TYPES[design]),
        resourceLimit: RESOURCE_LIMIT[design],
      });
    }
  }
  return { cells, assemblyDir: (design, users) => assemblyDir(design, users) };
}

/** The designs in another order on each run, so that a passing load on the machine falls on all. */
function rotate<T>(items: readonly T[], run: number): T[] {
  const shift = run % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
