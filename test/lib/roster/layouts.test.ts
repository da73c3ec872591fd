/**
 * Files other tools wrote, read with a layout: Connect's "Add users in bulk" template (both variants, as
 * Excel saves it), Microsoft Entra ID's "Download users" and Okta's user CSV. Each loads into the same
 * declarations as a roster of the API's names; the columns a layout does not read (a password above all)
 * reach nothing; a wrong file, a missing column or two columns for one field are told, with no value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { ConnectUserRoster, formatProblem, Roster, RosterLayout, RosterLoadOptions } from '../../../lib';
import { declarationOf } from '../../../lib/roster/entry';
import { EXAMPLES, expectNoLeaks, INSTANCE, OTHER_INSTANCE, problemLines, rosterFile } from './fixtures';

const FILES = path.join(EXAMPLES, 'from-other-tools');
const AT_INSTANCE: RosterLoadOptions = { instanceId: INSTANCE };

/** The declarations a roster's entries deploy, in roster order. */
function declarations(roster: Roster) {
  return roster.entries.map(declarationOf);
}

/** Every cell of a CSV fixture's column, by its header (the fixtures quote only cells with a comma). */
function cellsOf(file: string, header: string): string[] {
  const [head, ...rows] = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line !== '');
  const index = head.split(',').indexOf(header);
  return rows.map((row) => (row.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).map((cell) => cell.replace(/,$/, '').replace(/^"|"$/g, ''))[index]).filter((cell) => cell);
}

describe('the files admins already have load into the declarations of a hand-written YAML roster', () => {
  test.each([
    ['connect-bulk-upload', RosterLayout.CONNECT_BULK_UPLOAD, {}, 1],
    ['connect-bulk-upload-saml', RosterLayout.CONNECT_BULK_UPLOAD, {}, 0],
    ['entra-download-users', RosterLayout.ENTRA_ID_USERS, { normalizeMobileNumbers: true, defaultCountry: 'GB' }, 1],
    ['okta-users', RosterLayout.OKTA_USERS, { normalizeMobileNumbers: true }, 0],
  ] as const)('%s.csv, with its layout', (name, layout, options, skippedRows) => {
    // GIVEN the file as its tool writes it, and its twin written by hand
    const yaml = Roster.fromPath(path.join(FILES, `${name}.yaml`));
    expect(yaml.problems).toEqual([]);

    // WHEN the file is loaded with its layout and the instance
    const roster = Roster.fromPath(path.join(FILES, `${name}.csv`), { ...AT_INSTANCE, layout, ...options });

    // THEN it has no problem, declares what the YAML roster declares, and counts the rows that declare nothing
    expect(roster.problems.map(formatProblem)).toEqual([]);
    expect(declarations(roster)).toEqual(declarations(yaml));
    expect(roster.skippedRows).toBe(skippedRows);
  });

  test("the template's headers as public scripts write them (no user_hierarchy, no tags; SAML without emails) load too", () => {
    // GIVEN both variants of the template with the headers of the scripts that fill it
    const managed = rosterFile(
      'agents.csv',
      'first name,last name,email address,password,user login,routing profile name,security_profile_name_1|security_profile_name_2,phone type (soft/desk),phone number,soft phone auto accept (yes/no),ACW timeout (seconds)\r\n' +
        'Mary,Major,marym@example.com,Pa55word!,mmajor,Basic Routing Profile,Agent,SOFT_PHONE,,yes,30\r\n',
    );
    const saml = rosterFile(
      'agents.csv',
      'first name,last name,user login,routing profile name,security_profile_name_1|security_profile_name_2,phone type (soft/desk),phone number,soft phone auto accept (yes/no),ACW timeout (seconds)\r\n' +
        'Mary,Major,mary.major@example.com,Basic Routing Profile,Agent,DESK_PHONE,+12065550143,no,0\r\n',
    );
    // WHEN each is loaded
    const options = { ...AT_INSTANCE, layout: RosterLayout.CONNECT_BULK_UPLOAD };
    // THEN each declares the names (and the email address where the variant has it); the desk phone is no Mobile
    expect(declarations(Roster.fromPath(managed, options))).toEqual([
      { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { FirstName: 'Mary', LastName: 'Major', Email: 'marym@example.com' } },
    ]);
    expect(declarations(Roster.fromPath(saml, options))).toEqual([{ InstanceId: INSTANCE, Username: 'mary.major@example.com', IdentityInfo: { FirstName: 'Mary', LastName: 'Major' } }]);
  });

  test("an Entra row whose account is disabled declares its names like any other (accountEnabled is not read)", () => {
    // GIVEN the Entra export, whose Richard Roe has accountEnabled False
    const roster = Roster.fromPath(path.join(FILES, 'entra-download-users.csv'), { ...AT_INSTANCE, layout: RosterLayout.ENTRA_ID_USERS, normalizeMobileNumbers: true, defaultCountry: 'GB' });
    // THEN his row is declared as the others are, and nothing else of the row is
    expect(roster.entries.find((entry) => entry.username === 'richard.roe@example.com')).toMatchObject({
      row: 4,
      identityInfo: { firstName: 'Richard', lastName: 'Roe', email: 'richard.roe@example.com', mobile: '+447400123456' },
    });
  });

  test("a known layout's columns are readable, to start a layout of one's own from", () => {
    expect(RosterLayout.ENTRA_ID_USERS.columns).toEqual({ username: 'userPrincipalName', firstName: 'givenName', lastName: 'surname', email: 'mail', mobile: 'mobilePhone' });
    // GIVEN the Entra layout without Email (a SAML instance refuses it) and with the alternate address as SecondaryEmail
    const layout = RosterLayout.fromColumns({ ...RosterLayout.ENTRA_ID_USERS.columns, email: undefined, secondaryEmail: 'alternateEmailAddress' });
    // WHEN the export is loaded with it
    const roster = Roster.fromPath(path.join(FILES, 'entra-download-users.csv'), { ...AT_INSTANCE, layout, normalizeMobileNumbers: true, defaultCountry: 'GB' });
    // THEN Email is not declared, and SecondaryEmail is where the column has one
    expect(roster.problems).toEqual([]);
    expect(roster.entries.map((entry) => entry.identityInfo)).toEqual([
      { firstName: 'Mary', lastName: 'Major', secondaryEmail: 'mary@example.net', mobile: '+12065550142' },
      { firstName: 'John', lastName: 'Stiles' },
      { firstName: 'Richard', lastName: 'Roe', mobile: '+447400123456' },
    ]);
  });
});

describe('columns a layout does not read reach nothing', () => {
  const bulk = path.join(FILES, 'connect-bulk-upload.csv');
  const passwords = cellsOf(bulk, 'password');
  const otherCells = [...cellsOf(bulk, 'routing profile name'), ...cellsOf(bulk, 'tags'), ...cellsOf(bulk, 'user_hierarchy')];

  test('the fixture holds passwords, routing profiles and tags to look for', () => {
    expect(passwords).toHaveLength(5);
    expect(passwords).toContain('Str0ng,Passw0rd-3');
    expect(otherCells).toEqual(expect.arrayContaining(['Spanish Queue', 'Department:Sales|Team:North', 'Sales/North/Seattle']));
  });

  test('no password, nor any other cell of a column not read, is in the roster or anywhere in the cloud assembly', () => {
    // GIVEN the template loaded with its layout, and declared in an app
    const roster = Roster.fromPath(bulk, { ...AT_INSTANCE, layout: RosterLayout.CONNECT_BULK_UPLOAD });
    const app = new App();
    new ConnectUserRoster(new Stack(app, 'ContactCenter'), 'Agents', { roster });

    // WHEN the app is synthesized
    const assembly = app.synth();

    // THEN no file of cdk.out holds a password or another cell the layout does not read
    const files = filesUnder(assembly.directory);
    expect(files.some((file) => file.endsWith('.json') && readFileSync(file, 'utf8').includes('"Username"'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of [...passwords, ...otherCells]) expect({ file, holds: text.includes(secret) ? secret : undefined }).toEqual({ file, holds: undefined });
    }
    // AND the roster itself holds none of them
    const held = JSON.stringify(roster);
    for (const secret of [...passwords, ...otherCells]) expect(held).not.toContain(secret);
  });

  test('a problem in a row names its cells, not the password beside them', () => {
    // GIVEN a template row whose email is wrong, and a row cut short
    const file = rosterFile(
      'agents.csv',
      'first name,last name,email address,password,user login\r\nMary,Major,marym@example,Pa55-Major!,mmajor\r\nJohn,Stiles,johns@example.com,Pa55-Stiles!\r\n',
    );
    // WHEN it is checked
    const problems = Roster.check(file, { ...AT_INSTANCE, layout: RosterLayout.CONNECT_BULK_UPLOAD });
    // THEN the messages name rows and columns, and hold no password nor value
    expect(problems.map(formatProblem)).toEqual([
      `${file}: row 2 (Username given): Email (column C) does not look like an email address (name@domain.example, no spaces, 265 characters at most)`,
      `${file}: row 3: has 4 cells where the header row names 5 columns: a separator is missing, or the row was cut short`,
    ]);
    for (const value of ['Pa55-Major!', 'Pa55-Stiles!', 'marym', 'mmajor', 'Stiles']) expect(JSON.stringify(problems)).not.toContain(value);
  });

  test('without a layout, a column the roster does not know stays an error', () => {
    // GIVEN the Entra export, the template, and a sheet of the API's names with one column more
    const entra = path.join(FILES, 'entra-download-users.csv');
    const bulk = path.join(FILES, 'connect-bulk-upload.csv');
    const own = rosterFile('team.csv', `Username,FirstName,Password\nmmajor,Mary,Pa55-Major!\n`);
    // WHEN each is loaded without a layout
    // THEN the known files are refused, naming the layout that reads them, and the unknown column is an error
    expect(problemLinesWith(entra, AT_INSTANCE)).toEqual([
      `${entra}: row 1: is the header row of a Microsoft Entra ID "Download users" export, whose columns are not a roster's: load the file with layout RosterLayout.ENTRA_ID_USERS`,
    ]);
    expect(problemLinesWith(bulk, AT_INSTANCE)).toEqual([
      `${bulk}: row 1: is the header row of Amazon Connect's "Add users in bulk" template, whose columns are not a roster's: load the file with layout RosterLayout.CONNECT_BULK_UPLOAD`,
    ]);
    const problems = Roster.check(own, AT_INSTANCE);
    expect(problems.map(formatProblem)).toEqual([
      `${own}: row 1: column C is not named as a column of a roster; the columns are InstanceId, UserId, Username, FirstName, LastName, Email, SecondaryEmail, Mobile`,
    ]);
    expect(JSON.stringify(problems)).not.toContain('Pa55');
  });
});

describe('a layout that does not fit the file is a clear error', () => {
  test('fails on a layout given the wrong file, and names the layout that fits', () => {
    // GIVEN the Okta file, loaded with the Entra layout; the Entra file with the template's
    const okta = path.join(FILES, 'okta-users.csv');
    const entra = path.join(FILES, 'entra-download-users.csv');
    // THEN each says what is missing, what the file looks like instead, and shows nothing of the file
    expect(problemLinesWith(okta, { ...AT_INSTANCE, layout: RosterLayout.ENTRA_ID_USERS })).toEqual([
      `${okta}: row 1: lacks the columns userPrincipalName (Username), givenName (FirstName) and surname (LastName) that RosterLayout.ENTRA_ID_USERS reads: this file does not look like a Microsoft Entra ID "Download users" export. Its header row is that of an Okta user CSV: load it with layout RosterLayout.OKTA_USERS`,
    ]);
    expect(problemLinesWith(entra, { ...AT_INSTANCE, layout: RosterLayout.CONNECT_BULK_UPLOAD })).toEqual([
      `${entra}: row 1: lacks the columns "user login" (Username), "first name" (FirstName) and "last name" (LastName) that RosterLayout.CONNECT_BULK_UPLOAD reads: this file does not look like Amazon Connect's "Add users in bulk" template. Its header row is that of a Microsoft Entra ID "Download users" export: load it with layout RosterLayout.ENTRA_ID_USERS`,
    ]);
  });

  test("fails on a layout given a roster of the API's names, or a JSON file", () => {
    const csv = rosterFile('team.csv', `InstanceId,Username,FirstName,LastName\n${INSTANCE},mmajor,Mary,Major\n`);
    const json = rosterFile('team.json', { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { FirstName: 'Mary' } });
    expect(problemLinesWith(csv, { layout: RosterLayout.CONNECT_BULK_UPLOAD })).toEqual([
      `${csv}: row 1: lacks the column "user login" (Username) that RosterLayout.CONNECT_BULK_UPLOAD reads: this file does not look like Amazon Connect's "Add users in bulk" template. Its header row names the columns by the API's names (UserId or Username, FirstName, ...): load it without a layout`,
    ]);
    expect(problemLinesWith(json, { layout: RosterLayout.OKTA_USERS })).toEqual([
      `${json}: is a JSON file, and RosterLayout.OKTA_USERS reads CSV files only: load it without a layout (JSON and YAML rosters use the API's names), or save the sheet as CSV`,
    ]);
  });

  test('fails on a column of its own layout that the file lacks', () => {
    // GIVEN the Okta file, and a layout that maps FirstName from a column it does not have
    const okta = path.join(FILES, 'okta-users.csv');
    const layout = RosterLayout.fromColumns({ username: 'login', firstName: 'givenName', lastName: 'lastName' });
    // THEN the missing column is named, as the layout spells it
    expect(problemLinesWith(okta, { ...AT_INSTANCE, layout })).toEqual([
      `${okta}: row 1: lacks the column givenName (FirstName) that RosterLayout.fromColumns reads: check the header row and the layout's columns (headers are matched ignoring case, spaces, _ and -)`,
    ]);
  });

  test('fails on two columns of the file for one field', () => {
    // GIVEN an Entra export with both mobile columns, and a file with a header twice in two spellings
    const entra = rosterFile('users.csv', 'userPrincipalName,givenName,surname,mobile,mobilePhone\nmary.major@example.com,Mary,Major,,+12065550142\n');
    const own = rosterFile('users.csv', 'login,First Name,first_name\nmmajor,Mary,Marie\n');
    expect(problemLinesWith(entra, { ...AT_INSTANCE, layout: RosterLayout.ENTRA_ID_USERS })).toEqual([
      `${entra}: row 1: Mobile (column E) is a second column that RosterLayout.ENTRA_ID_USERS reads as Mobile, with column D: keep one of them`,
    ]);
    expect(problemLinesWith(own, { ...AT_INSTANCE, layout: RosterLayout.fromColumns({ username: 'login', firstName: 'First Name' }) })).toEqual([
      `${own}: row 1: FirstName (column C) is a second column that RosterLayout.fromColumns reads as FirstName, with column B: keep one of them`,
    ]);
  });

  test("fails on a layout of one's own that names no user, no identity field, an empty header, or one column for two fields", () => {
    const file = rosterFile('users.csv', 'login,mail\nmmajor,marym@example.com\n');
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.fromColumns({ email: 'mail' }) })).toEqual([
      `${file}: is loaded with RosterLayout.fromColumns, which names no column of the user: give username (the Connect login) or userId`,
    ]);
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.fromColumns({ username: 'login', lastName: ' ' }) })).toEqual([
      `${file}: is loaded with RosterLayout.fromColumns, whose column of LastName is empty: give the header of the column, or leave the field out`,
    ]);
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.fromColumns({ username: 'login' }) })).toEqual([
      `${file}: is loaded with RosterLayout.fromColumns, which names no identity column: give at least one of firstName, lastName, email, secondaryEmail, mobile`,
    ]);
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.fromColumns({ username: 'login', email: 'mail', secondaryEmail: 'Mail' }) })).toEqual([
      `${file}: is loaded with RosterLayout.fromColumns, which reads the column Mail as both Email and SecondaryEmail: a column fills one field; give each field its own column`,
    ]);
  });

  test('fails on a row that declares fields but has no user, naming the user column', () => {
    const file = rosterFile('users.csv', 'login,firstName,lastName\n,Mary,Major\n');
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.OKTA_USERS })).toEqual([
      `${file}: row 2: Username (column A) is empty, but the row declares other fields: fill it in, or clear the row`,
    ]);
  });

  test('a file whose every row declares nothing declares nothing, and says why', () => {
    const file = rosterFile('users.csv', 'login,firstName,lastName,status\nmmajor,,,ACTIVE\njstiles,,,SUSPENDED\n');
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: RosterLayout.OKTA_USERS })).toEqual([
      `${file}: holds no entries (its 2 rows declare nothing in the columns RosterLayout.OKTA_USERS reads): declare at least one user`,
    ]);
  });
});

describe('one instance for a whole file', () => {
  test('entries without an instance take the option; a row that names another instance keeps it', () => {
    // GIVEN a sheet whose InstanceId column is empty but for one row, and a JSON entry without the key
    const dir = path.dirname(rosterFile('a.csv', `InstanceId,Username,LastName\n,mmajor,Major\n${OTHER_INSTANCE},jstiles,Stiles\n`));
    const json = rosterFile('b.json', [{ Username: 'rroe', IdentityInfo: { LastName: 'Roe' } }]);
    // WHEN each is loaded with the instance option
    const csv = Roster.fromPath(path.join(dir, 'a.csv'), AT_INSTANCE);
    // THEN the rows without one are the option's, the other keeps its own
    expect(csv.problems).toEqual([]);
    expect(csv.entries.map((entry) => [entry.username, entry.instanceId])).toEqual([
      ['mmajor', INSTANCE],
      ['jstiles', OTHER_INSTANCE],
    ]);
    expect(Roster.fromPath(json, AT_INSTANCE).entries.map((entry) => entry.instanceId)).toEqual([INSTANCE]);
    // AND a sheet without the column at all loads with the option, and fails without it
    const without = rosterFile('c.csv', 'Username,LastName\nmmajor,Major\n');
    expect(Roster.check(without, AT_INSTANCE)).toEqual([]);
    expect(problemLines(without)).toEqual([
      `${without}: row 1: has no InstanceId column: add one, with the instance ID or ARN in every row, or give the instance with the instanceId option`,
    ]);
  });

  test('a wrong InstanceId in a row is its error, not replaced by the option', () => {
    const file = rosterFile('a.csv', 'InstanceId,Username,LastName\nmarym@example.com,mmajor,Major\n');
    const problems = Roster.check(file, AT_INSTANCE);
    expect(problems.map((problem) => [problem.row, problem.column, problem.field])).toEqual([[2, 'A', 'InstanceId']]);
    expectNoLeaks(problems);
  });

  test('fails once, and reads nothing, on an instance option that is empty, malformed, or only known at deploy time', () => {
    const file = rosterFile('a.csv', 'Username,LastName\nmmajor,Major\n');
    const stack = new Stack();
    const token = new CfnParameter(stack, 'Instance').valueAsString;
    expect(problemLinesWith(file, { instanceId: '' })).toEqual([`${file}: is loaded with an empty instanceId option: give the instance ID or ARN, or leave the option out`]);
    expect(problemLinesWith(file, { instanceId: 'marym@example.com' })).toEqual([
      `${file}: is loaded with an instanceId option that is not a Connect instance ID, which is a UUID of 8-4-4-4-12 letters and digits (e.g. a1b2c3d4-5678-90ab-cdef-EXAMPLE11111), nor an instance ARN: copy it from the Amazon Connect console (the instance ARN, or its last part)`,
    ]);
    expect(problemLinesWith(file, { instanceId: token })).toEqual([
      `${file}: is loaded with an instanceId option only known at deploy time (a token or a dynamic reference): a roster file is read at synth, so give the instance ID or ARN itself (from cdk.json context, say)`,
    ]);
    expect(Roster.fromPath(file, { instanceId: 'nope' }).files).toEqual([]);
  });

  test('fails on a layout that is not a RosterLayout, and on a defaultCountry without normalizeMobileNumbers or unknown', () => {
    const file = rosterFile('a.csv', 'Username,LastName\nmmajor,Major\n');
    expect(problemLinesWith(file, { ...AT_INSTANCE, layout: 'ENTRA_ID_USERS' as unknown as RosterLayout })).toEqual([
      `${file}: is loaded with a layout that is not a RosterLayout: give one of RosterLayout.CONNECT_BULK_UPLOAD, RosterLayout.ENTRA_ID_USERS, RosterLayout.OKTA_USERS, or RosterLayout.fromColumns(...)`,
    ]);
    expect(problemLinesWith(file, { ...AT_INSTANCE, defaultCountry: 'GB' })).toEqual([
      `${file}: is loaded with a defaultCountry but without normalizeMobileNumbers, which it is for: set normalizeMobileNumbers too, or leave defaultCountry out`,
    ]);
    for (const country of ['UK', 'gb', 'GBR', 'XX']) {
      expect(problemLinesWith(file, { ...AT_INSTANCE, normalizeMobileNumbers: true, defaultCountry: country })).toEqual([
        `${file}: is loaded with a defaultCountry that is not a two-letter country code (ISO 3166-1, in capitals: US, GB, DE, ...) whose phone numbers can be read`,
      ]);
    }
  });
});

function problemLinesWith(file: string, options: RosterLoadOptions): string[] {
  return Roster.check(file, options).map(formatProblem);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}
