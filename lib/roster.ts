/**
 * Rosters: many users declared from files in the AWS CLI's own input format.
 *
 * A roster entry is exactly what `aws connect update-user-identity-info --generate-cli-skeleton`
 * prints (a `--cli-input-json` file), or its YAML twin (`--cli-input-yaml`), optionally with
 * `Username` in place of `UserId`. {@link loadRoster} reads a file or a directory of them and checks
 * every entry with the construct's own rules; `ConnectUserRoster` (connect-user-roster.ts) declares them.
 *
 * Messages name files, entry numbers, UserIds and fields, never a Username or an identity value:
 * those are personal data, and these messages end up in terminals and CI logs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distance as levenshtein } from 'fastest-levenshtein';
import * as YAML from 'yaml';
import { findPropProblems, IDENTITY_FIELD_PROPS, UserIdentityInfo } from './connect-user-identity';
import { IDENTITY_FIELDS, IdentityField, parseInstanceReference, Problem, validateUserReference } from './identity-rules';

/** One user of a roster, as read from its file: blank fields are left out. */
export interface RosterEntry {
  /** The file the entry was read from, as the roster path was given (e.g. `examples/agents/mary.json`). */
  readonly file: string;
  /** The entry's number in its file: 1 for the first (a file of one object holds entry 1). */
  readonly entry: number;
  /** `InstanceId`: the instance ID or instance ARN. */
  readonly instanceId: string;
  /**
   * `UserId`.
   * @default - the user is named by `username`
   */
  readonly userId?: string;
  /**
   * `Username`, looked up at deploy time.
   * @default - the user is named by `userId`
   */
  readonly username?: string;
  /** The declared fields of `IdentityInfo`; blank ones are not declared. */
  readonly identityInfo: UserIdentityInfo;
}

/** A loaded roster: its entries, in file order then entry order, all of them valid. */
export interface Roster {
  /** The files read, in the order read. */
  readonly files: readonly string[];
  /** The entries. */
  readonly entries: readonly RosterEntry[];
}

/** One problem found in a roster. */
export interface RosterProblem {
  /** The file (or the roster path, for a problem with the path itself). */
  readonly file: string;
  /**
   * The entry's number in its file, 1 for the first.
   * @default - a problem with the whole file
   */
  readonly entry?: number;
  /**
   * How the entry names its user: `UserId <id>` or `Username given` (never the username itself).
   * @default - the entry names no user
   */
  readonly subject?: string;
  /**
   * The field, as the roster spells it: `InstanceId`, `IdentityInfo.Mobile`, ...
   * @default - the problem is with the file or the entry as a whole
   */
  readonly field?: string;
  /** What is wrong and what to do; never an identity value or a username. */
  readonly message: string;
}

/** Thrown by {@link loadRoster}: every problem of every file, one per line. */
export class RosterError extends Error {
  /** The problems, in file and entry order. */
  public readonly problems: readonly RosterProblem[];

  constructor(rosterPath: string, problems: readonly RosterProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `The roster ${rosterPath} has ${count}; nothing is declared from a roster with errors:\n` +
        problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n'),
    );
    this.name = 'RosterError';
    this.problems = problems;
  }
}

/** One problem as a line: `file: entry 3 (UserId …): IdentityInfo.Mobile is not …`. */
export function formatProblem(problem: RosterProblem): string {
  const where =
    problem.entry === undefined
      ? problem.file
      : `${problem.file}: entry ${problem.entry}${problem.subject ? ` (${problem.subject})` : ''}`;
  return `${where}: ${problem.field ? `${problem.field} ` : ''}${problem.message}`;
}

/** The extensions a roster file may have; any other file in a roster directory is ignored. */
const ROSTER_EXTENSIONS = ['.json', '.yaml', '.yml'];

/** The top-level keys of an entry: the CLI skeleton's three, and `Username` in place of `UserId`. */
const ENTRY_KEYS = ['IdentityInfo', 'UserId', 'Username', 'InstanceId'] as const;

const SKELETON_HINT =
  'the shape printed by `aws connect update-user-identity-info --generate-cli-skeleton`: ' +
  '{"IdentityInfo": {"FirstName": "", ...}, "UserId": "", "InstanceId": ""}';

type Format = 'json' | 'yaml';

/**
 * Reads a roster: one `.json`, `.yaml` or `.yml` file, or a directory of them (not its
 * subdirectories; files read in name order; other files and dot-files ignored).
 *
 * A file holds one entry object or a list of them (a YAML file may also hold several documents).
 * An empty string or a YAML null (`Email:` with nothing after it) means "not declared", so a CLI
 * skeleton with fields left blank loads as it is; each entry must still declare one identity field.
 *
 * @throws RosterError listing every problem of every file, if there is any: unreadable or
 * unparseable files, unknown keys, a missing InstanceId, neither or both of UserId and Username,
 * the same user twice, and every rule that {@link ConnectUserIdentity} checks at synth.
 */
export function loadRoster(rosterPath: string): Roster {
  const problems: RosterProblem[] = [];
  const files = listRosterFiles(rosterPath, problems);
  const entries: RosterEntry[] = [];
  const seen = new Map<string, RosterEntry>();

  for (const file of files) {
    for (const [index, raw] of readRosterFile(file, problems).entries()) {
      const checked = checkEntry(raw, file, index + 1, formatOf(file));
      problems.push(...checked.problems);
      if (checked.userKey !== undefined) {
        const earlier = seen.get(checked.userKey);
        if (earlier && checked.entry) {
          problems.push(duplicateProblem(checked.entry, earlier));
        } else if (checked.entry) {
          seen.set(checked.userKey, checked.entry);
        }
      }
      if (checked.problems.length === 0 && checked.entry) entries.push(checked.entry);
    }
  }
  if (problems.length === 0 && entries.length === 0) {
    problems.push({ file: rosterPath, message: 'holds no entries: declare at least one user' });
  }
  if (problems.length > 0) throw new RosterError(rosterPath, problems);
  return { files, entries };
}

function formatOf(file: string): Format {
  return path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

function isRosterFileName(name: string): boolean {
  return !name.startsWith('.') && ROSTER_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function listRosterFiles(rosterPath: string, problems: RosterProblem[]): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(rosterPath);
  } catch {
    problems.push({ file: rosterPath, message: 'does not exist (or cannot be read): give a roster file or a directory of them' });
    return [];
  }
  if (stat.isFile()) {
    if (ROSTER_EXTENSIONS.includes(path.extname(rosterPath).toLowerCase())) return [rosterPath];
    problems.push({ file: rosterPath, message: `is not a roster file: its name must end in ${ROSTER_EXTENSIONS.join(', ')}` });
    return [];
  }
  if (!stat.isDirectory()) {
    problems.push({ file: rosterPath, message: 'is neither a file nor a directory' });
    return [];
  }
  const files = fs
    .readdirSync(rosterPath)
    .filter(isRosterFileName)
    .sort()
    .map((name) => path.join(rosterPath, name))
    .filter((file) => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
  if (files.length === 0) {
    problems.push({ file: rosterPath, message: `holds no roster file: put ${ROSTER_EXTENSIONS.join(', ')} files in it` });
  }
  return files;
}

/** The entries of one file, unchecked; problems with the file itself go to `problems`. */
function readRosterFile(file: string, problems: RosterProblem[]): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    problems.push({ file, message: 'cannot be read' });
    return [];
  }
  const documents = formatOf(file) === 'json' ? parseJson(file, text, problems) : parseYaml(file, text, problems);
  if (documents === undefined) return [];
  if (documents.length === 0) {
    problems.push({ file, message: `is empty: it must hold one entry or a list of them, each of ${SKELETON_HINT}` });
    return [];
  }
  const entries: unknown[] = [];
  for (const document of documents) {
    if (Array.isArray(document)) entries.push(...document);
    else if (document !== null && typeof document === 'object') entries.push(document);
    else {
      problems.push({
        file,
        message: `must hold one entry object or a list of them, not ${describeType(document)}; each entry has ${SKELETON_HINT}`,
      });
    }
  }
  return entries;
}

function parseJson(file: string, text: string, problems: RosterProblem[]): unknown[] | undefined {
  if (text.trim() === '') return [];
  try {
    return [JSON.parse(text)];
  } catch (error) {
    // V8's message may quote the text around the error, which may hold personal data: keep only its
    // first clause, without the token, and say where the error is as a line and column.
    const raw = error instanceof Error ? error.message : '';
    const reason = raw
      .replace(/, ".*$/s, '')
      .replace(/( in JSON)? at position \d+.*$/s, '')
      .replace(/^Unexpected token .*$/s, 'Unexpected token');
    const position = /at position (\d+)/.exec(raw);
    const at = position ? lineAndColumn(text, Number(position[1])) : locateJsonError(text);
    problems.push({ file, message: `is not valid JSON (${reason || 'syntax error'}${at ? `, at ${at}` : ''}); fix it, or check it with a JSON linter` });
    return undefined;
  }
}

/**
 * Where JSON.parse failed, when its message does not say: the first error of the YAML parser, which
 * reads JSON too, in its JSON schema. Only its position is used; its message may quote the text.
 */
function locateJsonError(text: string): string | undefined {
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { schema: 'json', prettyErrors: false, lineCounter });
  const first = [...document.errors, ...document.warnings][0];
  if (!first) return undefined;
  const at = lineCounter.linePos(first.pos[0]);
  return `line ${at.line}, column ${at.col}`;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function parseYaml(file: string, text: string, problems: RosterProblem[]): unknown[] | undefined {
  const lineCounter = new YAML.LineCounter();
  // prettyErrors off: the pretty form quotes the offending line, which may hold personal data.
  const documents = YAML.parseAllDocuments(text, { prettyErrors: false, lineCounter });
  const found = [...documents].flatMap((document) => [...document.errors, ...document.warnings]);
  if (found.length > 0) {
    for (const error of found) {
      const at = lineCounter.linePos(error.pos[0]);
      problems.push({ file, message: `is not valid YAML: ${error.message} (${error.code}, at line ${at.line}, column ${at.col})` });
    }
    return undefined;
  }
  const values: unknown[] = [];
  for (const document of documents) {
    try {
      values.push(document.toJS({ maxAliasCount: 100 }));
    } catch (error) {
      const kind = error instanceof Error ? error.name : 'error';
      problems.push({ file, message: `is not valid YAML: an alias cannot be resolved (${kind}); define each anchor (&name) before its alias (*name)` });
      return undefined;
    }
  }
  // A YAML stream that holds only comments has one document whose content is null.
  return values.filter((value, index) => value !== null || documents[index].contents !== null);
}

interface CheckedEntry {
  readonly problems: RosterProblem[];
  /** The entry, when it has the shape of one (it may still have problems). */
  readonly entry?: RosterEntry;
  /** Identifies the user for the duplicate check: instance and UserId, or instance and Username. */
  readonly userKey?: string;
}

/** Checks one entry: keys and types here, every identity rule through the construct's own validation. */
function checkEntry(raw: unknown, file: string, entry: number, format: Format): CheckedEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      problems: [{ file, entry, message: `must be an object, not ${describeType(raw)}; each entry has ${SKELETON_HINT}` }],
    };
  }
  const object = raw as Record<string, unknown>;
  /** Problems found here, with their fields as the roster spells them. */
  const local: Problem[] = [];
  /** Fields whose problem was already reported here, so the shared rules must not report it again. */
  const reported = new Set<string>();

  for (const key of Object.keys(object)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      local.push({ field: displayKey(key), message: unknownKeyMessage(key, 'entry') });
    }
  }
  const text = (field: string, value: unknown): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    reported.add(field);
    local.push({ field, message: `must be a string, not ${describeType(value)}${format === 'yaml' ? '; quote it in YAML' : ''}` });
    return undefined;
  };
  const instanceId = text('InstanceId', object.InstanceId);
  const userId = text('UserId', object.UserId);
  const username = text('Username', object.Username);

  const identityInfo: Record<string, string> = {};
  const info = object.IdentityInfo;
  if (info !== undefined && info !== null) {
    if (typeof info !== 'object' || Array.isArray(info)) {
      reported.add('IdentityInfo');
      local.push({ field: 'IdentityInfo', message: `must be an object of ${IDENTITY_FIELDS.join(', ')}, not ${describeType(info)}` });
    } else {
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (!(IDENTITY_FIELDS as readonly string[]).includes(key)) {
          reported.add('IdentityInfo');
          local.push({ field: `IdentityInfo.${displayKey(key)}`, message: unknownKeyMessage(key, 'IdentityInfo') });
          continue;
        }
        const declared = text(`IdentityInfo.${key}`, value);
        if (declared !== undefined) identityInfo[IDENTITY_FIELD_PROPS[key as IdentityField]] = declared;
        // A field of the wrong type also leaves IdentityInfo short of what the file meant to declare.
        else if (reported.has(`IdentityInfo.${key}`)) reported.add('IdentityInfo');
      }
    }
  }

  const props = { instanceId: instanceId as string, userId, username, identityInfo: identityInfo as UserIdentityInfo };
  // The construct's own validation, one implementation of the rules; its fields are API names.
  const shared = findPropProblems(props)
    .map((problem) => ({
      field: (IDENTITY_FIELDS as readonly string[]).includes(problem.field) ? `IdentityInfo.${problem.field}` : problem.field,
      message: problem.message,
    }))
    .filter((problem) => !reported.has(problem.field));
  const all = [...local, ...shared];

  const subject = subjectOf(userId, username);
  const problems = all.map((problem) => ({ file, entry, subject, field: problem.field, message: problem.message }));

  if (instanceId === undefined || (userId === undefined) === (username === undefined)) return { problems };
  const parsed: RosterEntry = { file, entry, instanceId, userId, username, identityInfo: props.identityInfo };
  return { problems, entry: parsed, userKey: userKeyOf(parsed) };
}

/** The instance as it identifies a user: its bare ID, so an ARN and an ID of one instance are the same. */
export function instanceKeyOf(instanceId: string): string {
  return parseInstanceReference(instanceId)?.instanceId ?? instanceId;
}

function userKeyOf(entry: Pick<RosterEntry, 'instanceId' | 'userId' | 'username'>): string {
  const instance = instanceKeyOf(entry.instanceId);
  return entry.userId !== undefined ? `${instance}\0id\0${entry.userId}` : `${instance}\0name\0${entry.username}`;
}

/**
 * How a message names an entry's user: by its UserId when that is well formed (a malformed one may be
 * something else typed in the wrong place), never by its Username, which is personal data.
 */
function subjectOf(userId: string | undefined, username: string | undefined): string | undefined {
  const parts = [
    userId !== undefined && validateUserReference(userId, undefined).length === 0 ? `UserId ${userId}` : undefined,
    userId !== undefined && validateUserReference(userId, undefined).length > 0 ? 'UserId given' : undefined,
    username !== undefined ? 'Username given' : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function describeEntry(entry: RosterEntry): string {
  return `entry ${entry.entry} of ${entry.file}`;
}

export function duplicateProblem(entry: RosterEntry, earlier: RosterEntry): RosterProblem {
  const byId = entry.userId !== undefined;
  return {
    file: entry.file,
    entry: entry.entry,
    subject: subjectOf(entry.userId, entry.username),
    field: byId ? 'UserId' : 'Username',
    message: `declares the same user as ${describeEntry(earlier)} (same instance and same ${byId ? 'UserId' : 'Username'}); a user may be declared once per stack: merge the two entries`,
  };
}

/** A type as a message may name it, without the value. */
function describeType(value: unknown): string {
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

/** A key as a message may show it: as it is when plain, else quoted and cut short. */
function displayKey(key: string): string {
  if (/^[A-Za-z0-9_-]{1,40}$/.test(key)) return key;
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return JSON.stringify(shown);
}

/** What to say about an unknown key: where it belongs, or the closest known key, or the known keys. */
function unknownKeyMessage(key: string, where: 'entry' | 'IdentityInfo'): string {
  const identityField = IDENTITY_FIELDS.find((field) => field.toLowerCase() === key.toLowerCase());
  const entryKey = ENTRY_KEYS.find((field) => field.toLowerCase() === key.toLowerCase());
  if (where === 'entry' && identityField) {
    return `is not a key of an entry: it belongs inside IdentityInfo, as IdentityInfo.${identityField}`;
  }
  if (where === 'IdentityInfo' && entryKey) {
    return `is not a field of IdentityInfo: ${entryKey} belongs at the top of the entry, beside IdentityInfo`;
  }
  const known: readonly string[] = where === 'entry' ? ENTRY_KEYS : IDENTITY_FIELDS;
  const listed = `the ${where === 'entry' ? 'keys of an entry' : 'fields of IdentityInfo'} are ${known.join(', ')}`;
  const suggestion = closest(key, known);
  const kind = where === 'entry' ? 'a key of an entry' : 'a field of IdentityInfo';
  if (suggestion === undefined) return `is not ${kind}; ${listed}`;
  const caseOnly = suggestion.toLowerCase() === key.toLowerCase();
  return `is not ${kind}; did you mean ${suggestion}?${caseOnly ? ' (keys are case-sensitive)' : ''} The ${listed.slice(4)}`;
}

/** The known key nearest to `key` (case-insensitive edit distance with transpositions), if near enough. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = levenshtein(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

