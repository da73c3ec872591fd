import { Roster } from '../../../lib';
import { findValueMistakes, ValueField } from '../../../lib/roster/value-mistakes';
import { expectNoLeaks, INSTANCE, MARY_ID, rosterFile, userId } from './fixtures';

const ALL_FIELDS: ValueField[] = ['InstanceId', 'UserId', 'Username', 'FirstName', 'LastName', 'Email', 'SecondaryEmail', 'Mobile'];

describe('spreadsheet error values', () => {
  test.each([
    '#REF!',
    '#N/A',
    '#NAME?',
    '#VALUE!',
    '#DIV/0!',
    '#NULL!',
    '#NUM!',
    '#SPILL!',
    '#CALC!',
    '#GETTING_DATA',
    '#FIELD!',
    '#BLOCKED!',
    '#CONNECT!',
    '#BUSY!',
    '#UNKNOWN!',
    '#ERROR!',
    'Err:502',
    '####',
  ])('%s is a mistake in every field, with a fix', (value) => {
    for (const field of ALL_FIELDS) {
      expect(findValueMistakes(field, value)).toEqual([expect.stringMatching(/spreadsheet.*export again/)]);
    }
  });

  test.each(['#1 Fan', 'Anne-Marie', 'N/A', 'Err', 'REF'])('%p, which only looks a little like one, is no error value', (value) => {
    expect(findValueMistakes('FirstName', value).filter((message) => message.includes('error value') || message.includes('# signs'))).toEqual([]);
  });
});

describe('formulas', () => {
  test.each(['=HYPERLINK("http://example.com","Mary")', '=1+1', '@SUM(A1:A2)', '@mary'])('%p is a mistake in every field', (value) => {
    for (const field of ALL_FIELDS) expect(findValueMistakes(field, value)).toContainEqual(expect.stringContaining('starts with = or @'));
  });

  test.each(['+12065550100', '-1', '+cmd', '-Mary'])('%p is a mistake in every field but Mobile, where "+" starts a number', (value) => {
    for (const field of ALL_FIELDS.filter((each) => each !== 'Mobile')) {
      expect(findValueMistakes(field, value)).toContainEqual(expect.stringContaining('starts with + or -'));
    }
    expect(findValueMistakes('Mobile', value)).toEqual([]);
  });

  test.each(['Mary-Jane', 'O+', 'a=b', 'mary@example.com'])('%p, with the sign inside, is no formula', (value) => {
    expect(findValueMistakes('FirstName', value)).toEqual([]);
  });
});

describe('addresses that are not addresses', () => {
  test.each(['mailto:marym@example.com', 'MAILTO:marym@example.com', 'smtp:marym@example.com', 'SMTP:marym@example.com', 'https://example.com/marym', 'sip:marym@example.com'])(
    '%p in Email or SecondaryEmail is a link, not an address',
    (value) => {
      for (const field of ['Email', 'SecondaryEmail'] as const) {
        expect(findValueMistakes(field, value)).toEqual([expect.stringContaining('keep only the address')]);
      }
    },
  );

  test('a name with the address in angle brackets is a mistake, naming no part of it', () => {
    const messages = findValueMistakes('Email', 'Mary Major <marym@example.com>');
    expect(messages).toEqual([expect.stringContaining('keep only the address')]);
    for (const message of messages) expect(message).not.toMatch(/Mary|marym/);
  });

  test('a plain address is no mistake', () => {
    expect(findValueMistakes('Email', 'marym@example.com')).toEqual([]);
    expect(findValueMistakes('SecondaryEmail', 'mary.major+connect@example.co.uk')).toEqual([]);
  });
});

describe('apostrophes and quotes', () => {
  test.each(['O\u2019Brien', 'D\u2019Angelo', 'O\u2018Neill', 'Ng\u02BCumbi', "O'Brien", 'Richard "Rick"'])('%p keeps its apostrophe or quotes inside the name', (name) => {
    expect(findValueMistakes('FirstName', name)).toEqual([]);
    expect(findValueMistakes('LastName', name)).toEqual([]);
  });

  test.each(['\u201CMary\u201D', '\u2018Mary\u2019', '"Mary"', "'Mary'", '\u201CMary"', 'Robert \u201CBob\u201D'])('%p, wrapped in quotes or holding curly double quotes, is a mistake in a name', (name) => {
    expect(findValueMistakes('LastName', name)).toEqual([expect.stringContaining('remove the quotes around the value')]);
  });

  test.each(['o\u2019brien@example.com', '\u201Cmarym@example.com\u201D', "'marym@example.com'"])('%p is a mistake in an email, where no curly apostrophe or wrapping quote belongs', (value) => {
    expect(findValueMistakes('Email', value)).toEqual([expect.stringContaining('holds a quote or a curly apostrophe')]);
  });
});

describe('names with typographic apostrophes, in every format', () => {
  const NAMES = { FirstName: 'D\u2019Angelo', LastName: 'O\u2019Brien' };
  const OTHER = { FirstName: 'Ng\u02BCumbi', LastName: 'O\u2018Neill' };

  test.each([
    ['CSV', 'team.csv', `InstanceId,UserId,FirstName,LastName\n${INSTANCE},${MARY_ID},${NAMES.FirstName},${NAMES.LastName}\n${INSTANCE},${userId(2)},${OTHER.FirstName},${OTHER.LastName}\n`],
    [
      'YAML',
      'team.yaml',
      `- {InstanceId: ${INSTANCE}, UserId: ${MARY_ID}, IdentityInfo: {FirstName: ${NAMES.FirstName}, LastName: ${NAMES.LastName}}}\n` +
        `- {InstanceId: ${INSTANCE}, UserId: ${userId(2)}, IdentityInfo: {FirstName: ${OTHER.FirstName}, LastName: ${OTHER.LastName}}}\n`,
    ],
    [
      'JSON',
      'team.json',
      JSON.stringify([
        { InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: NAMES },
        { InstanceId: INSTANCE, UserId: userId(2), IdentityInfo: OTHER },
      ]),
    ],
  ])('%s: O’Brien, D’Angelo, O‘Neill and Ngʼumbi load as written', (_format, name, content) => {
    // GIVEN names with U+2019, U+2018 and U+02BC inside them
    const file = rosterFile(name, content);

    // WHEN the roster is loaded
    const roster = Roster.load(file);

    // THEN each name is declared exactly as written
    expect(roster.entries.map((entry) => entry.identityInfo)).toEqual([
      { firstName: NAMES.FirstName, lastName: NAMES.LastName },
      { firstName: OTHER.FirstName, lastName: OTHER.LastName },
    ]);
  });

  test.each([
    ['CSV', 'team.csv', `InstanceId,UserId,LastName\n${INSTANCE},${MARY_ID},\u201CMajor\u201D\n`, { row: 2, column: 'C', field: 'LastName' }],
    ['YAML', 'team.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {LastName: \u2018Major\u2019}\n`, { entry: 1, field: 'IdentityInfo.LastName' }],
    ['JSON', 'team.json', JSON.stringify({ InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: { LastName: '\u201CMajor\u201D' } }), { entry: 1, field: 'IdentityInfo.LastName' }],
  ])('%s: a name wrapped in curly quotes is refused, naming its place', (_format, name, content, place) => {
    // GIVEN a name in curly quotes, as a word processor wraps it
    const file = rosterFile(name, content);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN the cell or field is named, with the fix, and not the value
    expect(problems).toEqual([expect.objectContaining({ file, ...place, message: expect.stringContaining('remove the quotes around the value') })]);
    expectNoLeaks(problems);
  });
});

describe('spreadsheet mistakes in a file, by row and column', () => {
  test('error values, formulas, signs and links are each named by their cell, never by their value', () => {
    // GIVEN a sheet whose formulas failed or were exported as text
    const file = rosterFile(
      'team.csv',
      [
        'InstanceId,UserId,FirstName,LastName,Email,SecondaryEmail,Mobile',
        `${INSTANCE},${userId(1)},#REF!,#N/A,mailto:marym@example.com,,#NAME?`,
        `${INSTANCE},${userId(2)},"=HYPERLINK(""http://example.com"",""Jane"")",-,smtp:jdoe@example.com,https://example.com/jdoe,+12065550142`,
        `${INSTANCE},${userId(3)},@Jane,+Smith,jdoe@example.com,,-12065550142`,
      ].join('\r\n'),
    );

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN every cell is named, and the Mobile that starts with "+" is a number, not a formula
    expect(problems.map((problem) => [problem.row, problem.column, problem.field])).toEqual([
      [2, 'C', 'FirstName'],
      [2, 'D', 'LastName'],
      [2, 'E', 'Email'],
      [2, 'G', 'Mobile'],
      [3, 'C', 'FirstName'],
      [3, 'D', 'LastName'],
      [3, 'E', 'Email'],
      [3, 'F', 'SecondaryEmail'],
      [4, 'C', 'FirstName'],
      [4, 'D', 'LastName'],
      [4, 'G', 'Mobile'],
    ]);
    expectNoLeaks(problems);
    for (const problem of problems) expect(problem.message).not.toMatch(/HYPERLINK|example\.com\/|jdoe/);
  });
});
