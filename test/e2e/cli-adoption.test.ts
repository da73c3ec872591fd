/**
 * Adopting a running center with the command-line tool, end to end: the bundled tool exports what Connect
 * holds (a CONNECT_MANAGED instance to CSV, a SAML one to YAML), the roster is synthesized and deployed
 * with no write, `plan` names exactly the users and fields edited in Connect since, and `check` prints what
 * `Roster.load` reports. Connect is played at its per-API default quotas, ten times faster.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConnectUserRoster, Roster, RosterError } from '../../lib';
import { IDENTITY_FIELD_PROPS } from '../../lib/connect-user-identity';
import { IDENTITY_FIELDS, IdentityField, IdentityRecord } from '../../lib/identity-rules';
import { bareEnvironment, runCli, runCliOnTerminal } from '../support/cli-process';
import { findLeaks } from '../support/personal-data';
import { RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const CENTER = randomUUID();
const SAML = randomUUID();
const world = new RosterWorld({ timeScale: TIME_SCALED_DEFAULT_QUOTA.timeScale, stackName: 'Adopted' });
const work = mkdtempSync(path.join(tmpdir(), 'connect-cli-adoption-'));
const rosterDir = path.join(work, 'roster');
mkdirSync(rosterDir);
const csvFile = path.join(rosterDir, 'center.csv');
const yamlFile = path.join(rosterDir, 'saml.yaml');

/**
 * Values Connect accepts, each of which a roster must carry byte for byte: scripts, quotes, separators, what
 * a spreadsheet would read as a formula, a number, a date or a boolean, and apostrophes before such text.
 */
const EXACT: IdentityRecord[] = [
  { FirstName: 'Zoë', LastName: 'Nuñez-Ólafsdóttir', Email: 'zoe.nunez@example.org', Mobile: '+447700900123' },
  { FirstName: '渡辺', LastName: 'محمد', SecondaryEmail: 'w.m@example.net' },
  { FirstName: 'Richard "Rick"', LastName: "O'Brien, Jr.", Email: 'rick.obrien@example.org' },
  { FirstName: 'Ana; Bea | Cy', LastName: 'Đặng 🙂 Tab', Mobile: '+12065550100' },
  { FirstName: 'TRUE', LastName: '0042', Mobile: '+12065550123' },
  { FirstName: "'t Hooft", LastName: "'0042", SecondaryEmail: 'hooft.t@example.net' },
  { FirstName: 'Sept2', LastName: '1/2', Email: 'sept.half@example.org' },
];
/**
 * Values Connect accepts that the loader may refuse as spreadsheet junk (`either`): carried exactly, or
 * named by user ID and field; and values it refuses (`named`): never written, named by user ID and field.
 * The user's other fields are carried exactly.
 */
const ODD: { held: IdentityRecord; either?: IdentityField; named?: IdentityField }[] = [
  { held: { FirstName: '=HYPERLINK("http://example.com/x","Pay")', LastName: 'Formulaic' }, either: 'FirstName' },
  { held: { FirstName: '@SUMME(A1)', LastName: 'Atsign' }, either: 'FirstName' },
  { held: { FirstName: 'Apostrophina', LastName: 'O’Neill' }, either: 'LastName' },
  { held: { FirstName: 'Mary\nAnn', LastName: 'Linebroken', Email: 'mary.ann.l@example.org' }, named: 'FirstName' },
  { held: { FirstName: 'Nfdtest', LastName: 'Zoe\u0308lle' }, named: 'LastName' },
  { held: { FirstName: ' Spacey', LastName: 'Leading' }, named: 'FirstName' },
];
const PLAIN_COUNT = 160;
const plain = (index: number): IdentityRecord => ({
  FirstName: `Agentfirst${index}`,
  LastName: `Agentlast${index}`,
  Email: `agent${index}@example.com`,
  ...(index % 3 === 0 ? { Mobile: `+1206555${String(1000 + index).padStart(4, '0')}` } : {}),
  ...(index % 5 === 0 ? { SecondaryEmail: `pager${index}@example.net` } : {}),
});

const centerUsers: { id: string; held: IdentityRecord; either?: IdentityField; named?: IdentityField }[] = [
  ...EXACT.map((held) => ({ id: randomUUID(), held })),
  ...ODD.map((odd) => ({ id: randomUUID(), ...odd })),
  ...Array.from({ length: PLAIN_COUNT }, (_, index) => ({ id: randomUUID(), held: plain(index) })),
  // Users with no identity at all: nothing to declare.
  { id: randomUUID(), held: {} },
  { id: randomUUID(), held: {} },
];
const samlUsers = [
  ...Array.from({ length: 40 }, (_, index) => ({
    id: randomUUID(),
    held: { FirstName: `Samlfirst${index}`, LastName: `Samllast${index}`, Email: `saml${index}@idp.example.com`, ...(index % 2 ? { Mobile: `+4420794600${String(index).padStart(2, '0')}` } : {}) } as IdentityRecord,
  })),
  // A name that holds a line break and a tab: a YAML roster carries it exactly (a CSV one names it).
  { id: randomUUID(), held: { FirstName: 'Ana\nBelle', LastName: 'Tab\tbed "Q" O’Neill, Jr.', Email: 'ana.belle@idp.example.com' } as IdentityRecord },
];

const environment = () => bareEnvironment(world.connect.environment());

beforeAll(async () => {
  await world.startEmulators();
  world.connect.addInstance({ id: CENTER, identityManagementType: 'CONNECT_MANAGED' });
  world.connect.addInstance({ id: SAML, identityManagementType: 'SAML' });
  centerUsers.forEach((user, index) => world.seedUser(CENTER, { id: user.id, username: `center.agent${index}`, identityInfo: user.held }));
  samlUsers.forEach((user, index) => world.seedUser(SAML, { id: user.id, username: `saml.agent${index}@idp.example.com`, identityInfo: user.held }));
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(async () => {
  await world.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The declared values of a loaded roster, by user ID, in the API's names. */
function declaredById(roster: Roster): Map<string, IdentityRecord> {
  return new Map(
    roster.entries.map((entry) => [
      entry.userId!,
      Object.fromEntries(IDENTITY_FIELDS.filter((field) => entry.identityInfo[IDENTITY_FIELD_PROPS[field]] !== undefined).map((field) => [field, entry.identityInfo[IDENTITY_FIELD_PROPS[field]]!])),
    ]),
  );
}

test('export writes a private roster that loads back byte for byte, names what it cannot carry, and shows no value', async () => {
  // WHEN the CONNECT_MANAGED instance is exported to CSV, and the SAML one to YAML
  const center = await runCli(['export', '--instance', CENTER, '--out', csvFile], { env: environment() });
  const saml = await runCli(['export', '--instance', `arn:aws:connect:us-east-1:123456789012:instance/${SAML}`, '--out', yamlFile], { env: environment() });

  // THEN both succeed, and the files are readable by their owner only
  expect([center.code, center.stderr]).toEqual([0, expect.stringContaining(`Wrote ${csvFile}`)]);
  expect([saml.code, saml.stderr]).toEqual([0, expect.stringContaining(`Wrote ${yamlFile}`)]);
  expect(statSync(csvFile).mode & 0o777).toBe(0o600);
  expect(statSync(yamlFile).mode & 0o777).toBe(0o600);
  // AND no identity value or username appears in what either printed
  expect(findLeaks({ ...center, puts: [] }, world.secrets)).toEqual([]);
  expect(findLeaks({ ...saml, puts: [] }, world.secrets)).toEqual([]);

  // AND every value Connect holds is in the CSV exactly, or named by user ID and field in the summary
  const loaded = declaredById(Roster.load(csvFile));
  const named = (id: string, field: string) => center.stderr.includes(`user ${id}: ${field} `);
  for (const user of centerUsers) {
    const declared = loaded.get(user.id) ?? {};
    for (const field of IDENTITY_FIELDS) {
      const value = user.held[field];
      if (value === undefined) continue;
      const outcome = declared[field] === value ? 'exact' : named(user.id, field) && declared[field] === undefined ? 'named' : 'wrong';
      const expected = field === user.named ? 'named' : field === user.either ? outcome : 'exact';
      expect([user.id, field, outcome]).toEqual([user.id, field, expected]);
    }
  }
  // AND users with nothing to declare are left out and counted
  expect(centerUsers.filter((user) => Object.keys(user.held).length === 0).some((user) => loaded.has(user.id))).toBe(false);
  expect(center.stderr).toContain('Left out: 2 users for whom Connect holds none of these fields');
  // AND values a spreadsheet would execute or read as a number carry the text marker in the CSV
  const csv = readFileSync(csvFile, 'utf8');
  expect(csv.startsWith('\uFEFFInstanceId,UserId,FirstName,LastName,Email,SecondaryEmail,Mobile\n')).toBe(true);
  expect(csv).toContain(",'+447700900123\n");
  expect(csv).toContain(`,'TRUE,'0042,`);
  expect(csv).toContain(`,'t Hooft,''0042,`);
  if (loaded.get(centerUsers[EXACT.length].id)?.FirstName !== undefined) expect(csv).toContain(`,"'=HYPERLINK(""http://example.com/x"",""Pay"")",Formulaic,`);

  // AND the SAML roster declares no Email, which the identity provider owns
  const samlLoaded = declaredById(Roster.load(yamlFile));
  for (const user of samlUsers) {
    const { Email: _owned, ...writable } = user.held;
    expect(samlLoaded.get(user.id)).toEqual(writable);
  }
}, 120_000);

test('the exported rosters synthesize and deploy with no write to Connect', async () => {
  // GIVEN the exported files as one roster
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: Roster.load(rosterDir) }));
  const mark = world.connect.requests.length;

  // WHEN the stack is deployed
  const result = await world.deployer.deploy(source);

  // THEN it succeeds without a single UpdateUserIdentityInfo, and Connect holds what it held
  expect(result.operations.map((op) => op.answer.Status)).toEqual(['SUCCESS']);
  expect(world.connect.requests.slice(mark).filter((request) => request.operation === 'UpdateUserIdentityInfo')).toEqual([]);
  for (const user of centerUsers) expect(world.connect.user(CENTER, user.id).identityInfo).toEqual(user.held);
  expect(await world.leaksOf(result)).toEqual([]);
}, 120_000);

test('plan names exactly the users and fields that differ from Connect, with no value, and exits 0, 2 or 1', async () => {
  // GIVEN nothing changed since the export
  const unchanged = await runCli(['plan', rosterDir], { env: environment() });
  // THEN the plan says so and exits 0
  const total = Roster.load(rosterDir).entries.length;
  expect([unchanged.code, unchanged.stdout]).toEqual([0, `Plan: 0 users to change (0 fields), ${total} unchanged.\n`]);

  // GIVEN three users edited in Connect since
  const [first, second, third] = [centerUsers[0], centerUsers[EXACT.length + ODD.length + 20], samlUsers[3]];
  world.connect.editUser(CENTER, first.id, { LastName: 'Renamed-in-console', Mobile: '+447700900999' });
  world.connect.editUser(CENTER, second.id, { Email: 'changed.in.console@example.com' });
  world.connect.editUser(SAML, third.id, { FirstName: 'Edited' });
  // AND one user's Email, which the roster does not manage on SAML, changed by the identity provider
  world.connect.editUser(SAML, samlUsers[4].id, { Email: 'moved@idp.example.com' });
  for (const value of ['Renamed-in-console', '+447700900999', 'changed.in.console@example.com', 'moved@idp.example.com']) world.secrets.add(value);

  // WHEN the roster is planned, asking for values although stdout is not a terminal
  const changed = await runCli(['plan', rosterDir, '--show-values'], { env: environment() });

  // THEN exactly those users and fields are named, and it exits 2
  const lines = changed.stdout.split('\n').filter((line) => line.startsWith('~'));
  expect(lines).toHaveLength(3);
  expect(lines).toEqual(expect.arrayContaining([
    expect.stringMatching(new RegExp(`^~ .*center\\.csv: row \\d+ \\(UserId ${first.id}\\): LastName, Mobile$`)),
    expect.stringMatching(new RegExp(`^~ .*center\\.csv: row \\d+ \\(UserId ${second.id}\\): Email$`)),
    expect.stringMatching(new RegExp(`^~ .*saml\\.yaml: entry \\d+ \\(UserId ${third.id}\\): FirstName$`)),
  ]));
  expect(changed.stdout.endsWith(`\nPlan: 3 users to change (4 fields), ${total - 3} unchanged.\n`)).toBe(true);
  expect(changed.code).toBe(2);
  // AND no value appears: the values were not shown off a terminal, and it said so
  expect(changed.stderr).toContain('Values are not shown: stdout is not a terminal');
  expect(findLeaks({ ...changed, puts: [] }, world.secrets)).toEqual([]);

  // WHEN it is planned with --show-values on a terminal
  const onTerminal = await runCliOnTerminal(['plan', rosterDir, '--show-values'], { env: environment() });
  // THEN each changed field shows the value Connect holds and the declared one
  expect(onTerminal.code).toBe(2);
  expect(onTerminal.stdout).toContain(`    LastName: "Renamed-in-console" → "${first.held.LastName}"\r\n    Mobile: "+447700900999" → "${first.held.Mobile}"\r\n`);
  expect(onTerminal.stdout).toContain('    Email: "changed.in.console@example.com" → "');

  // GIVEN a user deleted from Connect
  world.connect.removeUser(CENTER, centerUsers[1].id);
  // WHEN the roster is planned again
  const missing = await runCli(['plan', rosterDir], { env: environment() });
  // THEN the user is named as not found, and the plan exits 1 (a deploy would fail)
  expect(missing.stdout).toMatch(new RegExp(`^\\? .*center\\.csv: row \\d+ \\(UserId ${centerUsers[1].id}\\): not found`, 'm'));
  expect(missing.stdout).toContain(', 1 not found.');
  expect(missing.code).toBe(1);
}, 120_000);

test('check prints exactly what Roster.load reports, and exits 0 or 1', async () => {
  // GIVEN the exported roster, and a copy with two mistakes
  const good = await runCli(['check', csvFile], { env: bareEnvironment() });
  const broken = path.join(work, 'broken.csv');
  const lines = readFileSync(csvFile, 'utf8').split('\n');
  lines[2] = lines[2].replace(/^[^,]*,/, 'not-an-instance id,');
  lines[3] = lines[3].replace(/^([^,]*),[^,]*,/, '$1,mary.major,');
  writeFileSync(broken, lines.join('\n'));

  // WHEN both are checked
  const bad = await runCli(['check', broken], { env: bareEnvironment() });

  // THEN the good one passes, and the broken one prints the loader's message, every problem of it, and exits 1
  expect([good.code, good.stdout]).toEqual([0, `The roster ${csvFile} has no problem: ${Roster.load(csvFile).entries.length} users in 1 file.\n`]);
  let expected = '';
  try {
    Roster.load(broken);
  } catch (error) {
    expected = (error as RosterError).message;
  }
  expect(expected).toMatch(/has 2 problems/);
  expect([bad.code, bad.stdout]).toEqual([1, `${expected}\n`]);
}, 60_000);

