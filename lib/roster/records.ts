/**
 * Records: what a parser makes of a file, before any checking. A record is one would-be entry (an
 * object from a JSON or YAML file, or a CSV row turned into the same shape) together with where it
 * came from, so that every later message can name the file, the entry or row, and the column.
 */
import { formatCount, MAX_ENTRIES } from './limits';
import { describeType, RosterProblem } from './problems';
import { RosterFormat } from './files';

/** Where a record came from. */
export interface RecordSource {
  /** The file, as the roster path was given. */
  readonly file: string;
  /** The file's format, which decides how a problem is placed (entry and field, or row and column). */
  readonly format: RosterFormat;
  /** The record's number in its file, 1 for the first. */
  readonly entry: number;
  /** A CSV row's number as a spreadsheet shows it (the header is row 1). */
  readonly row?: number;
  /** A CSV row's columns: the letter of each field's cell, by the field's API name (`Mobile` → `F`). */
  readonly columns?: ReadonlyMap<string, string>;
  /** The layout a CSV row was read with (`RosterLayout.ENTRA_ID_USERS`), if any. */
  readonly layout?: string;
}

/** A place in a file: line and column, both from 1. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a key is written, by its path from the record or document (`['IdentityInfo', key]`, and for a
 * document the entry's index first): what a message says instead of quoting a key it does not know.
 */
export type KeyLocator = (keyPath: readonly (string | number)[]) => TextPosition | undefined;

/** One would-be entry, unchecked, and where it came from. */
export interface RosterRecord {
  /** Where the record came from. */
  readonly source: RecordSource;
  /** The record as parsed: an entry object when the file is right, anything when it is not. */
  readonly value: unknown;
  /** Where each of the record's keys is written, in a JSON or YAML file. */
  readonly keyAt?: KeyLocator;
}

/** A JSON or YAML document as parsed: its value, and where its keys are written. */
export interface ParsedDocument {
  readonly value: unknown;
  readonly keyAt?: KeyLocator;
}

/**
 * Stands for an unquoted YAML `null`, `Null` or `NULL`: YAML reads it as "no value", yet it may be a
 * surname. The checks report it rather than guess.
 */
export class BareNullWord {}

/** The shape of an entry, as messages describe it. */
export const SKELETON_HINT =
  'the shape printed by `aws connect update-user-identity-info --generate-cli-skeleton`: ' +
  '{"IdentityInfo": {"FirstName": "", ...}, "UserId": "", "InstanceId": ""}';

/**
 * The records of a JSON or YAML file from its documents: each document is one entry object or a list of
 * them. A file past {@link MAX_ENTRIES} entries yields none, only a problem.
 */
export function recordsOfDocuments(file: string, format: RosterFormat, parsed: ParsedDocument[], problems: RosterProblem[]): RosterRecord[] {
  const documents = parsed.map((document) => document.value);
  if (documents.length === 0) {
    problems.push({ file, message: `is empty: it must hold one entry or a list of them, each of ${SKELETON_HINT}` });
    return [];
  }
  const count = documents.reduce<number>((sum, document) => sum + (Array.isArray(document) ? document.length : 1), 0);
  if (count > MAX_ENTRIES) {
    problems.push({
      file,
      message: `holds ${formatCount(count)} entries; a roster file may hold at most ${formatCount(MAX_ENTRIES)}, more than one stack can declare: split it`,
    });
    return [];
  }
  const records: RosterRecord[] = [];
  const add = (value: unknown, keyAt: KeyLocator | undefined) =>
    records.push({ source: { file, format, entry: records.length + 1 }, value, ...(keyAt ? { keyAt } : {}) });
  for (const { value: document, keyAt } of parsed) {
    if (Array.isArray(document)) document.forEach((value, index) => add(value, keyAt && ((keyPath) => keyAt([index, ...keyPath]))));
    else if (document !== null && typeof document === 'object' && !(document instanceof BareNullWord)) add(document, keyAt);
    else {
      problems.push({
        file,
        message: `must hold one entry object or a list of them, not ${describeType(document instanceof BareNullWord ? null : document)}; each entry has ${SKELETON_HINT}`,
      });
    }
  }
  return records;
}
