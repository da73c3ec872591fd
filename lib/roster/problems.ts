/**
 * Problems of a roster, as data and as lines of text. Messages name files, entries, rows, columns,
 * UserIds and fields; never a Username or an identity value, because those are personal data and these
 * messages end up in terminals and CI logs.
 */
import { distance as levenshtein } from 'fastest-levenshtein';

/** One problem found in a roster. */
export interface RosterProblem {
  /** The file (or the roster path, for a problem with the path itself; or the name of a roster built in code). */
  readonly file: string;
  /**
   * The entry's number in its file, 1 for the first (in a CSV file, the first agent row).
   * @default - a problem with the whole file
   */
  readonly entry?: number;
  /**
   * In a CSV file, the row as a spreadsheet numbers it: 1 is the header row, 2 the first agent. It is
   * also the line number, unless a cell above holds a line break.
   * @default - not a CSV file, or a problem with the whole file
   */
  readonly row?: number;
  /**
   * In a CSV file, the column's letter as a spreadsheet shows it: `A` for the first.
   * @default - not a CSV file, or a problem with the whole row
   */
  readonly column?: string;
  /**
   * How the entry names its user: `UserId <id>` or `Username given` (never the username itself).
   * @default - the entry names no user
   */
  readonly subject?: string;
  /**
   * The field, as the roster spells it: `InstanceId`, `IdentityInfo.Mobile` (in a CSV file, the
   * column's name: `Mobile`), ...
   * @default - the problem is with the file, the entry or the row as a whole
   */
  readonly field?: string;
  /** What is wrong and what to do; never an identity value or a username. */
  readonly message: string;
}

/**
 * One problem as a line: `file: entry 3 (UserId …): IdentityInfo.Mobile is not …`, or for a CSV cell
 * `file: row 4 (UserId …): Mobile (column F) is not …`.
 */
export function formatProblem(problem: RosterProblem): string {
  const place = problem.row !== undefined ? `row ${problem.row}` : problem.entry !== undefined ? `entry ${problem.entry}` : undefined;
  const where = place === undefined ? problem.file : `${problem.file}: ${place}${problem.subject ? ` (${problem.subject})` : ''}`;
  const column = problem.column !== undefined ? `column ${problem.column}` : undefined;
  const what = problem.field !== undefined ? (column ? `${problem.field} (${column})` : problem.field) : column;
  return `${where}: ${what ? `${what} ` : ''}${problem.message}`;
}

/**
 * The error the deprecated {@link Roster.load} throws: every problem of every file, one per line.
 * Exported as a value and a type named `RosterError`, so that TypeScript code can test
 * `error instanceof RosterError`. jsii cannot export a subclass of `Error` (JSII3004), which is why the
 * problems reach other languages as data instead: `Roster.problems`, `Roster.check`, and the synth
 * errors of a `ConnectUserRoster`.
 */
class RosterLoadError extends Error {
  /** The problems, in file and entry order. */
  public readonly problems: RosterProblem[];

  constructor(rosterPath: string, problems: RosterProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `The roster ${rosterPath} has ${count}; nothing is declared from a roster with errors:\n` +
        problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n'),
    );
    this.name = 'RosterError';
    this.problems = problems;
  }
}

/** Thrown by {@link Roster.load}: an `Error` named `RosterError` whose `problems` list every problem. */
export const RosterError = RosterLoadError;
/** The type of what {@link Roster.load} throws. */
export type RosterError = RosterLoadError;

/** A type as a message may name it, without the value. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** A key or a column name as a message may show it: as it is when plain, else quoted and cut short. */
export function displayKey(key: string): string {
  if (/^[A-Za-z0-9_-]{1,40}$/.test(key)) return key;
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return JSON.stringify(shown);
}

/**
 * The known name nearest to `name` by edit distance (compared as `normalize` makes them), if near
 * enough to be a typo of it.
 */
export function closest<T extends string>(name: string, known: readonly T[], normalize = (text: string) => text.toLowerCase()): T | undefined {
  let best: { candidate: T; distance: number } | undefined;
  for (const candidate of known) {
    const distance = levenshtein(normalize(name), normalize(candidate));
    if (distance <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** Line and column (both from 1) of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
