/**
 * Checking records: keys and types here, the mistakes of spreadsheets in value-mistakes.ts, and every
 * rule of the construct through its own validation (`findPropProblems`), so that a roster entry and a
 * hand-written `ConnectUserIdentity` are held to the same rules. A record that passes becomes a
 * {@link RosterEntry}.
 */
import { findPropProblems, IDENTITY_FIELD_PROPS, UserIdentityInfo } from '../connect-user-identity';
import { IDENTITY_FIELDS, IdentityField, Problem, validateUserReference } from '../identity-rules';
import { RosterEntry, userKeyOf } from './entry';
import { RosterFormat } from './files';
import { closest, describeType, RosterProblem } from './problems';
import { BareNullWord, RecordSource, RosterRecord, SKELETON_HINT, TextPosition } from './records';
import { normalizeMobileNumber } from './phone-numbers';
import { findValueMistakes, ValueField } from './value-mistakes';

/** What a record is checked with, from the options the roster is read with (options.ts). */
export interface RecordContext {
  /** The instance of a record that names none. */
  readonly instanceId?: string;
  /** Set when each Mobile is read as a formatted number and declared in E.164. */
  readonly formattedNumbers?: { readonly defaultCountry?: string };
}

/** The top-level keys of an entry: the CLI skeleton's three, and `Username` in place of `UserId`. */
export const ENTRY_KEYS = ['IdentityInfo', 'UserId', 'Username', 'InstanceId'] as const;

const NULL_WORD_MESSAGE =
  'is the unquoted word null, which YAML reads as "no value" although it may be a name: quote the value to declare it ' +
  'as text, or leave it empty to leave the field undeclared';

/** A checked record: its problems, and the entry when it names a user. */
export interface CheckedRecord {
  readonly problems: RosterProblem[];
  /** The entry, when it has the shape of one (it may still have problems). */
  readonly entry?: RosterEntry;
  /** Identifies the user for the duplicate check (see {@link userKeyOf}). */
  readonly userKey?: string;
}

/** Checks one record: its keys and types, the mistakes in its values, and the construct's rules. */
export function checkRecord(record: RosterRecord, context: RecordContext = {}): CheckedRecord {
  const { source } = record;
  const raw = record.value instanceof BareNullWord ? null : record.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const message = `must be an object, not ${describeType(raw)}${gluedKeyHint(raw, source.format)}; each entry has ${SKELETON_HINT}`;
    return { problems: [locate(source, undefined, { field: '', message })] };
  }
  const object = raw as Record<string, unknown>;
  /** Problems found here, with their fields as the roster spells them. */
  const local: Problem[] = [];
  /** Fields whose problem was already reported here, so the shared rules must not report it again. */
  const reported = new Set<string>();

  for (const [key, value] of Object.entries(object)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) local.push(unknownKeyProblem(key, value, 'entry', source.format, record.keyAt?.([key])));
  }
  /** A declared text value, or `undefined` (reporting why, when it is not a blank one). */
  const text = (field: string, name: ValueField, value: unknown): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    const problems =
      value instanceof BareNullWord
        ? [NULL_WORD_MESSAGE]
        : typeof value === 'string'
          ? findValueMistakes(name, value, source.format, name === 'Mobile' && context.formattedNumbers !== undefined)
          : [`must be a string, not ${describeType(value)}${source.format === 'json' ? '; write it in double quotes' : ''}`];
    if (problems.length === 0) return value as string;
    reported.add(field);
    local.push(...problems.map((message) => ({ field, message })));
    return undefined;
  };
  // A record without an instance of its own belongs to the option's; one whose value was refused does not.
  const instanceId = text('InstanceId', 'InstanceId', object.InstanceId) ?? (reported.has('InstanceId') ? undefined : context.instanceId);
  const userId = text('UserId', 'UserId', object.UserId);
  const username = text('Username', 'Username', object.Username);
  if (source.layout !== undefined && userId === undefined && username === undefined && !reported.has('UserId') && !reported.has('Username')) {
    // A layout's row with values but no user: name the layout's user column, not the API's rule.
    const field = source.columns?.has('Username') ? 'Username' : 'UserId';
    reported.add('UserId');
    local.push({ field, message: 'is empty, but the row declares other fields: fill it in, or clear the row' });
  }

  const identityInfo: Record<string, string> = {};
  const info = object.IdentityInfo instanceof BareNullWord ? null : object.IdentityInfo;
  if (info !== undefined && info !== null) {
    if (typeof info !== 'object' || Array.isArray(info)) {
      reported.add('IdentityInfo');
      local.push({ field: 'IdentityInfo', message: `must be an object of ${IDENTITY_FIELDS.join(', ')}, not ${describeType(info)}${gluedKeyHint(info, source.format)}` });
    } else {
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (!(IDENTITY_FIELDS as readonly string[]).includes(key)) {
          reported.add('IdentityInfo');
          local.push(unknownKeyProblem(key, value, 'IdentityInfo', source.format, record.keyAt?.(['IdentityInfo', key])));
          continue;
        }
        let declared = text(`IdentityInfo.${key}`, key as IdentityField, value);
        if (declared !== undefined && key === 'Mobile' && context.formattedNumbers) {
          const read = normalizeMobileNumber(declared, context.formattedNumbers.defaultCountry);
          if ('problem' in read) {
            reported.add('IdentityInfo.Mobile');
            local.push({ field: 'IdentityInfo.Mobile', message: read.problem });
            declared = undefined;
          } else declared = read.e164;
        }
        if (declared !== undefined) identityInfo[IDENTITY_FIELD_PROPS[key as IdentityField]] = declared;
        // A field reported here also leaves IdentityInfo short of what the file meant to declare.
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

  const subject = subjectOf(userId, username);
  const problems = [...local, ...shared].map((problem) => locate(source, subject, problem));

  if (instanceId === undefined || (userId === undefined) === (username === undefined)) return { problems };
  const entry: RosterEntry = {
    file: source.file,
    entry: source.entry,
    ...(source.row !== undefined ? { row: source.row } : {}),
    instanceId,
    userId,
    username,
    identityInfo: props.identityInfo,
  };
  return { problems, entry, userKey: userKeyOf(entry) };
}

/** The problem of an entry that names the same user as an earlier one. */
export function duplicateProblem(entry: RosterEntry, earlier: RosterEntry): RosterProblem {
  const byId = entry.userId !== undefined;
  return {
    file: entry.file,
    entry: entry.entry,
    ...(entry.row !== undefined ? { row: entry.row } : {}),
    subject: subjectOf(entry.userId, entry.username),
    field: byId ? 'UserId' : 'Username',
    message: `declares the same user as ${describeEntry(earlier)} (same instance and same ${byId ? 'UserId' : 'Username'}); a user may be declared once per stack: merge the two entries`,
  };
}

function describeEntry(entry: RosterEntry): string {
  return entry.row !== undefined ? `row ${entry.row} of ${entry.file}` : `entry ${entry.entry} of ${entry.file}`;
}

/**
 * A problem placed in its file: by entry and field for JSON and YAML; by row, column and the column's
 * name for CSV, where a field `IdentityInfo.Mobile` is the column `Mobile`.
 */
function locate(source: RecordSource, subject: string | undefined, problem: Problem): RosterProblem {
  const placed = {
    file: source.file,
    entry: source.entry,
    ...(source.row !== undefined ? { row: source.row } : {}),
    ...(subject !== undefined ? { subject } : {}),
  };
  if (source.format !== 'csv') return { ...placed, ...(problem.field ? { field: problem.field } : {}), message: problem.message };
  const name = problem.field.replace(/^IdentityInfo\.?/, '');
  const column = source.columns?.get(name);
  return { ...placed, ...(name ? { field: name } : {}), ...(column ? { column } : {}), message: problem.message };
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

/** Every key name a roster knows, at any level. */
const KNOWN_KEYS: readonly string[] = [...ENTRY_KEYS, ...IDENTITY_FIELDS];

/**
 * The known key that a text starts with, followed by `:` and more, as YAML reads `FirstName:Mary` (no
 * space after the colon): one key, or one string, instead of a key and its value.
 */
function gluedKey(text: string): string | undefined {
  return KNOWN_KEYS.find((known) => text.length > known.length + 1 && text.toLowerCase().startsWith(`${known.toLowerCase()}:`));
}

/** A hint for a YAML string that holds a key glued to its value, without quoting it. */
function gluedKeyHint(value: unknown, format: RosterFormat): string {
  const known = format === 'yaml' && typeof value === 'string' ? gluedKey(value) : undefined;
  return known === undefined ? '' : ` (it reads as text that starts with ${known}: and goes on without a space: YAML needs a space after each colon, as in ${known}: value)`;
}

/**
 * An unknown key, told without showing it: keys the loader does not know are text of the file, and may
 * be a value typed in the wrong place (`FirstName:Mary`, `LastName Majorova`) or a person's name
 * (`mary: {...}`). A message says where the key is written, where it belongs, or which known key it is
 * closest to; a known key name is the only text it shows.
 */
function unknownKeyProblem(key: string, value: unknown, where: 'entry' | 'IdentityInfo', format: RosterFormat, at: TextPosition | undefined): Problem {
  const kind = where === 'entry' ? 'a key of an entry' : 'a field of IdentityInfo';
  const known: readonly string[] = where === 'entry' ? ENTRY_KEYS : IDENTITY_FIELDS;
  const listed = `${where === 'entry' ? 'keys of an entry' : 'fields of IdentityInfo'} are ${known.join(', ')}`;
  const place = at ? ` (at line ${at.line}, column ${at.column})` : '';
  const field = where === 'entry' ? '' : 'IdentityInfo';
  /** A known name the key is, in any letter case, and how the message names it. */
  const sameName = (names: readonly string[]) => {
    const name = names.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
    return name === undefined ? undefined : name === key ? `the key ${name}` : `the key ${name} written in other letter case`;
  };
  const identityField = where === 'entry' ? IDENTITY_FIELDS.find((name) => name.toLowerCase() === key.toLowerCase()) : undefined;
  if (identityField) {
    return { field, message: `has ${sameName(IDENTITY_FIELDS)}${place}, which is not a key of an entry: it belongs inside IdentityInfo, as IdentityInfo.${identityField}` };
  }
  const entryKey = where === 'IdentityInfo' ? ENTRY_KEYS.find((name) => name.toLowerCase() === key.toLowerCase()) : undefined;
  if (entryKey) {
    return { field, message: `has ${sameName(ENTRY_KEYS)}${place}, which is not a field of IdentityInfo: ${entryKey} belongs at the top of the entry, beside IdentityInfo` };
  }
  if (format === 'yaml') {
    const glued = gluedKey(key);
    if (glued !== undefined) {
      return { field, message: `has a key${place} that starts with ${glued}: and goes on without a space: YAML needs a space after the colon, as in ${glued}: value` };
    }
    const unseparated = KNOWN_KEYS.find((name) => new RegExp(`^${name}\\s+\\S`, 'i').test(key));
    if (unseparated !== undefined && (value === null || value instanceof BareNullWord)) {
      return { field, message: `has a key${place} that starts with ${unseparated} and a space, and no value: the colon after ${unseparated} is missing, as in ${unseparated}: value` };
    }
  }
  const suggestion = closest(key, known);
  if (suggestion !== undefined) {
    const caseOnly = suggestion.toLowerCase() === key.toLowerCase();
    return { field, message: `has a key${place} that is not ${kind}; did you mean ${suggestion}?${caseOnly ? ' (keys are case-sensitive)' : ''} The ${listed}` };
  }
  if (value !== null && typeof value === 'object' && !(value instanceof BareNullWord)) {
    const shape = where === 'entry' ? ' A file holds one entry or a list of entries, not entries keyed by name.' : '';
    return { field, message: `has a key${place} that is not ${kind}, whose value is ${describeType(value)}.${shape} The ${listed}` };
  }
  return { field, message: `has a key${place} that is not ${kind}; the ${listed}` };
}
