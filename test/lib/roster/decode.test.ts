import { formatProblem, Roster } from '../../../lib';
import { CLI_SKELETON, expectNoLeaks, INSTANCE, MARY_ID, rosterFile, userId } from './fixtures';

/** The CLI skeleton for Mary, as `--generate-cli-skeleton` prints it and a person fills it in. */
const MARY_SKELETON = CLI_SKELETON.replace('"FirstName": ""', '"FirstName": "José"')
  .replace('"LastName": ""', '"LastName": "Nuñez"')
  .replace('"UserId": ""', `"UserId": "${MARY_ID}"`)
  .replace('"InstanceId": ""', `"InstanceId": "${INSTANCE}"`);

/** Windows' "ANSI" code page for Western languages, for the characters these tests use. */
function windows1252(text: string): Buffer {
  return Buffer.from(text.replace(/\u2019/g, '\x92'), 'latin1');
}

describe('decoding roster files', () => {
  test('loads a --generate-cli-skeleton file that PowerShell 5 saved with ">": UTF-16 LE with BOM and CRLF', () => {
    // GIVEN the skeleton as PowerShell 5's redirection writes it
    const file = rosterFile('mary.json', Buffer.from(`\uFEFF${MARY_SKELETON.replace(/\n/g, '\r\n')}`, 'utf16le'));

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN it declares exactly what the file says
    expect(roster.entries[0].identityInfo).toEqual({ firstName: 'José', lastName: 'Nuñez' });
  });

  test('loads UTF-16 BE with BOM and UTF-8 with BOM, in JSON and YAML', () => {
    // GIVEN a YAML file in UTF-16 BE and a JSON file in UTF-8 with BOM
    const yaml = rosterFile('a.yaml', Buffer.from(`\uFEFFInstanceId: ${INSTANCE}\nUserId: ${userId(1)}\nIdentityInfo: { LastName: Nuñez }\n`, 'utf16le').swap16());
    const json = rosterFile('b.json', Buffer.from(`\uFEFF${MARY_SKELETON}`, 'utf8'));

    // WHEN they are loaded
    const fromYaml = Roster.load(yaml);
    const fromJson = Roster.load(json);

    // THEN
    expect(fromYaml.entries[0].identityInfo).toEqual({ lastName: 'Nuñez' });
    expect(fromJson.entries[0].identityInfo).toEqual({ firstName: 'José', lastName: 'Nuñez' });
  });

  test('fails on a Windows-1252 file, naming its encoding and the fix, and never loads U+FFFD in place of a letter', () => {
    // GIVEN the skeleton and a CSV saved as "ANSI", where é is the single byte 0xE9
    const json = rosterFile('mary.json', windows1252(MARY_SKELETON));
    const csv = rosterFile('team.csv', windows1252(`InstanceId,UserId,FirstName,LastName\n${INSTANCE},${MARY_ID},Siobhan,O\u2019Brien\n`));

    // WHEN they are checked
    const problems = [...Roster.check(json), ...Roster.check(csv)];

    // THEN each names the line of the first byte that is not UTF-8, what the file seems to be, and how to save it
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(new RegExp(`^${json}: is not UTF-8 text \\(line 3 holds the first byte that is not UTF-8\\); its bytes look like (windows-1252|ISO-8859-1).*save it as UTF-8 \\(Excel: Save As > "CSV UTF-8`)),
      expect.stringMatching(new RegExp(`^${csv}: is not UTF-8 text \\(line 2 holds the first byte that is not UTF-8\\); its bytes look like windows-1252, the Western European "ANSI" encoding`)),
    ]);
    expect(JSON.stringify(problems)).not.toContain('\uFFFD');
    expectNoLeaks(problems);
  });

  test('fails on UTF-16 without a byte order mark, UTF-32, and a workbook saved with a .csv name', () => {
    // GIVEN what a wrong "Save As" choice produces
    const noMark = rosterFile('a.json', Buffer.from(MARY_SKELETON, 'utf16le'));
    const utf32 = rosterFile('b.json', Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00]));
    const xlsx = rosterFile('c.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]));

    // WHEN they are checked
    const messages = [noMark, utf32, xlsx].map((file) => Roster.check(file).map((problem) => problem.message));

    // THEN each says what the file is
    expect(messages).toEqual([
      [expect.stringMatching(/^holds NUL bytes: it is probably UTF-16 without a byte order mark, or not a text file; save it as UTF-8/)],
      [expect.stringMatching(/^is UTF-32 LE text, which a roster cannot be: save it as UTF-8/)],
      [expect.stringMatching(/^is a ZIP archive, not text: an Excel workbook \(.xlsx\) renamed\?/)],
    ]);
  });

  test('fails on a UTF-16 file whose byte order mark promises what its bytes break', () => {
    // GIVEN a UTF-16 LE file with a lone surrogate on line 2
    const text = Buffer.from(`\uFEFF{\n"UserId": "x`, 'utf16le');
    const file = rosterFile('a.json', Buffer.concat([text, Buffer.from([0x00, 0xd8]), Buffer.from('"}', 'utf16le')]));

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(/^starts with a UTF-16 LE byte order mark but is not valid UTF-16 LE \(line 2 holds a broken character\)/),
    ]);
  });

  test('fails on a file that already holds U+FFFD, a character lost in an earlier conversion', () => {
    // GIVEN a UTF-8 file in which an earlier conversion left a replacement character on line 2
    const file = rosterFile('team.csv', `InstanceId,UserId,FirstName\n${INSTANCE},${MARY_ID},Jos\uFFFD\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN it is refused, with the line, rather than written to Connect
    expect(problems.map(formatProblem)).toEqual([
      `${file}: holds the replacement character U+FFFD (�) on line 2: a character was lost when the file was converted between encodings before; retype it`,
    ]);
    expectNoLeaks(problems);
  });
});
