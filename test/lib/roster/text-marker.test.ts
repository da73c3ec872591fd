import { Roster } from '../../../lib';
import { markAsText, needsTextMarker, readMarkedText } from '../../../lib/roster/text-marker';
import { INSTANCE, rosterFile, userId } from './fixtures';

/** Values around the marker's rule: each must come back from its cell as it was. */
const VALUES = [
  '',
  'Mary',
  "'t Hooft",
  "O'Brien",
  "'",
  "''",
  '+12065550100',
  "'+12065550100",
  "''+12065550100",
  '-Dash',
  '@SUM(A1)',
  '=HYPERLINK("http://example.com")',
  "'=1+1",
  '0042',
  "'0042",
  '1/2',
  '.5',
  '50%',
  '12-03',
  'TRUE',
  'false',
  "'true",
  'Truex',
  'Sept2',
  '2nd',
  '\tTab',
  '\rReturn',
];

test('a cell read back is the value written, for values around the rule and for random ones', () => {
  // GIVEN values chosen at the rule's edges, and random strings of the characters that matter to it
  const alphabet = ["'", '=', '+', '-', '@', '0', '9', '.', '/', '%', ' ', 'e', 'T', 'r', 'u', 'a', '\t'];
  const random = Array.from({ length: 5_000 }, () =>
    Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(''),
  );
  // THEN marking then reading gives each back unchanged
  const differing = [...VALUES, ...random].filter((value) => readMarkedText(markAsText(value)) !== value);
  expect(differing).toEqual([]);
});

test('marks what a spreadsheet would execute or read as a number, date or boolean, and nothing else', () => {
  // THEN the cells a spreadsheet would change start with the marker
  expect(['+12065550100', '-Dash', '@SUM(A1)', '=1+1', '0042', '1/2', '.5', '50%', 'TRUE', 'false', "'0042", "'=1"].map(markAsText)).toEqual([
    "'+12065550100",
    "'-Dash",
    "'@SUM(A1)",
    "'=1+1",
    "'0042",
    "'1/2",
    "'.5",
    "'50%",
    "'TRUE",
    "'false",
    "''0042",
    "''=1",
  ]);
  // AND text stays as it is, an apostrophe before a name too
  expect(['Mary', "'t Hooft", "O'Brien", 'Truex', 'Sept2', '2nd', 'user@example.com', ''].filter(needsTextMarker)).toEqual([]);
});

test('the loader reads a marked CSV cell without its marker, as a spreadsheet shows it, and keeps other apostrophes', () => {
  // GIVEN a CSV whose Mobile and names carry the spreadsheets' text marker, and a name that starts with an apostrophe
  const file = rosterFile(
    'agents.csv',
    ['InstanceId,UserId,FirstName,LastName,Mobile', `${INSTANCE},${userId(1)},'t Hooft,'0042,'+12065550100`, `${INSTANCE},${userId(2)},'TRUE,''0042,`, ''].join('\n'),
  );
  // WHEN it is loaded
  const entries = Roster.load(file).entries.map((entry) => entry.identityInfo);
  // THEN each value is what the spreadsheet shows
  expect(entries).toEqual([
    { firstName: "'t Hooft", lastName: '0042', mobile: '+12065550100' },
    { firstName: 'TRUE', lastName: "'0042" },
  ]);
});

test('a marker is read only in CSV files: in JSON and YAML, an apostrophe is part of the value', () => {
  // GIVEN the same value in a JSON file
  const file = rosterFile('agents.json', [{ InstanceId: INSTANCE, UserId: userId(1), IdentityInfo: { LastName: "'0042" } }]);
  // THEN it loads as written
  expect(Roster.load(file).entries[0].identityInfo).toEqual({ lastName: "'0042" });
});
