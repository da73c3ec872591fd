/**
 * `connect-user-identity export` of a whole center, timed: the bundled tool in a process of its own
 * against the Connect emulator with each operation throttled at its own default quota played k times
 * faster, alone or while another caller reads a user of another instance of the account at a share of
 * DescribeUser's quota. Measured from Connect's request log: the export's span from its first request to
 * its last answer, against the least time the quotas allow for the calls it needs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bareEnvironment, runCli } from '../test/support/cli-process';
import { CompetingCaller, CompetingCallerResult } from '../test/support/competing-caller';
import { CONNECT_DEFAULT_QUOTAS, CONNECT_OPERATIONS, ConnectEmulator, RateLimit, scaledQuotas } from '../test/support/connect-emulator';
import { DeployFigures } from './deploy-figures';

export interface CliExportFigures {
  readonly users: number;
  /** k: Connect's rates are played k times faster. */
  readonly timeScale: number;
  /** The quotas played, per operation (k times Connect's defaults). */
  readonly quotas: Readonly<Record<string, RateLimit>>;
  /** The other caller's rate as a share of DescribeUser's quota, and what it got; absent when alone. */
  readonly share?: number;
  readonly competitor?: CompetingCallerResult;
  readonly exitCode: number | null;
  readonly usersExported: number;
  /** The export's requests by operation: all, and those throttled. */
  readonly requests: DeployFigures['requests'];
  /** From the export's first request to its last answer (scaled time). */
  readonly spanMs: number;
  /** From starting the process to its end. */
  readonly processMs: number;
  /** The least time the quotas allow for the calls that got through: the largest (calls − burst) ÷ rate of any operation. */
  readonly boundMs: number;
}

/** The least time `calls` of each operation take at these quotas, if each runs at its own. */
export function exportBoundMs(calls: Readonly<Record<string, number>>, quotas: Readonly<Record<string, RateLimit>>): number {
  return Math.max(0, ...Object.entries(calls).map(([operation, count]) => (Math.max(0, count - quotas[operation].burst) / quotas[operation].ratePerSecond) * 1000));
}

export async function cliExport(users: number, timeScale: number, share?: number): Promise<CliExportFigures> {
  const quotas = scaledQuotas(CONNECT_DEFAULT_QUOTAS, timeScale);
  const connect = new ConnectEmulator();
  await connect.start();
  const work = mkdtempSync(path.join(tmpdir(), 'bench-cli-export-'));
  try {
    const instance = randomUUID();
    connect.addInstance({ id: instance, identityManagementType: 'CONNECT_MANAGED' });
    for (let index = 0; index < users; index++) {
      connect.addUser(instance, {
        username: `agent.${index}`,
        identityInfo: { FirstName: `First${index}`, LastName: `Last${index}`, Email: `agent${index}@example.com`, ...(index % 2 ? { Mobile: `+1206555${String(index % 10_000).padStart(4, '0')}` } : {}) },
      });
    }
    const otherInstance = randomUUID();
    connect.addInstance({ id: otherInstance, identityManagementType: 'CONNECT_MANAGED' });
    const integrationUser = connect.addUser(otherInstance, { username: 'integration', identityInfo: { LastName: 'Integration' } });
    for (const operation of CONNECT_OPERATIONS) connect.throttle(operation, quotas[operation]);

    const other = share === undefined ? undefined : new CompetingCaller(connect.endpoint, { instanceId: otherInstance, userId: integrationUser.id });
    other?.start(quotas.DescribeUser.ratePerSecond * share!);
    const startedAt = Date.now();
    const result = await runCli(['export', '--instance', instance, '--out', path.join(work, 'center.csv')], { env: bareEnvironment(connect.environment()) });
    const processMs = Date.now() - startedAt;
    const competitor = await other?.stop();

    const ours = connect.requests.filter((request) => request.path.includes(instance));
    const requests: DeployFigures['requests'] = {};
    for (const request of ours) {
      const stats = (requests[request.operation] ??= { total: 0, throttled: 0 });
      stats.total++;
      if (request.status === 429) stats.throttled++;
    }
    const through = Object.fromEntries(Object.entries(requests).map(([operation, stats]) => [operation, stats.total - stats.throttled]));
    const exported = /Wrote .*: ([\d,]+) users?/.exec(result.stderr)?.[1];
    return {
      users,
      timeScale,
      quotas,
      ...(share === undefined ? {} : { share, competitor }),
      exitCode: result.code,
      usersExported: exported ? Number(exported.replace(/,/g, '')) : 0,
      requests,
      spanMs: Math.max(...ours.map((request) => request.answeredAt ?? 0)) - Math.min(...ours.map((request) => request.receivedAt)),
      processMs,
      boundMs: exportBoundMs(through, quotas),
    };
  } finally {
    await connect.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
