import * as path from 'node:path';
import { formatProblem, Roster, RosterEntry } from '../../../lib';
import {
  EXAMPLES,
  expectNoLeaks,
  INSTANCE,
  loadError,
  MARY_ID,
  OTHER_INSTANCE,
  problemLines,
  rosterDir,
  rosterFile,
  userId,
} from './fixtures';

/** What a roster declares, without where each entry came from. */
function declarations(entries: RosterEntry[]) {
  return entries.map(({ instanceId, userId: id, username, identityInfo }) => ({ instanceId, userId: id, username, identityInfo }));
}

/** A team with non-ASCII names, and values that hold commas, semicolons and quotes. */
const TEAM_YAML = `
- InstanceId: ${INSTANCE}
  UserId: ${userId(1)}
  IdentityInfo: { FirstName: Siobhán, LastName: Nuñez, Email: s.nunez@example.net, Mobile: '+447700900123' }
- InstanceId: ${INSTANCE}
  Username: rroe
  IdentityInfo: { FirstName: 'Richard "Rick"', LastName: 'Roe, Jr.', SecondaryEmail: richard.roe@example.net }
- InstanceId: ${OTHER_INSTANCE}
  UserId: ${userId(3)}
  IdentityInfo: { FirstName: 渡辺, LastName: "O'Brien; Zoë" }
`;

/** The same team as a spreadsheet holds it, with headers spelt as people type them. */
const TEAM_TABLE = [
  ['InstanceId', 'User Id', 'username', 'First Name', 'last_name', 'E-mail', 'Secondary Email', 'MOBILE'],
  [INSTANCE, userId(1), '', 'Siobhán', 'Nuñez', 's.nunez@example.net', '', '+447700900123'],
  [INSTANCE, '', 'rroe', 'Richard "Rick"', 'Roe, Jr.', '', 'richard.roe@example.net', ''],
  [OTHER_INSTANCE, userId(3), '', '渡辺', "O'Brien; Zoë", '', '', ''],
];

interface Saving {
  readonly separator: string;
  readonly lineEnd: string;
  readonly encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';
  /** Quote every cell (LibreOffice's "Quote all text cells"), not only those that need it. */
  readonly quoteAll?: boolean;
}

/** The bytes a spreadsheet writes for a table, including the empty rows and columns it leaves at the end. */
function save(table: string[][], saving: Saving): Uint8Array {
  const quote = (cell: string) =>
    saving.quoteAll || /["\r\n]/.test(cell) || cell.includes(saving.separator) ? `"${cell.replace(/"/g, '""')}"` : cell;
  const width = table[0].length + 1;
  const rows = [...table.map((row) => [...row, '']), Array(width).fill(''), Array(width).fill('')];
  const text = rows.map((row) => row.map(quote).join(saving.separator)).join(saving.lineEnd) + saving.lineEnd;
  switch (saving.encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.from(`\uFEFF${text}`, 'utf8');
    case 'utf-16le':
      return Buffer.from(`\uFEFF${text}`, 'utf16le');
    case 'utf-16be':
      return Buffer.from(`\uFEFF${text}`, 'utf16le').swap16();
  }
}

const SAVINGS: [string, Saving][] = [
  ['Excel "CSV UTF-8 (Comma delimited)": UTF-8 with BOM, commas, CRLF', { separator: ',', lineEnd: '\r\n', encoding: 'utf-8-bom' }],
  ['Excel "CSV UTF-8" in a locale whose list separator is ";"', { separator: ';', lineEnd: '\r\n', encoding: 'utf-8-bom' }],
  ['Excel "Unicode Text": UTF-16 LE with BOM, tabs, CRLF', { separator: '\t', lineEnd: '\r\n', encoding: 'utf-16le' }],
  ['UTF-16 BE with BOM, tabs', { separator: '\t', lineEnd: '\r\n', encoding: 'utf-16be' }],
  ['Google Sheets / LibreOffice: UTF-8 without BOM, LF', { separator: ',', lineEnd: '\n', encoding: 'utf-8' }],
  ['LibreOffice with every text cell quoted, ";"', { separator: ';', lineEnd: '\n', encoding: 'utf-8', quoteAll: true }],
  ['old Mac line ends (CR alone)', { separator: ',', lineEnd: '\r', encoding: 'utf-8' }],
];

describe('CSV rosters: spreadsheets as they save them', () => {
  test('the shipped examples/team.csv declares the same users as examples/team.yaml', () => {
    // GIVEN the example team as YAML and as CSV
    const yaml = Roster.load(path.join(EXAMPLES, 'team.yaml'));

    // WHEN the CSV is loaded
    const csv = Roster.load(path.join(EXAMPLES, 'team.csv'));

    // THEN both declare the same users, and each CSV entry knows its row
    expect(declarations(csv.entries)).toEqual(declarations(yaml.entries));
    expect(csv.entries.map((entry) => [entry.entry, entry.row])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
  });

  test.each(SAVINGS)('a roster saved as %s loads into the same declarations as the equivalent YAML', (_name, saving) => {
    // GIVEN a team as YAML, and the same team saved by a spreadsheet
    const yaml = Roster.load(rosterFile('team.yaml', TEAM_YAML));
    const csvFile = rosterFile('team.csv', save(TEAM_TABLE, saving));

    // WHEN the CSV is loaded
    const csv = Roster.load(csvFile);

    // THEN it declares exactly what the YAML declares: same values, no blank cell declared
    expect(declarations(csv.entries)).toEqual(declarations(yaml.entries));
    expect(csv.entries).toHaveLength(3);
  });

  test.each([
    ['without a byte order mark', ''],
    ['after a UTF-8 byte order mark', '\uFEFF'],
  ])('honours Excel\'s sep= first line %s, numbering rows as Excel shows them (the header is row 1)', (_name, mark) => {
    // GIVEN a ";"-separated sheet whose first line tells Excel the separator, with a mistake in its second agent
    const table = TEAM_TABLE.map((row) => row.map((cell) => (/[;"]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(';'));
    const text = `${mark}sep=;\r\n${table.join('\r\n')}\r\n`;
    const yaml = Roster.load(rosterFile('team.yaml', TEAM_YAML));

    // WHEN it is loaded
    const csv = Roster.load(rosterFile('team.csv', Buffer.from(text, 'utf8')));

    // THEN it declares the same users as the YAML, the first agent in row 2
    expect(declarations(csv.entries)).toEqual(declarations(yaml.entries));
    expect(csv.entries.map((entry) => entry.row)).toEqual([2, 3, 4]);
    const broken = rosterFile('team.csv', `sep=;\n${TEAM_TABLE[0].join(';')}\n${INSTANCE};${userId(1)};;Ann;Lee ;;;\n`);
    expect(problemLines(broken)).toEqual([expect.stringContaining(`${broken}: row 2 (UserId ${userId(1)}): LastName (column E) starts or ends with a space`)]);
  });

  test('honours a sep= line that declares a tab, and says so when the declared separator is not the one the file uses', () => {
    // GIVEN one file whose sep= line declares a tab, and one whose sep= line declares ";" over a comma-separated table
    const tab = rosterFile('team.csv', `sep=\t\nInstanceId\tUserId\tFirstName\n${INSTANCE}\t${userId(1)}\tAnn\n`);
    const wrong = rosterFile('team.csv', `sep=;\nInstanceId,UserId,FirstName\n${INSTANCE},${userId(1)},Ann\n`);

    // WHEN / THEN
    expect(Roster.load(tab).entries.map((entry) => entry.identityInfo)).toEqual([{ firstName: 'Ann' }]);
    expect(problemLines(wrong)).toEqual([expect.stringMatching(/row 1: must be the header row.*the separator that the sep= line above it declares is not the one the file uses/)]);
  });

  test('loads a file whose rows end in CRLF, LF and CR mixed, as pieced-together files do', () => {
    // GIVEN the team with a different line end after each row, and a line break inside a quoted cell
    const rows = TEAM_TABLE.map((row) => row.map((cell) => (/[,"]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(','));
    const text = `${rows[0]}\r\n${rows[1]}\n${rows[2]}\r${rows[3]}\r\n\n`;
    const yaml = Roster.load(rosterFile('team.yaml', TEAM_YAML));

    // WHEN it is loaded
    const csv = Roster.load(rosterFile('team.csv', text));

    // THEN every row is read with its cells, as from a file with one kind of line end
    expect(declarations(csv.entries)).toEqual(declarations(yaml.entries));
    expect(csv.entries.map((entry) => entry.row)).toEqual([2, 3, 4]);
    const broken = rosterFile('team.csv', `InstanceId,UserId,FirstName\r\n${INSTANCE},${userId(1)},"Ann\rMarie"\n${INSTANCE},${userId(2)},Ben\r`);
    expect(problemLines(broken)).toEqual([expect.stringContaining('row 2 (UserId 00000000-0000-4000-8000-000000000001): FirstName (column C) holds a line break')]);
  });

  test('loads .csv files beside JSON and YAML in a roster directory', () => {
    // GIVEN a directory of a CSV, a JSON and a YAML file
    const dir = rosterDir({
      'a.csv': `InstanceId,UserId,FirstName\n${INSTANCE},${userId(1)},Ann\n`,
      'b.json': { InstanceId: INSTANCE, UserId: userId(2), IdentityInfo: { FirstName: 'Ben' } },
      'c.yaml': `InstanceId: ${INSTANCE}\nUserId: ${userId(3)}\nIdentityInfo: { FirstName: Cy }\n`,
    });

    // WHEN it is loaded
    const roster = Roster.load(dir);

    // THEN all three files are read, in name order
    expect(roster.entries.map((entry) => entry.identityInfo.firstName)).toEqual(['Ann', 'Ben', 'Cy']);
  });

  test('skips blank rows anywhere, keeping the spreadsheet\'s row numbers in messages', () => {
    // GIVEN a blank line and an empty row between agents, and a mistake in the agent after them
    const file = rosterFile('team.csv', `InstanceId,UserId,LastName\n${INSTANCE},${userId(1)},Ng\n\n,,\n${INSTANCE},${userId(2)},Roe \n`);

    // WHEN it is checked
    const lines = problemLines(file);

    // THEN the mistake is in row 5, where a spreadsheet shows it
    expect(lines).toEqual([`${file}: row 5 (UserId ${userId(2)}): LastName (column C) starts or ends with a space: remove it (a spreadsheet's =TRIM() does). The loader does not trim values, so that what reaches Connect is exactly what the file says`]);
  });
});

describe('CSV rosters: the mistakes spreadsheets make, each with its cell', () => {
  test('fails on a Mobile that lost its "+" or became scientific notation, saying to format the column as text', () => {
    // GIVEN a Mobile column that a spreadsheet read as numbers
    const file = rosterFile(
      'team.csv',
      `InstanceId,UserId,FirstName,Mobile\n${INSTANCE},${userId(1)},Ann,12065550142\n${INSTANCE},${userId(2)},Ben,1.20656E+10\n`,
    );

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN each cell is named, with the fix
    expect(problems).toEqual([
      expect.objectContaining({ file, row: 2, column: 'D', field: 'Mobile', subject: `UserId ${userId(1)}` }),
      expect.objectContaining({ file, row: 3, column: 'D', field: 'Mobile', subject: `UserId ${userId(2)}` }),
    ]);
    expect(problems[0].message).toMatch(/has no "\+" before its digits.*Format the column as Text/);
    expect(problems[1].message).toMatch(/scientific notation.*Format the column as Text/);
    expectNoLeaks(problems);
  });

  test('fails on spaces around a name or an email, non-breaking spaces and curly quotes, naming each cell', () => {
    // GIVEN values as they arrive from typing and from pasting out of documents
    const file = rosterFile(
      'team.csv',
      [
        'InstanceId,UserId,FirstName,LastName,Email',
        `${INSTANCE},${userId(1)}, Mary,Major ,marym@example.com `,
        `${INSTANCE},${userId(2)},Mary\u00A0Jane,O\u2019Brien,jdoe\u2019s@example.com`,
        `${INSTANCE},${userId(3)},\u201CJane\u201D,Smith\u200B,jdoe2@example.com`,
      ].join('\r\n'),
    );

    // WHEN it is checked
    const lines = problemLines(file);

    // THEN every cell is reported once, by row and column, with what to do; the apostrophe inside O’Brien is a letter of the name
    expect(lines).toEqual([
      expect.stringContaining(`row 2 (UserId ${userId(1)}): FirstName (column C) starts or ends with a space`),
      expect.stringContaining(`row 2 (UserId ${userId(1)}): LastName (column D) starts or ends with a space`),
      expect.stringContaining(`row 2 (UserId ${userId(1)}): Email (column E) starts or ends with a space`),
      expect.stringContaining(`row 3 (UserId ${userId(2)}): FirstName (column C) holds a non-breaking or invisible space`),
      expect.stringContaining(`row 3 (UserId ${userId(2)}): Email (column E) holds a quote or a curly apostrophe`),
      expect.stringContaining(`row 4 (UserId ${userId(3)}): FirstName (column C) is wrapped in quotes, or holds curly double quotes`),
      expect.stringContaining(`row 4 (UserId ${userId(3)}): LastName (column D) holds a non-breaking or invisible space`),
    ]);
    expectNoLeaks(Roster.check(file));
  });

  test('fails on a row whose cell count differs from the header, and checks the other rows all the same, in row order', () => {
    // GIVEN a row with a mistake, then a row cut short and a row with an unquoted comma in a name
    const file = rosterFile(
      'team.csv',
      `InstanceId,UserId,FirstName,LastName\n${INSTANCE},${userId(1)},Ann,Major \n${INSTANCE},${userId(2)},Mary\n${INSTANCE},${userId(3)},Jane,Smith, Jr.\n`,
    );

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN both rows are named with their cell counts, after the first row's own problem
    expect(problems.map(formatProblem)).toEqual([
      expect.stringContaining(`${file}: row 2 (UserId ${userId(1)}): LastName (column D) starts or ends with a space`),
      `${file}: row 3: has 3 cells where the header row names 4 columns: a separator is missing, or the row was cut short`,
      `${file}: row 4: has 5 cells where the header row has 4: a value that holds the separator must be in quotes, or a separator is one too many`,
    ]);
    expectNoLeaks(problems);
  });

  test('reads a quoted cell with a line break as one cell, refuses the line break, and keeps counting rows as a spreadsheet does', () => {
    // GIVEN a name cell that holds a line break (Alt+Enter in Excel), then a row with a mistake
    const file = rosterFile('team.csv', `InstanceId,UserId,FirstName\r\n${INSTANCE},${userId(1)},"Mary\r\nJane"\r\n${INSTANCE},${userId(2)},Jane \r\n`);

    // WHEN it is checked
    const lines = problemLines(file);

    // THEN the line break is named in row 2, and the next agent is row 3 (its line is 4)
    expect(lines).toEqual([
      `${file}: row 2 (UserId ${userId(1)}): FirstName (column C) holds a line break or a tab (an Alt+Enter in a spreadsheet cell): a cell must be one line of text. A name that really holds one can be declared in a JSON or YAML roster, written as \\n`,
      expect.stringContaining(`${file}: row 3 (UserId ${userId(2)}): FirstName (column C) starts or ends with a space`),
    ]);
  });

  test('fails on every rule of the construct with the same messages as for the same entry in YAML', () => {
    // GIVEN one agent that breaks several rules, in YAML and in CSV
    const info = { FirstName: 'Zoe\u0308', Email: 'marym at example.com', SecondaryEmail: 'marym@example', Mobile: '+0206555' };
    const yamlFile = rosterFile('mary.yaml', JSON.stringify({ InstanceId: 'instance/with/slash', UserId: MARY_ID, IdentityInfo: info }));
    const csvFile = rosterFile(
      'mary.csv',
      `InstanceId,UserId,FirstName,Email,SecondaryEmail,Mobile\ninstance/with/slash,${MARY_ID},${Object.values(info).join(',')}\n`,
    );

    // WHEN both are checked
    const yaml = Roster.check(yamlFile);
    const csv = Roster.check(csvFile);

    // THEN the CSV has each of the YAML's problems, with the column of its cell
    expect(csv.map((problem) => [problem.field, problem.message])).toEqual(
      yaml.map((problem) => [problem.field?.replace('IdentityInfo.', ''), problem.message]),
    );
    expect(csv.map((problem) => problem.column)).toEqual(['A', 'C', 'D', 'E', 'F']);
    expectNoLeaks(csv);
  });

  test('fails on the same user twice, naming both rows, also when the instance IDs differ in case', () => {
    // GIVEN Mary in rows 2 and 4, once with the instance ID in lower case
    const file = rosterFile(
      'team.csv',
      `InstanceId,UserId,FirstName\n${INSTANCE},${MARY_ID},Mary\n${INSTANCE},${userId(2)},Jane\n${INSTANCE.toLowerCase()},${MARY_ID},Mary\n`,
    );

    // WHEN it is checked
    const lines = problemLines(file);

    // THEN
    expect(lines).toEqual([
      `${file}: row 4 (UserId ${MARY_ID}): UserId declares the same user as row 2 of ${file} (same instance and same UserId); a user may be declared once per stack: merge the two entries`,
    ]);
  });

  test('fails with every problem of every row at once, each naming its cell and no value', () => {
    // GIVEN a sheet where most rows have something wrong
    const file = rosterFile(
      'team.csv',
      [
        'InstanceId;UserId;Username;FirstName;LastName;Mobile',
        `${INSTANCE};${userId(1)};;Mary;Major;447700900123`,
        `${INSTANCE};;;Jane;Smith;`,
        `${INSTANCE};${userId(3)};jdoe;José;Nuñez;`,
        `;${userId(4)};;Siobhán;O'Brien;`,
        `${INSTANCE};${userId(5)};;;;`,
      ].join('\n'),
    );

    // WHEN it is loaded
    const error = loadError(file);

    // THEN one error lists them all, in row order
    expect(error.problems.map((problem) => [problem.row, problem.field, problem.column])).toEqual([
      [2, 'Mobile', 'F'],
      [3, 'UserId', 'B'],
      [4, 'UserId', 'B'],
      [5, 'InstanceId', 'A'],
      [6, undefined, undefined],
    ]);
    expect(error.message).toContain(`row 6 (UserId ${userId(5)}): declares no field: declare at least one of FirstName`);
    expectNoLeaks(error.problems);
  });
});

describe('CSV rosters: the header row', () => {
  test('fails on an unknown column, naming the closest known one', () => {
    // GIVEN a typo, headers with a word more, a usual name for a column, and a column a roster does not have
    const file = rosterFile(
      'team.csv',
      `InstanceId,UserId,Fristname,Mobile Phone,Email Address,Surname,Department\n${INSTANCE},${MARY_ID},Mary,+12065550142,marym@example.com,Major,Sales\n`,
    );

    // WHEN it is checked
    const lines = problemLines(file);

    // THEN each is named by its column, with the known column it is closest to, and its text is not shown
    const columns = 'the columns are InstanceId, UserId, Username, FirstName, LastName, Email, SecondaryEmail, Mobile';
    expect(lines).toEqual([
      `${file}: row 1: column C is not named as a column of a roster; did you mean FirstName? ${columns}`,
      `${file}: row 1: column D is not named as a column of a roster; did you mean Mobile? ${columns}`,
      `${file}: row 1: column E is not named as a column of a roster; did you mean Email? ${columns}`,
      `${file}: row 1: column F is not named as a column of a roster; did you mean LastName? ${columns}`,
      `${file}: row 1: column G is not named as a column of a roster; ${columns}`,
    ]);
    for (const header of ['Fristname', 'Phone', 'Address', 'Surname', 'Department']) expect(lines.join('\n')).not.toContain(header);
  });

  test('fails on a column given twice, a missing InstanceId, user or identity column, and a nameless column with values', () => {
    // GIVEN headers without InstanceId and UserId, with Email twice and a value under a nameless column
    const dir = rosterDir({
      'a.csv': `UserId,Email,E-mail,,\n${userId(1)},a@example.net,,,x\n`,
      'b.csv': `InstanceId,FirstName\n${INSTANCE},Ann\n`,
      'c.csv': `InstanceId,UserId\n${INSTANCE},${userId(1)}\n`,
    });

    // WHEN it is checked
    const lines = problemLines(dir);

    // THEN each is reported on row 1
    const [a, b, c] = ['a.csv', 'b.csv', 'c.csv'].map((name) => path.join(dir, name));
    expect(lines).toEqual([
      `${a}: row 1: Email (column C) is the same column as column B: keep one of them`,
      `${a}: row 1: column E has no name in the header row, but holds values (the first in row 2): name the column, or delete it`,
      `${a}: row 1: has no InstanceId column: add one, with the instance ID or ARN in every row, or give the instance with the instanceId option`,
      `${b}: row 1: has neither a UserId nor a Username column: add one of them (or both, one filled per row)`,
      `${c}: row 1: has no identity column: add at least one of FirstName, LastName, Email, SecondaryEmail, Mobile`,
    ]);
  });

  test('fails on a sheet without a header row, without showing the first row', () => {
    // GIVEN a sheet whose first row is an agent
    const file = rosterFile('team.csv', `${INSTANCE},${MARY_ID},Mary,Major,marym@example.com\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      `${file}: row 1: must be the header row, naming the columns (InstanceId, UserId, Username, FirstName, LastName, Email, SecondaryEmail, Mobile); none of its cells is a column name`,
    ]);
    expectNoLeaks(problems);
  });

  test('fails on a sheet without a header row whose first row holds one cell equal to a column name, showing none of its cells', () => {
    // GIVEN a first row that is an agent whose last name happens to be a column's name
    const file = rosterFile('team.csv', `${INSTANCE},${MARY_ID},mmajor,Mary,Mobile,marym@example.com,+12065550142\n${INSTANCE},${userId(2)},jdoe,Jane,Smith,jdoe@example.com,\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN the row is taken for what it is, an agent, and only column letters are shown
    expect(problems.map(formatProblem)[0]).toBe(
      `${file}: row 1: holds what look like an agent's values, not column names (an ID, an email address or a phone number, in column A, B, F, G): is the header row missing? The first row must name the columns`,
    );
    expect(problems.slice(1).map((problem) => [problem.row, problem.column, problem.field])).toEqual([
      [1, 'A', undefined],
      [1, 'B', undefined],
      [1, 'C', undefined],
      [1, 'D', undefined],
      [1, 'F', undefined],
      [1, 'G', undefined],
      [1, undefined, undefined],
      [1, undefined, undefined],
    ]);
    expectNoLeaks(problems);
    for (const problem of problems) expect(formatProblem(problem)).not.toContain(INSTANCE);
  });

  test('fails on a CSV that cannot be parsed, without quoting it, and on an empty one', () => {
    // GIVEN an unclosed quote, a quote in the middle of a cell, text after a closing quote (each in row 2, column C), and an empty file
    const dir = rosterDir({
      'a.csv': `InstanceId,UserId,FirstName\n${INSTANCE},${MARY_ID},"Mary\n`,
      'b.csv': `InstanceId,UserId,FirstName\n${INSTANCE},${MARY_ID},Ma"ry\n`,
      'c.csv': `InstanceId,UserId,FirstName\n${INSTANCE},${MARY_ID},"Mary"Jane\n`,
      'd.csv': '\r\n',
    });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN each file is reported with what to do
    expect(problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'a.csv')}: row 2: column C is not valid CSV: a quoted cell is never closed: a " is missing`,
      `${path.join(dir, 'b.csv')}: row 2: column C is not valid CSV: a cell holds a " but does not start with one: put the whole cell in quotes, and double each " inside it`,
      `${path.join(dir, 'c.csv')}: row 2: column C is not valid CSV: a quoted cell goes on after its closing quote: double each " inside a quoted cell ("")`,
      `${path.join(dir, 'd.csv')}: is empty: its first row must name the columns (InstanceId, UserId, Username, FirstName, LastName, Email, SecondaryEmail, Mobile), then one agent per row`,
    ]);
    expectNoLeaks(problems);
  });
});
