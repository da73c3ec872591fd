/**
 * CSV roster files, as spreadsheets save them: one header row naming the columns by the API's names
 * (matched ignoring case, spaces, `_` and `-`), then one agent per row. The separator is the one an
 * Excel `sep=` first line declares, else the one (`,`, `;` or tab) that makes the header row name known
 * columns. Quoting and line breaks inside cells are csv-parse's. Every cell stays text; an empty cell
 * is not declared. A cell that starts with the apostrophe spreadsheets take as "this is text" before a
 * formula, number, date or boolean is read without that apostrophe (text-marker.ts).
 *
 * Each row becomes a record of the same shape as a JSON entry, with the letter of each cell's column,
 * so that the checks (check.ts) name the cell of every problem.
 *
 * A file read with a layout (layouts.ts: the Connect bulk-upload template, an identity provider's
 * export) names its columns as that tool does. Only the columns the layout reads are taken from each
 * row; the other cells (a password, say) are never copied anywhere. A row with nothing to declare in the
 * columns read is skipped and counted.
 */
import { parse } from 'csv-parse/sync';
import { hasInstanceIdShape, IDENTITY_FIELDS } from '../identity-rules';
import { KNOWN_LAYOUTS, LayoutColumn, LayoutField, normalizeHeader, RosterLayout } from './layouts';
import { formatCount, MAX_ENTRIES } from './limits';
import { closest, displayKey, RosterProblem } from './problems';
import { RosterRecord } from './records';
import { readMarkedText } from './text-marker';

/** How a CSV file is read: with a layout or by the API's names, and whether the instance may be left out. */
export interface CsvReading {
  readonly layout?: RosterLayout;
  /** Whether rows without an instance get the one of the `instanceId` option. */
  readonly instanceGiven?: boolean;
  /** Called for each row skipped because it declares nothing (with a layout). */
  readonly onSkipped?: () => void;
}

/** The columns of a CSV roster, by the API's names. */
const CSV_COLUMNS = ['InstanceId', 'UserId', 'Username', ...IDENTITY_FIELDS] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

const SEPARATORS = [',', ';', '\t'] as const;

/**
 * The line Excel reads to learn a file's separator, `sep=;`, before the header row (a byte order mark,
 * if any, is already gone). Excel does not show it as a row, so rows are numbered without it.
 */
const SEPARATOR_LINE = /^"?sep=([^\r\n"])"?[ \t]*(?:\r\n|\n|\r|$)/i;

/**
 * How every row is read: cells stay text, rows of any length are kept for the checks to name, empty rows
 * too (so that row numbers stay a spreadsheet's), and a row may end in CRLF, LF or CR, mixed within one
 * file as files pieced together from several sources are.
 */
const PARSE_OPTIONS = { relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n', '\r'] };

/** Headers that sheets often use for a column, to suggest the roster's name for it (normalized keys). */
const USUAL_HEADERS: Readonly<Record<string, CsvColumn>> = {
  givenname: 'FirstName',
  forename: 'FirstName',
  surname: 'LastName',
  familyname: 'LastName',
  phone: 'Mobile',
  cell: 'Mobile',
  login: 'Username',
  instance: 'InstanceId',
};

/** What csv-parse's error codes mean, in words that quote nothing from the file. */
const CSV_ERRORS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed: a " is missing',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell goes on after its closing quote: double each " inside a quoted cell ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted cell goes on after its closing quote: double each " inside a quoted cell ("")',
  INVALID_OPENING_QUOTE: 'a cell holds a " but does not start with one: put the whole cell in quotes, and double each " inside it',
};

/** The column's letter as a spreadsheet shows it: 0 is `A`, 26 is `AA`. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  }
  return letters;
}

function columnOf(header: string): CsvColumn | undefined {
  return CSV_COLUMNS.find((column) => normalizeHeader(column) === normalizeHeader(header));
}

/** The records of a CSV file, one per agent row; none (and problems) when the file cannot be read as a roster. */
export function parseCsvRecords(file: string, fileText: string, problems: RosterProblem[], reading: CsvReading = {}): RosterRecord[] {
  const { layout } = reading;
  const declared = SEPARATOR_LINE.exec(fileText);
  const text = declared ? fileText.slice(declared[0].length) : fileText;
  if (text.trim() === '') {
    const columns = layout ? `the columns ${layout.name} reads (${requiredHeaders(layout).join(', ')})` : `the columns (${CSV_COLUMNS.join(', ')})`;
    problems.push({ file, message: `is empty: its first row must name ${columns}, then one agent per row` });
    return [];
  }
  const knownHeader = layout ? (cell: string) => layoutFieldOf(columnsOf(layout), cell) !== undefined : (cell: string) => columnOf(cell) !== undefined;
  let rows: string[][];
  try {
    rows = parse(text, { delimiter: declared?.[1] ?? detectSeparator(text, knownHeader), ...PARSE_OPTIONS });
  } catch (error) {
    // `records` counts the rows read before the one that failed (lines would miscount line breaks in cells).
    const { code, records, index } = error as { code?: string; records?: number; index?: number };
    problems.push({
      file,
      ...(typeof records === 'number' ? { row: records + 1 } : {}),
      ...(typeof index === 'number' ? { column: columnLetter(index) } : {}),
      message: `is not valid CSV: ${CSV_ERRORS[code ?? ''] ?? 'it cannot be read as CSV'}`,
    });
    return [];
  }
  const agentRows = rows.slice(1).filter((row) => !isBlank(row)).length;
  if (agentRows > MAX_ENTRIES) {
    problems.push({
      file,
      message: `holds ${formatCount(agentRows)} agent rows; a roster file may hold at most ${formatCount(MAX_ENTRIES)}, more than one stack can declare: split it`,
    });
    return [];
  }
  const columns = layout ? readLayoutHeader(file, rows[0], layout, problems, reading.instanceGiven === true) : readHeader(file, rows, problems, declared !== null, reading.instanceGiven === true);
  if (columns === undefined) return [];

  const width = Math.max(...columns.keys()) + 1;
  const records: RosterRecord[] = [];
  rows.forEach((cells, index) => {
    if (index === 0 || isBlank(cells)) return;
    const countProblem = cellCountProblem(cells, rows[0].length, width);
    if (countProblem) problems.push({ file, row: index + 1, message: countProblem });
    else if (layout && !declaresAnything(cells, columns)) reading.onSkipped?.();
    else records.push(recordOfRow(file, index + 1, records.length + 1, cells, columns, layout));
  });
  return records;
}

/** Whether a row holds a value in one of the identity columns read. */
function declaresAnything(cells: readonly string[], columns: ReadonlyMap<number, LayoutField>): boolean {
  return [...columns].some(([index, field]) => (IDENTITY_FIELDS as readonly string[]).includes(field) && cells[index] !== '');
}

/**
 * What is wrong with a row's cell count: fewer cells than the named columns, or values beyond the
 * header's last cell (empty cells there are the trailing columns spreadsheets write).
 */
function cellCountProblem(cells: string[], headerCount: number, width: number): string | undefined {
  if (cells.length < width) {
    return `has ${cells.length} cells where the header row names ${width} columns: a separator is missing, or the row was cut short`;
  }
  if (cells.length > headerCount && cells.slice(headerCount).some((cell) => cell !== '')) {
    return `has ${cells.length} cells where the header row has ${headerCount}: a value that holds the separator must be in quotes, or a separator is one too many`;
  }
  return undefined;
}

/**
 * A row as an entry of the shape JSON files have, its empty cells left out, with the letter of each column.
 * Only the cells of `columns` are read.
 */
function recordOfRow(file: string, row: number, entry: number, cells: string[], columns: ReadonlyMap<number, LayoutField>, layout?: RosterLayout): RosterRecord {
  const value: { IdentityInfo: Record<string, string>; [key: string]: unknown } = { IdentityInfo: {} };
  const letters = new Map<string, string>();
  for (const [index, column] of columns) {
    letters.set(column, columnLetter(index));
    if (cells[index] === '') continue;
    const cell = readMarkedText(cells[index]);
    if ((IDENTITY_FIELDS as readonly string[]).includes(column)) value.IdentityInfo[column] = cell;
    else value[column] = cell;
  }
  return { source: { file, format: 'csv', entry, row, columns: letters, ...(layout ? { layout: layout.name } : {}) }, value };
}

/**
 * The separator that makes the header row name the most known columns (ties go to the earlier of
 * `,`, `;` and tab); a comma when none does, so that the header's problems are told as such.
 */
function detectSeparator(text: string, isKnown: (cell: string) => boolean): string {
  let best: { separator: string; known: number } = { separator: ',', known: 0 };
  for (const separator of SEPARATORS) {
    let header: string[];
    try {
      [header] = parse(text, { delimiter: separator, to_line: 1, ...PARSE_OPTIONS });
    } catch {
      continue;
    }
    const known = (header ?? []).filter(isKnown).length;
    if (known > best.known) best = { separator, known };
  }
  return best.separator;
}

/** The known columns by index, or `undefined` (and problems) when the header row is not right. */
function readHeader(file: string, rows: string[][], problems: RosterProblem[], separatorDeclared: boolean, instanceGiven: boolean): Map<number, CsvColumn> | undefined {
  const header = rows[0];
  const found: RosterProblem[] = [];
  const columns = new Map<number, CsvColumn>();
  const indexOf = new Map<CsvColumn, number>();
  /** Columns suggested for unknown headers: not reported missing as well. */
  const suggested = new Set<CsvColumn>();
  header.forEach((cell, index) => {
    const letter = columnLetter(index);
    if (cell.trim() === '') {
      const firstValue = rows.findIndex((cells, row) => row > 0 && (cells[index] ?? '') !== '');
      if (firstValue !== -1) {
        found.push({
          file,
          row: 1,
          column: letter,
          message: `has no name in the header row, but holds values (the first in row ${firstValue + 1}): name the column, or delete it`,
        });
      }
      return;
    }
    const column = columnOf(cell);
    if (column === undefined) {
      const suggestion = USUAL_HEADERS[normalizeHeader(cell)] ?? closest(cell, CSV_COLUMNS, normalizeHeader) ?? containedColumn(cell);
      if (suggestion) suggested.add(suggestion);
      // The header's text is not shown: without a header row, it is an agent's values.
      found.push({
        file,
        row: 1,
        column: letter,
        message: `is not named as a column of a roster; ${suggestion ? `did you mean ${suggestion}? ` : ''}the columns are ${CSV_COLUMNS.join(', ')}`,
      });
      return;
    }
    const earlier = indexOf.get(column);
    if (earlier !== undefined) {
      found.push({ file, row: 1, column: letter, field: column, message: `is the same column as column ${columnLetter(earlier)}: keep one of them` });
      return;
    }
    indexOf.set(column, index);
    columns.set(index, column);
  });

  // A header another tool writes (Connect's bulk-upload template, an identity provider's export): say which layout reads it.
  const layout = KNOWN_LAYOUTS.find((candidate) => fitsLayout(header, candidate));
  if (layout) {
    problems.push({ file, row: 1, message: `is the header row of ${layout._source}, whose columns are not a roster's: load the file with layout ${layout.name}` });
    return undefined;
  }
  if (columns.size === 0) {
    // Without one known column, the first row is probably an agent, not a header: show none of it.
    problems.push({
      file,
      row: 1,
      message:
        `must be the header row, naming the columns (${CSV_COLUMNS.join(', ')}); none of its cells is a column name` +
        (separatorDeclared ? ': the separator that the sep= line above it declares is not the one the file uses, or the header row is missing' : ''),
    });
    return undefined;
  }
  const valueLike = header.map((cell, index) => (columnOf(cell) === undefined && looksLikeValue(cell) ? columnLetter(index) : undefined)).filter((letter) => letter !== undefined);
  if (valueLike.length > 0) {
    found.unshift({
      file,
      row: 1,
      message:
        `holds what look like an agent's values, not column names (an ID, an email address or a phone number, in column ${valueLike.join(', ')}): ` +
        'is the header row missing? The first row must name the columns',
    });
  }
  const present = (column: CsvColumn) => indexOf.has(column) || suggested.has(column);
  if (!present('InstanceId') && !instanceGiven) {
    found.push({ file, row: 1, message: 'has no InstanceId column: add one, with the instance ID or ARN in every row, or give the instance with the instanceId option' });
  }
  if (!present('UserId') && !present('Username')) {
    found.push({ file, row: 1, message: 'has neither a UserId nor a Username column: add one of them (or both, one filled per row)' });
  }
  if (!IDENTITY_FIELDS.some(present)) {
    found.push({ file, row: 1, message: `has no identity column: add at least one of ${IDENTITY_FIELDS.join(', ')}` });
  }
  problems.push(...found);
  return found.length > 0 ? undefined : columns;
}

/** The longest column name inside a header, for headers with a word more: `Mobile Phone`, `Email Address`. */
function containedColumn(header: string): CsvColumn | undefined {
  const normalized = normalizeHeader(header);
  return [...CSV_COLUMNS].sort((a, b) => b.length - a.length).find((column) => normalized.includes(normalizeHeader(column)));
}

/** Whether a header cell looks like one of an agent's values rather than a column name. */
function looksLikeValue(cell: string): boolean {
  return hasInstanceIdShape(cell.trim()) || cell.includes('@') || /^\+?\d{6,}$/.test(cell.replace(/[\s().-]/g, ''));
}

function isBlank(cells: string[]): boolean {
  return cells.every((cell) => cell === '');
}

/** The columns a layout reads: its own, and an `InstanceId` column when it names none (a row may name its instance). */
function columnsOf(layout: RosterLayout): readonly LayoutColumn[] {
  const columns = layout._columns;
  return columns.some((column) => column.field === 'InstanceId') ? columns : [...columns, { field: 'InstanceId', headers: ['InstanceId'], required: false }];
}

/** The field a header is the column of, in a layout. */
function layoutFieldOf(columns: readonly LayoutColumn[], header: string): LayoutField | undefined {
  const normalized = normalizeHeader(header);
  if (normalized === '') return undefined;
  return columns.find((column) => column.headers.some((each) => normalizeHeader(each) === normalized))?.field;
}

/** The headers a file of the layout must have, as messages show them. */
function requiredHeaders(layout: RosterLayout): string[] {
  return layout._columns.filter((column) => column.required).map((column) => displayKey(column.headers[0]));
}

/**
 * The columns a layout reads, by index, or `undefined` (and problems) when the header row is not the
 * layout's: a column it needs is missing, a field has two columns, or no instance can be told. Other
 * columns are ignored; nothing of the header is shown but the layout's own header names.
 */
function readLayoutHeader(file: string, header: readonly string[], layout: RosterLayout, problems: RosterProblem[], instanceGiven: boolean): Map<number, LayoutField> | undefined {
  const found: RosterProblem[] = [];
  const layoutColumns = columnsOf(layout);
  const columns = new Map<number, LayoutField>();
  const indexOf = new Map<LayoutField, number>();
  header.forEach((cell, index) => {
    const field = layoutFieldOf(layoutColumns, cell);
    if (field === undefined) return;
    const earlier = indexOf.get(field);
    if (earlier !== undefined) {
      found.push({
        file,
        row: 1,
        column: columnLetter(index),
        field,
        message: `is a second column that ${layout.name} reads as ${field}, with column ${columnLetter(earlier)}: keep one of them`,
      });
      return;
    }
    indexOf.set(field, index);
    columns.set(index, field);
  });

  const missing = layout._columns.filter((column) => column.required && !indexOf.has(column.field));
  if (missing.length > 0) {
    const named = missing.map((column) => `${displayKey(column.headers[0])} (${column.field})`);
    const names = named.length === 1 ? `the column ${named[0]}` : `the columns ${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
    const isOwn = layout.name === 'RosterLayout.fromColumns';
    found.unshift({
      file,
      row: 1,
      message: isOwn
        ? `lacks ${names} that ${layout.name} reads: check the header row and the layout's columns (headers are matched ignoring case, spaces, _ and -)`
        : `lacks ${names} that ${layout.name} reads: this file does not look like ${layout._source}${otherLayoutHint(header, layout)}`,
    });
  }
  if (!indexOf.has('InstanceId') && !instanceGiven) {
    found.push({ file, row: 1, message: 'has no InstanceId column, and the roster is loaded without an instanceId option: give the instance with the instanceId option' });
  }
  problems.push(...found);
  return found.length > 0 ? undefined : columns;
}

/** What a header that is not the given layout's looks like instead: another known layout, or a roster of the API's names. */
function otherLayoutHint(header: readonly string[], layout: RosterLayout): string {
  const other = KNOWN_LAYOUTS.find((candidate) => candidate !== layout && fitsLayout(header, candidate));
  if (other) return `. Its header row is that of ${other._source}: load it with layout ${other.name}`;
  const own = header.filter((cell) => columnOf(cell) !== undefined);
  if (own.some((cell) => ['userid', 'username'].includes(normalizeHeader(cell))) && own.length >= 2) {
    return '. Its header row names the columns by the API\'s names (UserId or Username, FirstName, ...): load it without a layout';
  }
  return '';
}

/** Whether a header row has every column a layout needs. */
function fitsLayout(header: readonly string[], layout: RosterLayout): boolean {
  return layout._columns.filter((column) => column.required).every((column) => header.some((cell) => layoutFieldOf([column], cell) !== undefined));
}
