/**
 * One deploy-time measurement in a process of its own, so that measurements run side by side without
 * one's synth or CPU-bound work stalling another's emulators: `tsx bench/measure.ts '<spec as JSON>'`.
 * Progress goes to stderr; the last line on stdout is the result as JSON.
 */
import { cliExport } from './cli-export-runs';
import { containerDeploy } from './container-deploy';
import { dashboardRun } from './dashboard-picture';
import { deliveryDeploy } from './delivery-runs';
import { Quota } from './deploy-figures';
import { contendedDeploy, rosterDeploy } from './roster-world-runs';
import { driftStudy } from './drift-study';

/** What to measure. */
export type MeasurementSpec =
  | { readonly kind: 'roster-deploy'; readonly users: number; readonly quota: Quota; readonly oneUserChange?: boolean }
  | { readonly kind: 'container-deploy'; readonly design: 'per-user' | 'aws-custom-resource'; readonly users: number; readonly quota: Quota; readonly maxContainers: number; readonly workDir: string }
  | { readonly kind: 'drift-study'; readonly sizes: readonly number[]; readonly quota: Quota }
  | { readonly kind: 'contended-deploy'; readonly users: number; readonly quota: Quota; readonly share: number; readonly arrivals: 'periodic' | 'random' }
  | { readonly kind: 'cli-export'; readonly users: number; readonly timeScale: number; readonly share?: number }
  | { readonly kind: 'delivery'; readonly design: 'roster' | 'per-user'; readonly users: number; readonly timeScale: number; readonly copies: boolean }
  | { readonly kind: 'dashboard'; readonly users: number; readonly timeScale: number };

export async function measure(spec: MeasurementSpec, progress: (message: string) => void): Promise<unknown> {
  switch (spec.kind) {
    case 'roster-deploy':
      return rosterDeploy(spec.users, spec.quota, { oneUserChange: spec.oneUserChange, progress });
    case 'container-deploy':
      return containerDeploy(spec.design, spec.users, spec.quota, { maxContainers: spec.maxContainers, workDir: spec.workDir });
    case 'drift-study':
      return driftStudy(spec.sizes, spec.quota.timeScale, progress);
    case 'contended-deploy':
      return contendedDeploy(spec.users, spec.quota, spec.share, spec.arrivals);
    case 'cli-export':
      return cliExport(spec.users, spec.timeScale, spec.share);
    case 'delivery':
      return deliveryDeploy(spec.design, spec.users, spec.timeScale, spec.copies);
    case 'dashboard':
      return dashboardRun(spec.users, spec.timeScale);
  }
}

if (require.main === module) {
  const spec = JSON.parse(process.argv[2]) as MeasurementSpec;
  measure(spec, (message) => process.stderr.write(`  ${message}\n`)).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
