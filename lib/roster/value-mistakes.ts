/**
 * Mistakes that spreadsheets and word processors make in values, caught before the construct's rules
 * so that the message says what happened and how to fix it at the source. The loader never repairs a
 * value: what the file says is what reaches Connect, or the file is refused.
 */
import type { IdentityField } from '../identity-rules';
import type { RosterFormat } from './files';

/** A value's field: an identity field, or one of the entry's IDs. */
export type ValueField = IdentityField | 'InstanceId' | 'UserId' | 'Username';

interface Mistake {
  /** The fields it applies to; every field when left out. */
  readonly fields?: readonly ValueField[];
  /** The formats it applies to; every format when left out. */
  readonly formats?: readonly RosterFormat[];
  readonly test: (value: string) => boolean;
  readonly message: string;
  /** Whether reading formatted mobile numbers (`normalizeMobileNumbers`) deals with it instead. */
  readonly readAsFormattedNumber?: boolean;
}

/** Fields whose value may hold a line break or a tab, where only a deliberate escape can write one (JSON, YAML). */
const MULTILINE_FIELDS: readonly ValueField[] = ['FirstName', 'LastName'];
const ONE_LINE_FIELDS: readonly ValueField[] = ['InstanceId', 'UserId', 'Username', 'Email', 'SecondaryEmail', 'Mobile'];

const MISTAKES: readonly Mistake[] = [
  {
    test: (value) => /^\s|\s$/.test(value),
    message:
      'starts or ends with a space: remove it (a spreadsheet\'s =TRIM() does). The loader does not trim values, so that ' +
      'what reaches Connect is exactly what the file says',
  },
  {
    // In a CSV cell, a line break or a tab is an Alt+Enter or a paste gone wrong. In JSON and YAML one can
    // only be written on purpose (an escape such as \n, a block scalar), so a name Connect holds with one (an
    // export of it, say) loads as it is.
    test: (value) => /[\t\n\r]/.test(value),
    fields: ONE_LINE_FIELDS,
    message: 'holds a line break or a tab: a value must be one line of text',
  },
  {
    test: (value) => /[\t\n\r]/.test(value),
    fields: MULTILINE_FIELDS,
    formats: ['csv'],
    message:
      'holds a line break or a tab (an Alt+Enter in a spreadsheet cell): a cell must be one line of text. A name that ' +
      'really holds one can be declared in a JSON or YAML roster, written as \\n',
  },
  {
    test: (value) => /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value),
    message: 'holds a control character: retype the value as plain text',
  },
  {
    test: (value) => /[\u00A0\u2007\u202F\u200B\u2060\uFEFF]/.test(value),
    message:
      'holds a non-breaking or invisible space, as text pasted from a document or web page does: retype the spaces as plain ' +
      'spaces, and remove invisible ones',
  },
  {
    test: isSpreadsheetError,
    message:
      'is an error value that a spreadsheet shows when a formula fails (#REF!, #N/A, #NAME?, #VALUE!, ...), not a value: ' +
      'fix the formula, or type the value itself in the cell, and export again',
  },
  {
    test: (value) => /^#+$/.test(value),
    message: 'is only # signs, as a spreadsheet shows a value too wide for its column: widen the column, or type the value itself, and export again',
  },
  {
    test: (value) => /^[=@]/.test(value),
    message:
      'starts with = or @, which a spreadsheet reads as a formula: the cell held a formula, or the value would run as one when ' +
      'the users are exported to a spreadsheet again. Put the value itself in the cell (copy it, then Paste Special > Values)',
  },
  {
    fields: ['InstanceId', 'UserId', 'Username', 'FirstName', 'LastName', 'Email', 'SecondaryEmail'],
    test: (value) => /^[+-]/.test(value),
    message:
      'starts with + or -, which a spreadsheet reads as the start of a formula: the cell held a formula, or the value would run ' +
      'as one when the users are exported to a spreadsheet again. Remove the sign, or put the value itself in the cell; for ' +
      '"no value", leave the cell empty',
  },
  {
    fields: ['Email', 'SecondaryEmail'],
    test: (value) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && !isSpreadsheetError(value),
    message:
      'starts with a link prefix such as mailto:, smtp: or http:, as a cell holding a hyperlink or an address copied from a ' +
      'directory export does: keep only the address (name@domain.example); in a spreadsheet, right-click the cell > Remove Hyperlink',
  },
  {
    fields: ['Email', 'SecondaryEmail'],
    test: (value) => /<[^<>]*@[^<>]*>/.test(value),
    message:
      'holds a name and an address in angle brackets (Name <name@domain.example>), as a mail program copies them: keep only the address',
  },
  {
    fields: ['FirstName', 'LastName'],
    test: (value) => isWrappedInQuotes(value) || /[\u201C\u201D]/.test(value),
    message:
      'is wrapped in quotes, or holds curly double quotes (“ ”), as word processors and double-quoted exports write them: ' +
      'remove the quotes around the value, and use a plain " inside it (an apostrophe inside a name is a letter of it, and stays)',
  },
  {
    fields: ['InstanceId', 'UserId', 'Username', 'Email', 'SecondaryEmail', 'Mobile'],
    test: (value) => /[\u2018\u2019\u201C\u201D\u02BC]/.test(value) || isWrappedInQuotes(value),
    message:
      'holds a quote or a curly apostrophe (‘ ’ “ ” ʼ), as word processors type them, which this field cannot hold: remove ' +
      'quotes around the value, and type an apostrophe inside it as a plain \'',
  },
  {
    fields: ['Mobile'],
    test: (value) => /^\d(\.\d+)?E\+?\d+$/i.test(value),
    message:
      'is not an E.164 number: it is in scientific notation, as a spreadsheet shows a long number, and its last digits are ' +
      'lost. Format the column as Text, retype the numbers with their "+" (e.g. +12065550100), and export again',
  },
  {
    fields: ['Mobile'],
    readAsFormattedNumber: true,
    test: (value) => /^[1-9]\d{1,14}$/.test(value),
    message:
      'is not an E.164 number: it has no "+" before its digits, as when a spreadsheet reads +12065550100 as a number. ' +
      'Format the column as Text, and write each number with "+" and its country code (e.g. +12065550100)',
  },
];

/**
 * The error values spreadsheets write in place of a formula's result: Excel's (#NULL!, #DIV/0!, #VALUE!,
 * #REF!, #NAME?, #NUM!, #N/A, #GETTING_DATA, and the newer #SPILL!, #CALC!, #FIELD!, #BLOCKED!, ...),
 * Google Sheets' #ERROR!, and LibreOffice's Err:502 and the like. The upper-case `#WORD!` shape covers
 * error values added later.
 */
function isSpreadsheetError(value: string): boolean {
  return /^#(N\/A|NAME\?|DIV\/0!|GETTING_DATA|[A-Z][A-Z0-9_]*!)$/.test(value) || /^Err:\d{3}$/.test(value);
}

/**
 * Whether quotes wrap the whole value, as when a cell was quoted twice (`"""Mary"""` in a CSV) or typed
 * with quotes in a word processor: straight or curly, single or double, at both ends.
 */
function isWrappedInQuotes(value: string): boolean {
  return value.length >= 2 && /^["'\u2018\u2019\u201C\u201D]/.test(value) && /["'\u2018\u2019\u201C\u201D]$/.test(value);
}

/**
 * The mistakes found in one value of a file of `format`, as messages that never repeat the value. With
 * `formattedNumbers`, a Mobile is about to be read as a formatted number, which deals with its digits
 * itself (a number without "+" is one written without its country code).
 */
export function findValueMistakes(field: ValueField, value: string, format: RosterFormat = 'csv', formattedNumbers = false): string[] {
  return MISTAKES.filter(
    (mistake) =>
      (mistake.fields?.includes(field) ?? true) &&
      (mistake.formats?.includes(format) ?? true) &&
      !(formattedNumbers && mistake.readAsFormattedNumber) &&
      mistake.test(value),
  ).map((mistake) => mistake.message);
}
