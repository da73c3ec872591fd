/**
 * The apostrophe that marks a CSV cell as text. Spreadsheets read a cell that starts with `=`, `+`, `-` or
 * `@` as a formula (which they execute), and one that looks like a number, a date or TRUE/FALSE as that:
 * `+12065550100` loses its "+", `007` its zeros, `True` its case. A leading apostrophe is the spreadsheets'
 * own way to say "this is text": Excel, LibreOffice and Google Sheets show the rest of the cell as it is
 * and execute nothing.
 *
 * So a roster CSV that the command-line tool writes puts an apostrophe before such a value, and the loader
 * reads a cell that starts with an apostrophe followed by such a value without that one apostrophe. Both
 * use {@link needsTextMarker} on the value without its leading apostrophes, which makes the two exact
 * inverses: a value that itself starts with apostrophes before such text gets one more, and loses only
 * that one. An apostrophe before anything else (`'t Hooft`) is part of the value, and stays.
 */

/** The apostrophe a spreadsheet takes as "this cell is text". */
export const TEXT_MARKER = "'";

/** A cell a spreadsheet reads as a formula: it starts with one of these characters. */
const FORMULA_START = /^[=+\-@\t\r]/;
/**
 * A cell a spreadsheet reads as a number, a date, a time or a percentage: digits (or a decimal point
 * then digits) with only number and date punctuation, such as `0042`, `1.5`, `1/2`, `12-03` or `50%`.
 */
const NUMBER_OR_DATE = /^\.?\d[\d\s.,:/%-]*$/;
/** A cell a spreadsheet reads as a boolean. */
const BOOLEAN = /^(true|false)$/i;

/**
 * Whether a spreadsheet would change or execute the value if a CSV cell held it as it is; decided on the
 * value without its leading apostrophes (see the module's comment).
 */
export function needsTextMarker(value: string): boolean {
  const rest = value.replace(/^'+/, '');
  return FORMULA_START.test(rest) || NUMBER_OR_DATE.test(rest) || BOOLEAN.test(rest);
}

/** The CSV cell for a value: the value itself, or the value after a text marker. */
export function markAsText(value: string): string {
  return needsTextMarker(value) ? `${TEXT_MARKER}${value}` : value;
}

/** The value a CSV cell holds: the cell without its text marker, when it has one. */
export function readMarkedText(cell: string): string {
  return cell.startsWith(TEXT_MARKER) && needsTextMarker(cell.slice(TEXT_MARKER.length)) ? cell.slice(TEXT_MARKER.length) : cell;
}
