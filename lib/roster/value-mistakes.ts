/**
 * Mistakes that spreadsheets and word processors make in values, caught before the construct's rules
 * so that the message says what happened and how to fix it at the source. The loader never repairs a
 * value: what the file says is what reaches Connect, or the file is refused.
 */
import type { IdentityField } from '../identity-rules';

/** A value's field: an identity field, or one of the entry's IDs. */
export type ValueField = IdentityField | 'InstanceId' | 'UserId' | 'Username';

interface Mistake {
  /** The fields it applies to; every field when left out. */
  readonly fields?: readonly ValueField[];
  readonly test: (value: string) => boolean;
  readonly message: string;
}

const MISTAKES: readonly Mistake[] = [
  {
    test: (value) => /^\s|\s$/.test(value),
    message:
      'starts or ends with a space: remove it (a spreadsheet\'s =TRIM() does). The loader does not trim values, so that ' +
      'what reaches Connect is exactly what the file says',
  },
  {
    test: (value) => /[\u0000-\u001F\u007F]/.test(value),
    message: 'holds a line break, a tab or another control character: a cell or value must be one line of text',
  },
  {
    test: (value) => /[\u00A0\u2007\u202F\u200B\u2060\uFEFF]/.test(value),
    message:
      'holds a non-breaking or invisible space, as text pasted from a document or web page does: retype the spaces as plain ' +
      'spaces, and remove invisible ones',
  },
  {
    test: (value) => /[\u2018\u2019\u201C\u201D]/.test(value),
    message: 'holds a curly quote or apostrophe (‘ ’ “ ”), as word processors type them: use a plain \' or " instead',
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
    test: (value) => /^[1-9]\d{1,14}$/.test(value),
    message:
      'is not an E.164 number: it has no "+" before its digits, as when a spreadsheet reads +12065550100 as a number. ' +
      'Format the column as Text, and write each number with "+" and its country code (e.g. +12065550100)',
  },
];

/** The mistakes found in one value, as messages that never repeat the value. */
export function findValueMistakes(field: ValueField, value: string): string[] {
  return MISTAKES.filter((mistake) => (mistake.fields?.includes(field) ?? true) && mistake.test(value)).map((mistake) => mistake.message);
}
