import { DeployProgress } from '../../../lambda/runtime/deploy-progress';
import { DEPLOY_PROGRESS_METRICS } from '../../../lib/deploy-progress-metrics';

const INTERVAL = 60_000;

/** What the publisher wrote: EMF records (stdout, through Powertools) and log lines (console). */
function capture(): { emf: () => any[]; lines: () => any[] } {
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    written.push(String(chunk));
    return true;
  });
  const logged: string[] = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  const parse = (lines: string[]) => lines.flatMap((text) => text.split('\n')).filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  return { emf: () => parse(written).filter((record) => record._aws), lines: () => parse(logged) };
}

/** A publisher on a clock the test moves. */
function progressAt(start: number, options: Partial<ConstructorParameters<typeof DeployProgress>[0]> = {}) {
  let now = start;
  const progress = new DeployProgress({ stackName: 'Agents', usersTotal: 2000, intervalMs: INTERVAL, now: () => now, ...options });
  return { progress, advance: (ms: number) => { now += ms; jest.advanceTimersByTime(ms); } };
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('DeployProgress', () => {
  test('publishes, once per interval, the counts so far as EMF metrics of the stack and one log line', () => {
    // GIVEN a started publisher, and a minute of work: 90 users written, 30 unchanged, 2 failed, 5 throttles
    const out = capture();
    const { progress, advance } = progressAt(1_000_000);
    progress.start();
    for (let index = 0; index < 90; index++) progress.userDone('written');
    for (let index = 0; index < 30; index++) progress.userDone('unchanged');
    progress.userDone('failed');
    progress.userDone('failed');
    for (let index = 0; index < 3; index++) progress.userDone('skipped');
    progress.throttled(4);
    progress.throttled();

    // WHEN the interval ends
    advance(INTERVAL);

    // THEN one EMF record, in the drift metrics' namespace, with the stack as dimension, holds every count
    const [record] = out.emf();
    expect(out.emf()).toHaveLength(1);
    expect(record._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ConnectUserIdentity',
        Dimensions: [['service', 'StackName']],
        Metrics: expect.arrayContaining([
          { Name: 'UsersDone', Unit: 'Count' },
          { Name: 'UsersTotal', Unit: 'Count' },
          { Name: 'UsersWritten', Unit: 'Count' },
          { Name: 'UsersUnchanged', Unit: 'Count' },
          { Name: 'UsersFailed', Unit: 'Count' },
          { Name: 'UsersSkipped', Unit: 'Count' },
          { Name: 'ThrottledRequests', Unit: 'Count' },
          { Name: 'UsersPerSecond', Unit: 'Count/Second' },
        ]),
      },
    ]);
    expect(record).toMatchObject({
      service: 'RosterDeploy',
      StackName: 'Agents',
      UsersDone: 125,
      UsersTotal: 2000,
      UsersWritten: 90,
      UsersUnchanged: 30,
      UsersFailed: 2,
      UsersSkipped: 3,
      ThrottledRequests: 5,
      UsersPerSecond: 2.08,
    });
    // AND one log line says the same, in counts only
    expect(out.lines()).toEqual([
      { level: 'info', message: 'deploy progress', stackName: 'Agents', done: 125, total: 2000, written: 90, unchanged: 30, failed: 2, skipped: 3, throttled: 5, usersPerSecond: 2.08 },
    ]);
  });

  test('counts each interval afresh while UsersDone keeps rising, and publishes nothing after stop but the last interval', () => {
    // GIVEN a publisher whose stage started after 500 users of earlier stages
    const out = capture();
    const { progress, advance } = progressAt(0, { usersDoneBefore: 500, stage: '2 of 4' });
    progress.start();

    // WHEN three intervals pass, with 100 users, then none (Connect throttling every request), then 60
    for (let index = 0; index < 100; index++) progress.userDone('written');
    advance(INTERVAL);
    progress.throttled(40);
    advance(INTERVAL);
    for (let index = 0; index < 60; index++) progress.userDone('unchanged');
    advance(INTERVAL / 2);
    progress.stop();
    advance(5 * INTERVAL);

    // THEN each interval was published, the idle one too, and the stop published the half interval
    const records = out.emf();
    expect(records.map((record) => record.UsersDone)).toEqual([600, 600, 660]);
    expect(records.map((record) => record.UsersWritten)).toEqual([100, 0, 0]);
    expect(records.map((record) => record.UsersUnchanged)).toEqual([0, 0, 60]);
    expect(records.map((record) => record.ThrottledRequests)).toEqual([0, 40, 0]);
    expect(records.map((record) => record.UsersPerSecond)).toEqual([1.67, 0, 2]);
    expect(out.lines().map((line) => line.stage)).toEqual(['2 of 4', '2 of 4', '2 of 4']);
    // AND the next invocation starts where this one ended
    expect(progress.usersDone).toBe(660);
  });

  test('keeps UsersDone rising across hand-overs to the total', () => {
    // GIVEN a stage of 2,000 users worked by three invocations in turn, each starting where the last ended
    const out = capture();
    let done = 0;
    for (const users of [700, 800, 500]) {
      const { progress, advance } = progressAt(0, { usersDoneBefore: done });
      progress.start();
      for (let index = 0; index < users; index++) {
        progress.userDone('written');
        if (index % 100 === 99) advance(INTERVAL / 4);
      }
      progress.stop();
      done = progress.usersDone;
    }

    // THEN the published UsersDone never falls, and ends at the total
    const series = out.emf().map((record) => record.UsersDone);
    expect(series.length).toBeGreaterThan(3);
    expect(series.every((value, index) => index === 0 || value >= series[index - 1])).toBe(true);
    expect(series.at(-1)).toBe(2000);
  });

  test('publishes counts, the stack name and the stage only: no field a caller could fill with a value', () => {
    // GIVEN a published interval
    const out = capture();
    const { progress } = progressAt(0, { stage: '1 of 1' });
    progress.userDone('failed');
    progress.stop();

    // THEN the EMF record and the log line hold exactly the contract's names, every metric a number
    const [record] = out.emf();
    const metricNames = Object.values(DEPLOY_PROGRESS_METRICS).filter((name) => /^[A-Z]/.test(name) && name !== DEPLOY_PROGRESS_METRICS.namespace && name !== DEPLOY_PROGRESS_METRICS.service);
    expect(Object.keys(record).sort()).toEqual(['StackName', '_aws', 'service', ...metricNames].sort());
    for (const name of metricNames) expect(typeof record[name]).toBe('number');
    expect(Object.keys(out.lines()[0]).sort()).toEqual(['done', 'failed', 'level', 'message', 'skipped', 'stackName', 'stage', 'throttled', 'total', 'unchanged', 'usersPerSecond', 'written']);
  });
});
