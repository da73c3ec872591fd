/**
 * Rosters: many users declared from files. An entry is what
 * `aws connect update-user-identity-info --generate-cli-skeleton` prints (a `--cli-input-json` file), its
 * YAML twin, or a spreadsheet row saved as CSV, optionally with `Username` in place of `UserId`.
 *
 * The flow, one module a step: files.ts (which files, their bytes) → decode.ts (bytes to text) →
 * json.ts, yaml.ts, csv.ts (text to records, each with its file and entry or row and column) →
 * check.ts (keys, types, value-mistakes.ts, the construct's rules) → a {@link Roster} of entries.
 * `ConnectUserRoster` (connect-user-roster.ts) declares them.
 */
import { checkRecord, duplicateProblem } from './check';
import { decodeRosterText } from './decode';
import { RosterEntry } from './entry';
import { formatOf, listRosterFiles, readRosterBytes } from './files';
import { parseJsonDocuments } from './json';
import { formatCount, MAX_ENTRIES } from './limits';
import { RosterError, RosterProblem } from './problems';
import { parseCsvRecords } from './csv';
import { recordsOfDocuments, RosterRecord } from './records';
import { parseYamlDocuments } from './yaml';

export { duplicateProblem } from './check';
export { instanceKeyOf } from './entry';
export type { RosterEntry } from './entry';
export { formatProblem, RosterError } from './problems';
export type { RosterProblem } from './problems';

/**
 * A roster: users read from a `.json`, `.yaml`, `.yml` or `.csv` file, or from a directory of them,
 * every entry checked with the rules that `ConnectUserIdentity` applies at synth.
 */
export class Roster {
  /**
   * Reads a roster file or directory (not its subdirectories; files read in name order; other files
   * and dot-files ignored).
   *
   * A JSON or YAML file holds one entry object or a list of them (a YAML file may also hold several
   * documents); a CSV file has a header row, then one agent per row. An empty value means "not
   * declared", so a CLI skeleton with fields left blank loads as it is; each entry must still declare
   * one identity field.
   *
   * @throws an Error named `RosterError` whose `problems` list every problem of every file: unreadable,
   * oversized or wrongly encoded files, unparseable ones, unknown keys or columns, a missing InstanceId,
   * neither or both of UserId and Username, the same user twice, values that spreadsheets mangled, and
   * every rule that `ConnectUserIdentity` checks at synth.
   */
  public static load(rosterPath: string): Roster {
    const { files, entries, problems } = readRoster(rosterPath);
    if (problems.length > 0) throw new RosterError(rosterPath, problems);
    return new Roster(files, entries);
  }

  /**
   * Every problem of a roster, as data, in file and entry order; an empty list when it loads. Never
   * throws for bad input.
   */
  public static check(rosterPath: string): RosterProblem[] {
    return readRoster(rosterPath).problems;
  }

  /** The files read, in the order read. */
  public readonly files: string[];
  /** The entries, in file order then entry order, all of them valid. */
  public readonly entries: RosterEntry[];

  private constructor(files: string[], entries: RosterEntry[]) {
    this.files = files;
    this.entries = entries;
  }
}

/**
 * Reads a roster.
 * @deprecated use Roster.load
 */
export function loadRoster(rosterPath: string): Roster {
  return Roster.load(rosterPath);
}

function readRoster(rosterPath: string): { files: string[]; entries: RosterEntry[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const files = listRosterFiles(rosterPath, problems);
  const entries: RosterEntry[] = [];
  const seen = new Map<string, RosterEntry>();
  let count = 0;

  for (const file of files) {
    const fileProblems: RosterProblem[] = [];
    const records = readRecords(file, fileProblems);
    count += records.length;
    if (count > MAX_ENTRIES) {
      problems.push(...fileProblems, {
        file: rosterPath,
        message: `holds more than ${formatCount(MAX_ENTRIES)} entries, the most a roster may hold (more than one stack can declare): split it`,
      });
      break;
    }
    for (const record of records) {
      const checked = checkRecord(record);
      fileProblems.push(...checked.problems);
      if (checked.entry === undefined || checked.userKey === undefined) continue;
      const earlier = seen.get(checked.userKey);
      if (earlier) fileProblems.push(duplicateProblem(checked.entry, earlier));
      else seen.set(checked.userKey, checked.entry);
      if (checked.problems.length === 0) entries.push(checked.entry);
    }
    // Problems of the file as a whole first, then by entry or row (a CSV row's cell count is found while parsing).
    problems.push(...fileProblems.sort((a, b) => positionOf(a) - positionOf(b)));
  }
  if (problems.length === 0 && entries.length === 0) {
    problems.push({ file: rosterPath, message: 'holds no entries: declare at least one user' });
  }
  return { files, entries, problems };
}

function positionOf(problem: RosterProblem): number {
  return problem.row ?? problem.entry ?? 0;
}

/** One file's records: its bytes, decoded, parsed by its format. */
function readRecords(file: string, problems: RosterProblem[]): RosterRecord[] {
  const bytes = readRosterBytes(file, problems);
  const text = bytes && decodeRosterText(file, bytes, problems);
  if (text === undefined) return [];
  const format = formatOf(file);
  if (format === 'csv') return parseCsvRecords(file, text, problems);
  const documents = format === 'json' ? parseJsonDocuments(file, text, problems) : parseYamlDocuments(file, text, problems);
  return documents === undefined ? [] : recordsOfDocuments(file, format ?? 'yaml', documents, problems);
}
