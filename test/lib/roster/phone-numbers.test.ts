/**
 * Mobile numbers as people write them, read into E.164 with `normalizeMobileNumbers`: formats of many
 * countries, each normalized or refused; a number is never guessed, and a refusal names the cell, never
 * the number.
 */
import { formatProblem, Roster } from '../../../lib';
import { normalizeMobileNumber } from '../../../lib/roster/phone-numbers';
import { INSTANCE, rosterFile } from './fixtures';

/** [as written, defaultCountry, E.164]: numbers that are read with certainty. */
const READ: [string, string | undefined, string][] = [
  ['+1 (206) 555-0100', undefined, '+12065550100'],
  ['+1.206.555.0100', undefined, '+12065550100'],
  ['(206) 555-0100', 'US', '+12065550100'],
  ['1-206-555-0100', 'US', '+12065550100'],
  ['12065550100', 'US', '+12065550100'],
  ['011 44 7400 123456', 'US', '+447400123456'],
  ['(506) 234-5678', 'CA', '+15062345678'],
  ['+44 7400 123456', undefined, '+447400123456'],
  ['+44 (0) 7400 123456', undefined, '+447400123456'],
  ['0044 7400 123456', 'GB', '+447400123456'],
  ['07400 123456', 'GB', '+447400123456'],
  ['+49 1512 3456789', undefined, '+4915123456789'],
  ['01512 3456789', 'DE', '+4915123456789'],
  ['+33 6 12 34 56 78', undefined, '+33612345678'],
  ['06 12 34 56 78', 'FR', '+33612345678'],
  ['090-1234-5678', 'JP', '+819012345678'],
  ['+61 412 345 678', undefined, '+61412345678'],
  ['0412 345 678', 'AU', '+61412345678'],
  ['+91 81234 56789', undefined, '+918123456789'],
  ['(11) 96123-4567', 'BR', '+5511961234567'],
  ['+86 131 2345 6789', undefined, '+8613123456789'],
  ['071 123 4567', 'ZA', '+27711234567'],
  ['+34 612 34 56 78', undefined, '+34612345678'],
  ['+353 85 012 3456', undefined, '+353850123456'],
  ['070-123 45 67', 'SE', '+46701234567'],
  ['+52 222 123 4567', undefined, '+522221234567'],
  ['0802 123 4567', 'NG', '+2348021234567'],
  ['+65 8123 4567', undefined, '+6581234567'],
  ['050 123 4567', 'AE', '+971501234567'],
  ['+41 78 123 45 67', undefined, '+41781234567'],
  ['010-2000-0000', 'KR', '+821020000000'],
  ['+54 9 11 2345 6789', undefined, '+5491123456789'],
  // Already E.164: kept as written, whatever the metadata says (a range may be newer than it).
  ['+447700900123', undefined, '+447700900123'],
  ['+12065550100', 'GB', '+12065550100'],
];

/** [as written, defaultCountry, what the refusal says]: numbers that cannot be read with certainty. */
const REFUSED: [string, string | undefined, RegExp][] = [
  ['07400 123456', undefined, /^has no country code, and the roster is loaded without a defaultCountry/],
  ['(206) 555-0100', undefined, /^has no country code/],
  ['0044 7400 123456', undefined, /^starts with 00, an international prefix/],
  ['0044 7400 123456', 'US', /too few or too many digits for its country.*read as a number of US/],
  ['+999 123 4567', undefined, /^has a country code that no country uses/],
  ['+1 206 555 010', undefined, /too few or too many digits/],
  ['555-0100', 'US', /too few or too many digits/],
  ['+44 7700 900123', undefined, /a range no operator uses/],
  ['+52 1 55 1234 5678', undefined, /too few or too many digits/],
  ['+1 206 555 0100 ext. 12', undefined, /^has an extension/],
  ['2065550100 x12', 'US', /^has an extension/],
  ['1-800-FLOWERS', 'US', /^is not a phone number/],
  ['tel:+12065550100', undefined, /^is not a phone number/],
  ['+1 206 555 0100 / +1 206 555 0101', undefined, /^is not a phone number/],
  ['call +1 206 555 0100', undefined, /^is not a phone number/],
  ['1', 'US', /too few/],
];

describe('normalizeMobileNumber', () => {
  test('the cases cover at least 20 formats of at least 15 countries', () => {
    expect(READ.length + REFUSED.length).toBeGreaterThanOrEqual(40);
    expect(new Set(READ.map(([, , e164]) => e164.slice(0, 4))).size).toBeGreaterThanOrEqual(15);
  });

  test.each(READ)('reads %j (defaultCountry %s) as %s', (written, country, e164) => {
    expect(normalizeMobileNumber(written, country)).toEqual({ e164 });
  });

  test.each(REFUSED)('refuses %j (defaultCountry %s), without repeating it', (written, country, why) => {
    const result = normalizeMobileNumber(written, country);
    expect(result).toEqual({ problem: expect.stringMatching(why) });
    // (The example every message gives is the same whatever the number.)
    const problem = (result as { problem: string }).problem.replace(/\(e\.g\. [^)]*\)/g, '');
    for (const digits of written.match(/\d{3,}/g) ?? []) expect(problem).not.toContain(digits);
  });
});

describe('a roster read with normalizeMobileNumbers', () => {
  const HEADER = 'InstanceId,Username,Mobile';

  test('declares each Mobile in E.164, in every format of roster', () => {
    // GIVEN formatted numbers in a CSV, a JSON and a YAML roster
    const csv = rosterFile('a.csv', `${HEADER}\n${INSTANCE},mmajor,+1 (206) 555-0142\n${INSTANCE},jstiles,07400 123456\n${INSTANCE},rroe,'+12065550143\n`);
    const json = rosterFile('b.json', { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { Mobile: '0044 7400 123456' } });
    const yaml = rosterFile('c.yaml', `InstanceId: ${INSTANCE}\nUsername: mmajor\nIdentityInfo: { Mobile: 06 12 34 56 78 }\n`);
    // WHEN each is loaded with the option and a default country
    const read = (file: string, defaultCountry: string) => Roster.fromPath(file, { normalizeMobileNumbers: true, defaultCountry }).entries.map((entry) => entry.identityInfo.mobile);
    // THEN each Mobile is declared in E.164
    expect(read(csv, 'GB')).toEqual(['+12065550142', '+447400123456', '+12065550143']);
    expect(read(json, 'GB')).toEqual(['+447400123456']);
    expect(read(yaml, 'FR')).toEqual(['+33612345678']);
  });

  test('fails on each number it cannot read with certainty, naming the file, row and column, never the number', () => {
    // GIVEN a sheet of numbers that lost their country code, carry an extension, or lost their last digits
    const file = rosterFile('a.csv', `${HEADER}\n${INSTANCE},mmajor,07400 123456\n${INSTANCE},jstiles,+1 206 555 0143 ext. 7\n${INSTANCE},rroe,1.20656E+10\n${INSTANCE},jdoe,+1 206 555 014\n`);
    // WHEN it is checked with the option, without a default country
    const problems = Roster.check(file, { normalizeMobileNumbers: true });
    // THEN each cell is named with what to do, and no number is repeated
    expect(problems.map(formatProblem)).toEqual([
      `${file}: row 2 (Username given): Mobile (column C) has no country code, and the roster is loaded without a defaultCountry: write it with "+" and its country code (e.g. +1 206 555 0100), or set defaultCountry to the country of the numbers written without one`,
      `${file}: row 3 (Username given): Mobile (column C) has an extension, which a mobile number in E.164 cannot hold: remove it, and keep the number alone`,
      `${file}: row 4 (Username given): Mobile (column C) is not an E.164 number: it is in scientific notation, as a spreadsheet shows a long number, and its last digits are lost. Format the column as Text, retype the numbers with their "+" (e.g. +12065550100), and export again`,
      `${file}: row 5 (Username given): Mobile (column C) cannot be read as a phone number with certainty: it has too few or too many digits for its country, or is in a range no operator uses. Check it, and write it with "+" and its country code (e.g. +1 206 555 0100)`,
    ]);
    for (const value of ['7400', '123456', '0143', '20656', '014', 'mmajor', 'jstiles']) expect(JSON.stringify(problems)).not.toContain(value);
  });

  test('without the option, the strict rule stands: a formatted number is an error', () => {
    const file = rosterFile('a.csv', `${HEADER}\n${INSTANCE},mmajor,+1 (206) 555-0142\n`);
    expect(Roster.check(file).map((problem) => [problem.row, problem.column, problem.message])).toEqual([
      [2, 'C', 'is not an E.164 number: a "+", then 2 to 15 digits, the first not 0 (e.g. +12065550100)'],
    ]);
  });
});
