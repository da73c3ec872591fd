/**
 * How `export` shares Connect's quotas, in counts (the timings are in `npm run bench`): against Connect's
 * per-API default quotas played ten times faster, while another caller reads a user at a quarter of
 * DescribeUser's quota, the export sends at most 1.02 requests per call that got through, and leaves the
 * other caller at least 90% of its requests.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Roster } from '../../lib';
import { bareEnvironment, runCli } from '../support/cli-process';
import { CompetingCaller } from '../support/competing-caller';
import { ConnectEmulator, scaledQuotas, CONNECT_DEFAULT_QUOTAS, CONNECT_OPERATIONS } from '../support/connect-emulator';

const K = 10;
const QUOTAS = scaledQuotas(CONNECT_DEFAULT_QUOTAS, K);
const USERS = 600;
const INSTANCE = randomUUID();
const connect = new ConnectEmulator();
const work = mkdtempSync(path.join(tmpdir(), 'connect-cli-pacing-'));
/** The other caller's user, in another instance of the account: it shares DescribeUser's quota. */
const OTHER_INSTANCE = randomUUID();
const integrationUser = randomUUID();

beforeAll(async () => {
  await connect.start();
  connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  for (let index = 0; index < USERS; index++) {
    connect.addUser(INSTANCE, { username: `agent.${index}`, identityInfo: { FirstName: `First${index}`, LastName: `Last${index}`, Email: `agent${index}@example.com` } });
  }
  connect.addInstance({ id: OTHER_INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  connect.addUser(OTHER_INSTANCE, { id: integrationUser, username: 'integration', identityInfo: { LastName: 'Integration' } });
  for (const operation of CONNECT_OPERATIONS) connect.throttle(operation, QUOTAS[operation]);
});
afterAll(async () => {
  await connect.stop();
  rmSync(work, { recursive: true, force: true });
});

test('an export beside another caller at a quarter of the quota: at most 1.02 requests per call, and the other keeps 90%', async () => {
  // GIVEN another caller reading a user at a quarter of DescribeUser's quota
  const other = new CompetingCaller(connect.endpoint, { instanceId: OTHER_INSTANCE, userId: integrationUser });
  const out = path.join(work, 'center.json');
  const mark = connect.requests.length;
  other.start(QUOTAS.DescribeUser.ratePerSecond / 4);

  // WHEN the instance is exported meanwhile
  const result = await runCli(['export', '--instance', INSTANCE, '--out', out], { env: bareEnvironment(connect.environment()) });
  const competitor = await other.stop();

  // THEN every user was exported
  expect(result.code).toBe(0);
  expect(Roster.load(out).entries).toHaveLength(USERS);
  // AND the export's requests were at most 1.02 per call that got through
  const exportRequests = connect.requests.slice(mark).filter((request) => request.path.includes(INSTANCE));
  const sent = exportRequests.length;
  const through = exportRequests.filter((request) => request.status !== 429).length;
  expect(through).toBe(1 + 1 + USERS); // DescribeInstance, one ListUsers page, DescribeUser per user
  expect(sent / through).toBeLessThanOrEqual(1.02);
  // AND the other caller got at least 90% of its requests through
  expect(competitor.sent).toBeGreaterThan(50);
  expect(competitor.succeeded / competitor.sent).toBeGreaterThanOrEqual(0.9);
  console.log(`export of ${USERS} users beside a caller at ${QUOTAS.DescribeUser.ratePerSecond / 4}/s: ${sent} requests for ${through} calls; it got ${competitor.succeeded} of ${competitor.sent} through`);
}, 120_000);

