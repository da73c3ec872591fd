/**
 * A roster file's text, in the format its name asks for, that `Roster.load` reads back as the same
 * declarations:
 * - CSV: a header row of the API's names, one user per row, RFC 4180 quoting (csv-stringify), a UTF-8
 *   byte order mark (without one, Excel on Windows reads UTF-8 as an older encoding, and saving the sheet
 *   would change every accented letter), and the spreadsheets' text marker before any value a
 *   spreadsheet would execute or read as a number, date or boolean (lib/roster/text-marker.ts).
 * - JSON: a list of entries in the shape of `--generate-cli-skeleton`.
 * - YAML: the same list, each value quoted where YAML would read it as anything but the same text.
 */
import { stringify as csvStringify } from 'csv-stringify/sync';
import * as YAML from 'yaml';
import { IdentityField, IdentityRecord } from '../lib/identity-rules';
import { RosterFormat } from '../lib/roster/files';
import { markAsText } from '../lib/roster/text-marker';

/** One user as exported: the API's names, the declared fields only. */
export interface ExportedUser {
  readonly InstanceId: string;
  readonly UserId: string;
  readonly IdentityInfo: IdentityRecord;
}

/** The file's bytes for `users`, with a column for each of `fields` in a CSV file. */
export function rosterText(format: RosterFormat, users: readonly ExportedUser[], fields: readonly IdentityField[]): string {
  switch (format) {
    case 'csv': {
      const columns = ['InstanceId', 'UserId', ...fields];
      // IDs are never read as anything but text; identity values may be.
      const rows = users.map((user) => [user.InstanceId, user.UserId, ...fields.map((field) => markAsText(user.IdentityInfo[field] ?? ''))]);
      return csvStringify(rows, { header: true, columns, bom: true, record_delimiter: 'unix' });
    }
    case 'json':
      return `${JSON.stringify(users.map(skeletonOrder), null, 2)}\n`;
    case 'yaml':
      // No line folding: a value stays on one line, as written.
      return YAML.stringify(users.map(skeletonOrder), { lineWidth: 0 });
  }
}

/** The keys in the order `--generate-cli-skeleton` prints them. */
function skeletonOrder(user: ExportedUser): ExportedUser {
  return { IdentityInfo: user.IdentityInfo, UserId: user.UserId, InstanceId: user.InstanceId };
}
