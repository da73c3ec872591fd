/**
 * Mobile numbers as people type them (`+1 (206) 555-0100`, `0044 7400 123456`, `07400 123456` in a British
 * file), turned into the E.164 form Connect takes, when a roster is loaded with `normalizeMobileNumbers`.
 *
 * libphonenumber-js reads them, with the full metadata ("max"), so that a number is accepted only when
 * its country's numbering plan knows it: a digit too many or too few, a range no operator uses, an
 * international prefix that is not the default country's, an extension or letters are refused, never
 * repaired. A number already in E.164 is kept as it is, as without the option: metadata can lag behind a
 * newly opened range, and the option never refuses what the strict rule takes.
 *
 * No message repeats the number, nor the country it belongs to.
 */
import { CountryCode, isSupportedCountry, ParseError, parsePhoneNumberWithError, PhoneNumber } from 'libphonenumber-js/max';

/** E.164 as the API's pattern for Mobile has it: a `+`, a non-zero digit, then 1 to 14 more digits. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** What a formatted number came to: its E.164 form, or why it cannot be read with certainty. */
export type NormalizedMobile = { readonly e164: string } | { readonly problem: string };

/** Whether `country` is a two-letter country code (ISO 3166-1 alpha-2) whose numbers can be read. */
export function isKnownCountry(country: string): boolean {
  return /^[A-Z]{2}$/.test(country) && isSupportedCountry(country);
}

/**
 * The E.164 form of a mobile number as written, or why it cannot be read with certainty. A number
 * written without its country code is read as one of `defaultCountry` (a code {@link isKnownCountry}
 * accepts), when given.
 */
export function normalizeMobileNumber(written: string, defaultCountry?: string): NormalizedMobile {
  if (E164.test(written)) return { e164: written };
  let parsed: PhoneNumber;
  try {
    // `extract: false`: the whole value must be the number, not a number found somewhere in a text.
    parsed = parsePhoneNumberWithError(written, { defaultCountry: defaultCountry as CountryCode | undefined, extract: false });
  } catch (error) {
    return { problem: parseProblem(written, error) };
  }
  if (parsed.ext !== undefined) {
    return { problem: 'has an extension, which a mobile number in E.164 cannot hold: remove it, and keep the number alone' };
  }
  if (!parsed.isValid() || !E164.test(parsed.number)) {
    const national = !/^\s*\+/.test(written);
    return {
      problem:
        'cannot be read as a phone number with certainty: it has too few or too many digits for its country, or is in a range no ' +
        `operator uses${national && defaultCountry ? ` (it has no "+", so it was read as a number of ${defaultCountry}, the defaultCountry)` : ''}. ` +
        'Check it, and write it with "+" and its country code (e.g. +1 206 555 0100)',
    };
  }
  return { e164: parsed.number };
}

/** Why libphonenumber-js could not parse a number, in words that repeat nothing of it. */
function parseProblem(written: string, error: unknown): string {
  const code = error instanceof ParseError ? error.message : '';
  if (code === 'INVALID_COUNTRY') {
    if (/^\s*\+/.test(written)) return 'has a country code that no country uses: check the digits after the "+"';
    if (/^\s*00/.test(written)) {
      return (
        'starts with 00, an international prefix that means "+" only when dialled from some countries: write "+" in place ' +
        'of the 00, or set defaultCountry to the country the numbers are dialled from'
      );
    }
    return (
      'has no country code, and the roster is loaded without a defaultCountry: write it with "+" and its country code ' +
      '(e.g. +1 206 555 0100), or set defaultCountry to the country of the numbers written without one'
    );
  }
  if (code === 'TOO_SHORT' || code === 'TOO_LONG' || code === 'INVALID_LENGTH') {
    return `cannot be read as a phone number with certainty: it has too ${code === 'TOO_LONG' ? 'many' : 'few'} digits. Check it, and write it with "+" and its country code (e.g. +1 206 555 0100)`;
  }
  return (
    'is not a phone number: only digits, spaces, ( ) - . and a leading "+" may be written (no letters, no second number); ' +
    'write it with "+" and its country code (e.g. +1 206 555 0100)'
  );
}
