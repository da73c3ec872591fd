/**
 * The deploy dashboard as it looks during a deploy, drawn from what a time-scaled deploy published: the
 * Embedded Metric Format lines of every invocation of a stage (the metrics `roster.addDashboard()`
 * graphs), not values made up for a picture. `npm run bench -- --only dashboard` writes
 * bench/dashboard.svg.
 */
import { ConnectUserRoster } from '../lib';
import { DEPLOY_PROGRESS_METRICS } from '../lib/deploy-progress-metrics';
import { Invocation } from '../test/support/cloudformation-driver';
import { CompetingCaller } from '../test/support/competing-caller';
import { CONNECT_DEFAULT_QUOTAS, scaledQuotas } from '../test/support/connect-emulator';
import { RosterWorld } from '../test/support/roster-world';
import { chartSvg, Panel } from './chart';
import { benchEntry, INSTANCE_ID } from './stacks';

/** One interval's metrics, as a stage published them. */
export interface ProgressSample {
  /** Minutes since the deploy's first sample, in AWS time (the run's time times k). */
  readonly minute: number;
  readonly values: Readonly<Record<string, number>>;
}

export interface DashboardRun {
  readonly users: number;
  readonly timeScale: number;
  readonly samples: ProgressSample[];
}

/**
 * A first deploy of `users` agents at Connect's default quotas played `timeScale` times faster, beside
 * another caller at a quarter of DescribeUser's quota (so that the throttling graph has something to
 * show); returns the progress metrics every invocation published.
 */
export async function dashboardRun(users: number, timeScale: number): Promise<DashboardRun> {
  const world = new RosterWorld({ timeScale });
  try {
    world.connect.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
    const entries = Array.from({ length: users }, (_, index) => benchEntry(index));
    world.seedRoster(entries, (_, index) => ({ FirstName: `Held${index}`, LastName: `Held${index}` }));
    const integration = world.seedUser(INSTANCE_ID, { username: 'integration.user', identityInfo: { LastName: 'Integration' } });
    const quotas = scaledQuotas(CONNECT_DEFAULT_QUOTAS, timeScale);
    world.throttleConnect({ quotas });
    const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) }));
    const other = new CompetingCaller(world.connect.endpoint, { instanceId: INSTANCE_ID, userId: integration.id });
    other.start(quotas.DescribeUser.ratePerSecond / 4);
    await world.deployer.deploy(source);
    await other.stop();
    await world.lambda.settled();
    const outputs = (await Promise.all(world.lambda.invocations.map((run) => run.ended))).filter((run): run is Invocation => !(run instanceof Error)).map((run) => run.output);
    const raw = outputs
      .flatMap((output) => output.split('\n'))
      .filter((line) => line.includes('"_aws"') && line.includes(`"${DEPLOY_PROGRESS_METRICS.usersDone}"`))
      .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { Timestamp: number } })
      .sort((a, b) => a._aws.Timestamp - b._aws.Timestamp);
    const start = raw[0]?._aws.Timestamp ?? 0;
    const names = Object.values(DEPLOY_PROGRESS_METRICS).filter((name) => /^[A-Z]/.test(name) && name !== DEPLOY_PROGRESS_METRICS.service);
    const samples = raw.map((line) => ({
      minute: ((line._aws.Timestamp - start) * timeScale) / 60_000,
      values: Object.fromEntries(names.map((name) => [name, Number(line[name] ?? 0)])),
    }));
    return { users, timeScale, samples };
  } finally {
    await world.stop();
  }
}

/** The dashboard's three graphs of a run, as panels over the deploy's minutes (AWS time). */
export function dashboardPanels(run: DashboardRun): Panel[] {
  const series = (metric: string, label: string, color: string) => ({ label, color, points: run.samples.map((sample) => [sample.minute, sample.values[metric]] as [number, number]) });
  const names = DEPLOY_PROGRESS_METRICS;
  const total = Math.max(...run.samples.map((sample) => sample.values[names.usersTotal] ?? 0));
  const time = { xLabel: 'minutes into the deploy', xTicks: 'nice' as const };
  return [
    { title: 'Users done of total', unit: 'users', ...time, series: [series(names.usersDone, 'UsersDone', '#1f77b4')], limit: { value: total, label: `UsersTotal ${total}`, labelAt: 'end' } },
    {
      title: 'What became of them, per minute',
      unit: 'users a minute',
      ...time,
      series: [series(names.usersWritten, 'written', '#2ca02c'), series(names.usersUnchanged, 'unchanged', '#7f7f7f'), series(names.usersFailed, 'failed', '#d62728')],
    },
    { title: 'Pace, and Connect throttling', unit: 'users/s, requests', ...time, series: [series(names.usersPerSecond, 'users a second', '#9467bd'), series(names.throttledRequests, 'throttled requests', '#ff7f0e')] },
  ];
}

/** The dashboard of a run, as an SVG. */
export function dashboardSvg(run: DashboardRun, caption: string): string {
  return chartSvg(dashboardPanels(run), caption, { legendPerPanel: true });
}
