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
import { checkRecord, duplicateProblem, RecordContext } from './check';
import { decodeRosterText } from './decode';
import { ConnectUserIdentityProps, IDENTITY_FIELD_PROPS } from '../connect-user-identity';
import { RosterEntry } from './entry';
import { formatOf, listRosterFiles, readRosterBytes } from './files';
import { parseJsonDocuments } from './json';
import { formatCount, MAX_ENTRIES } from './limits';
import { ReadContext, readContextOf, RosterLoadOptions } from './options';
import { RosterError, RosterProblem } from './problems';
import { parseCsvRecords } from './csv';
import { recordsOfDocuments, RosterRecord } from './records';
import { parseYamlDocuments } from './yaml';

export { duplicateProblem } from './check';
export { instanceKeyOf } from './entry';
export type { RosterEntry } from './entry';
export { formatProblem, RosterError } from './problems';
export type { RosterProblem } from './problems';
export { RosterLayout } from './layouts';
export type { RosterColumns } from './layouts';
export type { RosterLoadOptions } from './options';

/**
 * A roster: users read from a `.json`, `.yaml`, `.yml` or `.csv` file or a directory of them
 * ([Roster.fromPath](#connect-user-identity.Roster.fromPath)), or built in code
 * ([Roster.fromUsers](#connect-user-identity.Roster.fromUsers)), every entry checked with the rules that
 * `ConnectUserIdentity` applies at synth.
 *
 * A roster with problems is still a roster: its `problems` list them, and a `ConnectUserRoster` that
 * declares it fails the synth with one validation error per problem, as CDK reports a prop mistake.
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
   * Never throws for bad input: every problem of every file is in `problems` (unreadable, oversized or
   * wrongly encoded files, unparseable ones, unknown keys or columns, a missing InstanceId, neither or
   * both of UserId and Username, the same user twice, values that spreadsheets mangled, and every rule
   * that `ConnectUserIdentity` checks at synth). A `ConnectUserRoster` declaring the roster then fails
   * the synth, listing each problem once.
   *
   * With `options`, files other tools wrote load too: one instance for the entries that name none
   * (`instanceId`), the columns of Connect's bulk-upload template or of an identity provider's export
   * (`layout`), and phone numbers as people write them (`normalizeMobileNumbers`).
   *
   * @param rosterPath a roster file or a directory of them, relative to the working directory of `cdk synth`
   * @param options how to read the files
   */
  public static fromPath(rosterPath: string, options: RosterLoadOptions = {}): Roster {
    const { files, entries, problems, skippedRows } = readRoster(rosterPath, options);
    return new Roster(files, entries, problems, skippedRows);
  }

  /**
   * A roster built in code, for users that come from elsewhere than a roster file (an HR export read
   * by your app, a list in a config file). Each user is checked as a roster file's entry is, and
   * problems are named by `name` and the user's position (entry 1 for the first).
   *
   * Values may be tokens or dynamic references: such a user is declared with a resource of its own,
   * and its values are checked at deploy time.
   *
   * @param users the users, as `ConnectUserIdentity` takes them
   */
  public static fromUsers(users: ConnectUserIdentityProps[], options: RosterFromUsersOptions = {}): Roster {
    const name = options.name ?? 'Roster.fromUsers';
    const records: RosterRecord[] = users.map((user, index) => ({ source: { file: name, format: 'json', entry: index + 1 }, value: recordOfUser(user) }));
    const { entries, problems } = checkRecords(records, new Map(), {});
    if (problems.length === 0 && entries.length === 0) problems.push({ file: name, message: 'holds no users: declare at least one' });
    return new Roster([], entries, problems.sort((a, b) => positionOf(a) - positionOf(b)), 0);
  }

  /**
   * Reads a roster as `Roster.fromPath` does, and throws when it has a problem. Deprecated: use
   * [Roster.fromPath](#connect-user-identity.Roster.fromPath), whose problems fail the synth as CDK
   * validation errors, one line each, in every language; outside an app,
   * [Roster.check](#connect-user-identity.Roster.check) lists them.
   *
   * What it throws is an `Error` named `RosterError` whose message lists every problem, one per line,
   * and whose `problems` holds them as `RosterProblem`s. TypeScript and JavaScript can test
   * `error instanceof RosterError` (`RosterError` is exported for them). jsii gives no type to a subclass
   * of `Error` in other languages: there it arrives as the runtime's error for JavaScript exceptions
   * (`RuntimeError` in Python), with the same message.
   *
   * @throws RosterError when the roster has a problem
   * @deprecated use `Roster.fromPath`
   */
  public static load(rosterPath: string): Roster {
    const roster = Roster.fromPath(rosterPath);
    if (roster.problems.length > 0) throw new RosterError(rosterPath, roster.problems);
    return roster;
  }

  /**
   * Every problem of a roster, as data, in file and entry order; an empty list when it loads. Never
   * throws for bad input. For scripts and pipelines that check a roster outside a CDK app.
   *
   * @param rosterPath a roster file or a directory of them
   * @param options how to read the files, as for `Roster.fromPath`
   */
  public static check(rosterPath: string, options: RosterLoadOptions = {}): RosterProblem[] {
    return readRoster(rosterPath, options).problems;
  }

  /** The files read, in the order read (none for a roster built in code). */
  public readonly files: string[];
  /**
   * The entries without problems, in file order then entry order. A roster with problems declares
   * nothing: check `problems` before using these yourself.
   */
  public readonly entries: RosterEntry[];
  /** Every problem of the roster, in file and entry order; empty when every entry is valid. */
  public readonly problems: RosterProblem[];
  /**
   * Rows of CSV files read with a `layout` that declare nothing (no value in a column the layout reads
   * as an identity field): skipped, not errors. 0 without a layout.
   */
  public readonly skippedRows: number;

  private constructor(files: string[], entries: RosterEntry[], problems: RosterProblem[], skippedRows: number) {
    this.files = files;
    this.entries = entries;
    this.problems = problems;
    this.skippedRows = skippedRows;
  }
}

/** Options of [Roster.fromUsers](#connect-user-identity.Roster.fromUsers). */
export interface RosterFromUsersOptions {
  /**
   * What problems call the roster, where a file's name would be (`hr-export: entry 3 (UserId …): ...`).
   * @default 'Roster.fromUsers'
   */
  readonly name?: string;
}

/**
 * Reads a roster, and throws when it has a problem.
 * @deprecated use `Roster.fromPath`
 */
export function loadRoster(rosterPath: string): Roster {
  return Roster.load(rosterPath);
}

/** A user given in code as the record a roster file would hold for it, with the API's field names. */
function recordOfUser(user: ConnectUserIdentityProps): Record<string, unknown> {
  const info = user.identityInfo as unknown;
  let identityInfo: unknown = info;
  if (info !== null && typeof info === 'object' && !Array.isArray(info)) {
    const fieldOf = new Map(Object.entries(IDENTITY_FIELD_PROPS).map(([field, prop]) => [prop as string, field]));
    identityInfo = Object.fromEntries(Object.entries(info).map(([key, value]) => [fieldOf.get(key) ?? key, value]));
  }
  return { InstanceId: user.instanceId, UserId: user.userId, Username: user.username, IdentityInfo: identityInfo };
}

function readRoster(rosterPath: string, options: RosterLoadOptions): { files: string[]; entries: RosterEntry[]; problems: RosterProblem[]; skippedRows: number } {
  const problems: RosterProblem[] = [];
  const context = readContextOf(rosterPath, options ?? {}, problems);
  if (context === undefined) return { files: [], entries: [], problems, skippedRows: 0 };
  const files = listRosterFiles(rosterPath, problems);
  const entries: RosterEntry[] = [];
  const seen = new Map<string, RosterEntry>();
  let count = 0;
  let skippedRows = 0;

  for (const file of files) {
    const fileProblems: RosterProblem[] = [];
    const records = readRecords(file, fileProblems, context, () => skippedRows++);
    count += records.length;
    if (count > MAX_ENTRIES) {
      problems.push(...fileProblems, {
        file: rosterPath,
        message: `holds more than ${formatCount(MAX_ENTRIES)} entries, the most a roster may hold (more than one stack can declare): split it`,
      });
      break;
    }
    const checked = checkRecords(records, seen, context);
    entries.push(...checked.entries);
    fileProblems.push(...checked.problems);
    // Problems of the file as a whole first, then by entry or row (a CSV row's cell count is found while parsing).
    problems.push(...fileProblems.sort((a, b) => positionOf(a) - positionOf(b)));
  }
  if (problems.length === 0 && entries.length === 0) {
    const skipped = skippedRows > 0 ? ` (its ${formatCount(skippedRows)} rows declare nothing in the columns ${context.layout!.name} reads)` : '';
    problems.push({ file: rosterPath, message: `holds no entries${skipped}: declare at least one user` });
  }
  return { files, entries, problems, skippedRows };
}

/**
 * Checks records in order: each on its own, then against the users named before it (`seen`, by user
 * key, which it extends). The entries are those without any problem.
 */
function checkRecords(records: readonly RosterRecord[], seen: Map<string, RosterEntry>, context: RecordContext): { entries: RosterEntry[]; problems: RosterProblem[] } {
  const entries: RosterEntry[] = [];
  const problems: RosterProblem[] = [];
  for (const record of records) {
    const checked = checkRecord(record, context);
    problems.push(...checked.problems);
    if (checked.entry === undefined || checked.userKey === undefined) continue;
    const earlier = seen.get(checked.userKey);
    if (earlier) problems.push(duplicateProblem(checked.entry, earlier));
    else seen.set(checked.userKey, checked.entry);
    if (checked.problems.length === 0 && !earlier) entries.push(checked.entry);
  }
  return { entries, problems };
}

function positionOf(problem: RosterProblem): number {
  return problem.row ?? problem.entry ?? 0;
}

/** One file's records: its bytes, decoded, parsed by its format. */
function readRecords(file: string, problems: RosterProblem[], context: ReadContext, onSkipped: () => void): RosterRecord[] {
  const format = formatOf(file);
  if (context.layout && format !== 'csv') {
    problems.push({
      file,
      message: `is a ${format === 'json' ? 'JSON' : 'YAML'} file, and ${context.layout.name} reads CSV files only: load it without a layout (JSON and YAML rosters use the API's names), or save the sheet as CSV`,
    });
    return [];
  }
  const bytes = readRosterBytes(file, problems);
  const text = bytes && decodeRosterText(file, bytes, problems);
  if (text === undefined) return [];
  if (format === 'csv') return parseCsvRecords(file, text, problems, { layout: context.layout, instanceGiven: context.instanceId !== undefined, onSkipped });
  const documents = format === 'json' ? parseJsonDocuments(file, text, problems) : parseYamlDocuments(file, text, problems);
  return documents === undefined ? [] : recordsOfDocuments(file, format ?? 'yaml', documents, problems);
}
