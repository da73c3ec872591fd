/**
 * The loader quotes no text from a file: for every malformed input below, in JSON, YAML and CSV, every
 * message (each problem as a line and as data, and the error that lists them) is searched for the
 * values planted in the file. Only known key names, positions and lengths may appear.
 */
import { formatProblem, Roster, RosterError } from '../../../lib';
import { INSTANCE, MARY_ID, rosterFile } from './fixtures';

/** Values planted in the inputs, shaped like names, logins, emails and phone numbers. */
const PLANTED = ['Marybeth', 'Majorova', 'mmajorova', 'marybeth.majorova@example.com', 'majorova.home', '2065550142', 'Quintessa', 'Sales'];

const HEADER = 'InstanceId,UserId,Username,FirstName,LastName,Email,Mobile';

/** Malformed rosters: [what is wrong, file name, content]. */
const MALFORMED: [string, string, string][] = [
  // JSON
  ['JSON: a missing comma', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"FirstName": "Marybeth" "LastName": "Majorova"}}`],
  ['JSON: an unquoted value', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"FirstName": Marybeth}}`],
  ['JSON: text after the object', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"FirstName": "Quintessa"}} Marybeth Majorova`],
  ['JSON: single quotes', 'a.json', `{'InstanceId': '${INSTANCE}', 'IdentityInfo': {'FirstName': 'Marybeth'}}`],
  ['JSON: a string never closed', 'a.json', `{"InstanceId": "${INSTANCE}", "IdentityInfo": {"FirstName": "Marybeth`],
  ['JSON: a key given twice', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"FirstName": "Marybeth", "FirstName": "Majorova"}}`],
  ['JSON: entries keyed by a name', 'a.json', `{"Marybeth Majorova": {"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"LastName": "Majorova"}}}`],
  ['JSON: an email as a key', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "marybeth.majorova@example.com": "Sales", "IdentityInfo": {"Mobile": "+12065550142"}}`],
  ['JSON: a name as a key of IdentityInfo', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"Marybeth": "Majorova", "Mobile": "+12065550142"}}`],
  ['JSON: a number for a Mobile', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": {"Mobile": 12065550142, "LastName": "Majorova"}}`],
  ['JSON: IdentityInfo as a string', 'a.json', `{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}", "IdentityInfo": "Marybeth Majorova"}`],
  ['JSON: a string for a file', 'a.json', '"Marybeth Majorova"'],
  ['JSON: a list holding a string', 'a.json', '["marybeth.majorova@example.com"]'],
  ['JSON: a login and an email in the ID fields', 'a.json', `{"InstanceId": "marybeth.majorova@example.com", "UserId": "mmajorova", "IdentityInfo": {"LastName": "Majorova"}}`],
  // YAML
  ['YAML: a key glued to its value in braces', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {FirstName:Marybeth}\n`],
  ['YAML: a missing colon in braces', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {FirstName: Quintessa, LastName Majorova}\n`],
  ['YAML: a missing colon in a block', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n  FirstName: Quintessa\n  LastName Majorova\n`],
  ['YAML: a username glued to its key', 'a.yaml', `Username:mmajorova\nInstanceId: ${INSTANCE}\nIdentityInfo: {LastName: Majorova}\n`],
  ['YAML: a username glued to its key, alone in a list', 'a.yaml', '- Username:mmajorova\n'],
  ['YAML: a username glued to its key in braces', 'a.yaml', `{InstanceId: ${INSTANCE}, Username:mmajorova, IdentityInfo: {LastName: Majorova}}\n`],
  ['YAML: IdentityInfo glued to a field', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n  FirstName:Marybeth\n`],
  ['YAML: a value read as a tag', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {LastName: !Majorova}\n`],
  ['YAML: an alias without an anchor', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {LastName: *Majorova}\n`],
  ['YAML: a quote never closed', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {LastName: "Majorova}\n`],
  ['YAML: a value starting with @', 'a.yaml', `InstanceId: ${INSTANCE}\nUsername: @mmajorova\nIdentityInfo: {LastName: Majorova}\n`],
  ['YAML: a tab for indentation', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n\tLastName: Majorova\n`],
  ['YAML: a line indented wrongly', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n    FirstName: Marybeth\n  LastName: Majorova\n`],
  ['YAML: entries keyed by a name', 'a.yaml', `Marybeth Majorova:\n  InstanceId: ${INSTANCE}\n  UserId: ${MARY_ID}\n  IdentityInfo: {LastName: Majorova}\n`],
  ['YAML: a key given twice', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {LastName: Majorova, LastName: Marybeth}\n`],
  ['YAML: a list for a name', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: {FirstName: [Marybeth, Quintessa]}\n`],
  ['YAML: an unknown key holding a value', 'a.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nDepartment: Sales\nIdentityInfo: {LastName: Majorova}\n`],
  ['YAML: a key in other letter case', 'a.yaml', `InstanceId: ${INSTANCE}\nuserid: mmajorova\nIdentityInfo: {lastname: Majorova}\n`],
  ['YAML: an unquoted null word', 'a.yaml', `InstanceId: ${INSTANCE}\nUsername: mmajorova\nIdentityInfo: {FirstName: Marybeth, LastName: NULL}\n`],
  // CSV
  ['CSV: no header row, one cell equal to a column name', 'a.csv', `${INSTANCE},${MARY_ID},mmajorova,Marybeth,Mobile,marybeth.majorova@example.com,+12065550142\n`],
  ['CSV: no header row at all', 'a.csv', `${INSTANCE},${MARY_ID},mmajorova,Marybeth,Majorova,marybeth.majorova@example.com,+12065550142\n`],
  ['CSV: headers that are values', 'a.csv', `InstanceId,UserId,Marybeth,Majorova\n${INSTANCE},${MARY_ID},Quintessa,Sales\n`],
  ['CSV: a quote never closed', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,"Marybeth,Majorova,,\n`],
  ['CSV: a quote inside a cell', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,Mary"beth,Majorova,,\n`],
  ['CSV: text after a closing quote', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,"Marybeth"Majorova,Majorova,,\n`],
  ['CSV: an unquoted comma in a name', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,Marybeth,Majorova, Jr.,marybeth.majorova@example.com,+12065550142\n`],
  ['CSV: a row cut short', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,Marybeth\n`],
  ['CSV: a formula', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,"=HYPERLINK(""mailto:marybeth.majorova@example.com"",""Marybeth"")",Majorova,,\n`],
  ['CSV: error values and a mailto: link', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,#REF!,#N/A,mailto:marybeth.majorova@example.com,#NAME?\n`],
  ['CSV: spaces, a non-breaking space and curly quotes', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},, Marybeth,Majorova\u00A0Smith,\u201Cmarybeth.majorova@example.com\u201D,+12065550142 \n`],
  ['CSV: an email under InstanceId and a login under UserId', 'a.csv', `${HEADER}\nmarybeth.majorova@example.com,mmajorova,,Marybeth,Majorova,,\n`],
  ['CSV: a Mobile without its + and in scientific notation', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,Marybeth,,,12065550142\n${INSTANCE},,mmajorova,,Majorova,,2.06555E+10\n`],
  ['CSV: a name and an address in the Email', 'a.csv', `${HEADER}\n${INSTANCE},${MARY_ID},,,,Marybeth Majorova <marybeth.majorova@example.com>,\n`],
  ['CSV: a sep= line declaring another separator', 'a.csv', `sep=;\n${HEADER}\n${INSTANCE},${MARY_ID},,Marybeth,Majorova,,\n`],
  ['CSV: a nameless column holding values', 'a.csv', `InstanceId,UserId,LastName,\n${INSTANCE},${MARY_ID},Majorova,Sales\n`],
];

/** Every planted value in a text, also in lower case. */
function plantedIn(text: string): string[] {
  const lower = text.toLowerCase();
  return PLANTED.filter((value) => text.includes(value) || lower.includes(value.toLowerCase()));
}

describe('loader messages quote no text from the file', () => {
  test('the inputs cover JSON, YAML and CSV, at least 30 in all', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(30);
    for (const extension of ['.json', '.yaml', '.csv']) expect(MALFORMED.filter(([, name]) => name.endsWith(extension)).length).toBeGreaterThanOrEqual(10);
  });

  test.each(MALFORMED)('%s: every message is free of the planted values', (_what, name, content) => {
    // GIVEN a malformed roster holding the planted values
    const file = rosterFile(name, content);

    // WHEN it is loaded
    let error: unknown;
    try {
      Roster.load(file);
    } catch (caught) {
      error = caught;
    }

    // THEN it is refused, and no message, no field of a problem and no line of the error holds a planted value
    expect(error).toBeInstanceOf(RosterError);
    const { problems, message } = error as RosterError;
    expect(problems.length).toBeGreaterThan(0);
    expect(plantedIn(message)).toEqual([]);
    for (const problem of problems) {
      expect(plantedIn(formatProblem(problem))).toEqual([]);
      expect(plantedIn(JSON.stringify(problem))).toEqual([]);
    }
    expect(Roster.check(file)).toEqual(problems);
  });
});
