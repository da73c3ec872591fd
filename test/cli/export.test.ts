/**
 * What `export` writes, without Connect: the users and values it keeps, what it leaves out and names, and
 * the file's text in each format, read back with `Roster.load` exactly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildRoster, chooseFields, exportSummary, parseFields, verifyRoundTrip } from '../../cli/export';
import { CliError } from '../../cli/errors';
import { writePrivateFile } from '../../cli/private-file';
import { rosterText } from '../../cli/roster-writer';
import { IDENTITY_FIELDS, IdentityRecord } from '../../lib/identity-rules';
import { RosterFormat } from '../../lib/roster/files';

const INSTANCE = 'arn:aws:connect:eu-west-2:123456789012:instance/a1b2c3d4-5678-90ab-cdef-000000000001';
const userId = (index: number) => `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
const work = mkdtempSync(path.join(tmpdir(), 'connect-cli-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Values a roster must carry byte for byte, in every format. */
const HELD: IdentityRecord[] = [
  { FirstName: 'Zoë', LastName: 'Nuñez-Ólafsdóttir', Email: 'zoe@example.org', Mobile: '+447700900123' },
  { FirstName: '渡辺', LastName: 'محمد 🙂', SecondaryEmail: 'w.m@example.net' },
  { FirstName: 'Richard "Rick"', LastName: "O'Brien, Jr.; III | x", Email: 'rick@example.org' },
  { FirstName: 'TRUE', LastName: '0042', Mobile: '+12065550100' },
  { FirstName: "'t Hooft", LastName: "''0042" },
  { FirstName: 'null', LastName: '~' },
  { FirstName: 'No', LastName: 'Yes: maybe # not a comment' },
  { FirstName: 'Dash - ok', LastName: '[bracket]' },
  { FirstName: 'x'.repeat(255), LastName: 'y '.repeat(120) + 'z' },
];

function written(format: RosterFormat, held: IdentityRecord[]): { file: string; text: string; users: ReturnType<typeof buildRoster>['users'] } {
  const file = path.join(work, `roster-${Math.random().toString(36).slice(2)}.${format}`);
  const built = buildRoster(held.map((_, index) => ({ userId: userId(index), username: `u${index}` })), held, [...IDENTITY_FIELDS], INSTANCE, file);
  const text = rosterText(format, built.users, IDENTITY_FIELDS);
  writePrivateFile(file, text, { force: false, verify: (temporary) => verifyRoundTrip(temporary, built.users) });
  return { file, text, users: built.users };
}

test.each(['csv', 'json', 'yaml'] as const)('a %s roster loads back byte for byte: scripts, quotes, separators, and text a parser or spreadsheet would misread', (format) => {
  // GIVEN users holding awkward values
  // WHEN they are exported (the write checks the file by loading it)
  const { users } = written(format, HELD);
  // THEN every value is in it
  expect(users.map((user) => user.IdentityInfo)).toEqual(HELD);
});

test('a CSV roster has a byte order mark, the API names as header, and the text marker where a spreadsheet would misread', () => {
  const { text } = written('csv', HELD.slice(0, 5));
  const lines = text.split('\n');
  expect(lines[0]).toBe('\uFEFFInstanceId,UserId,FirstName,LastName,Email,SecondaryEmail,Mobile');
  expect(lines[1]).toBe(`${INSTANCE},${userId(0)},Zoë,Nuñez-Ólafsdóttir,zoe@example.org,,'+447700900123`);
  expect(lines[3]).toBe(`${INSTANCE},${userId(2)},"Richard ""Rick""","O'Brien, Jr.; III | x",rick@example.org,,`);
  expect(lines[4]).toBe(`${INSTANCE},${userId(3)},'TRUE,'0042,,,'+12065550100`);
  expect(lines[5]).toBe(`${INSTANCE},${userId(4)},'t Hooft,'''0042,,,`);
});

test('values the loader refuses are left out and named by user ID and field with its message; users left with nothing are counted', () => {
  // GIVEN values Connect accepts but a roster may not declare
  const held: (IdentityRecord | undefined)[] = [
    { FirstName: 'Mary\nAnn', LastName: 'Kept' },
    { FirstName: ' Lead' },
    { LastName: 'Zoe\u0308' },
    {},
    undefined,
    { Email: 'no-at-sign' },
  ];
  // WHEN the roster is built
  const built = buildRoster(held.map((_, index) => ({ userId: userId(index), username: `u${index}` })), held, ['FirstName', 'LastName', 'Email'], INSTANCE, 'agents.csv');
  // THEN only loadable values are kept
  expect(built.users).toEqual([{ InstanceId: INSTANCE, UserId: userId(0), IdentityInfo: { LastName: 'Kept' } }]);
  // AND each other one is named by user ID and field, with the loader's reason and no value
  expect(built.valuesLeftOut.map(({ userId: id, field }) => `${id} ${field}`)).toEqual([`${userId(0)} FirstName`, `${userId(1)} FirstName`, `${userId(2)} LastName`, `${userId(5)} Email`]);
  expect(built.valuesLeftOut[0].message).toMatch(/line break/);
  expect(built.usersLeftOut).toBe(3);
  expect(built.nothingToDeclare).toBe(1);
  // AND the summary names them, saying the file holds personal data
  const summary = exportSummary('agents.csv', 'csv', { users: 1, fields: ['FirstName', 'LastName', 'Email'], nothingToDeclare: 1, gone: 0, valuesLeftOut: built.valuesLeftOut, usersLeftOut: 3, requests: 9, throttled: 0, seconds: 1 });
  expect(summary).toContain('It holds personal data');
  expect(summary).toContain(`    - user ${userId(1)}: FirstName starts or ends with a space`);
  for (const value of ['Mary', 'Lead', 'Kept', 'no-at-sign']) expect(summary).not.toContain(value);
});

test('a file that would not load back as read is never written', () => {
  // GIVEN a file whose text differs from the users it claims to hold
  const file = path.join(work, 'wrong.json');
  const users = [{ InstanceId: INSTANCE, UserId: userId(1), IdentityInfo: { LastName: 'Held' } }];
  const text = rosterText('json', [{ ...users[0], IdentityInfo: { LastName: 'Other' } }], ['LastName']);
  // WHEN it is written with the round-trip check
  // THEN the write fails, and nothing is left
  expect(() => writePrivateFile(file, text, { force: false, verify: (temporary) => verifyRoundTrip(temporary, users) })).toThrow(/does not load back as read from Connect \(user 00000000-0000-4000-8000-000000000001\)/);
  expect(() => readFileSync(file)).toThrow(/ENOENT/);
});

test('fields: any letter case, in the API order; the type decides the default and what may be asked', () => {
  expect(parseFields('mobile, firstname,Mobile')).toEqual(['FirstName', 'Mobile']);
  expect(() => parseFields('FirstName,Phone')).toThrow(CliError);
  expect(() => parseFields(',')).toThrow(/--fields takes one or more of/);
  expect(chooseFields(undefined, 'CONNECT_MANAGED')).toEqual([...IDENTITY_FIELDS]);
  expect(chooseFields(undefined, 'SAML')).toEqual(['FirstName', 'LastName', 'SecondaryEmail', 'Mobile']);
  expect(chooseFields(undefined, 'EXISTING_DIRECTORY')).toEqual(['SecondaryEmail', 'Mobile']);
  expect(() => chooseFields(['LastName'], 'EXISTING_DIRECTORY')).toThrow(/EXISTING_DIRECTORY, on which LastName cannot be managed/);
});

test('a name that holds a line break is exported to JSON and YAML as it is, and named as not exportable to CSV', () => {
  // GIVEN a user whose FirstName Connect holds with a line break
  const held: IdentityRecord[] = [{ FirstName: 'Mary\nAnn', LastName: 'Major' }];
  const users = [{ userId: userId(0), username: 'u0' }];
  // WHEN the roster is built for each format
  const asJson = buildRoster(users, held, ['FirstName', 'LastName'], INSTANCE, 'agents.json');
  const asYaml = buildRoster(users, held, ['FirstName', 'LastName'], INSTANCE, 'agents.yaml');
  const asCsv = buildRoster(users, held, ['FirstName', 'LastName'], INSTANCE, 'agents.csv');
  // THEN JSON and YAML keep it, and CSV leaves it out, saying why
  expect(asJson.users[0].IdentityInfo).toEqual({ FirstName: 'Mary\nAnn', LastName: 'Major' });
  expect(asYaml.users[0].IdentityInfo).toEqual({ FirstName: 'Mary\nAnn', LastName: 'Major' });
  expect(asCsv.users[0].IdentityInfo).toEqual({ LastName: 'Major' });
  expect(asCsv.valuesLeftOut[0]).toMatchObject({ field: 'FirstName', message: expect.stringContaining('JSON or YAML') });
});
