/**
 * Layouts: how to read a CSV file that another tool wrote (Amazon Connect's "Add users in bulk" template,
 * an identity provider's export) as a roster. A layout names, for each field, the column that holds it;
 * every other column of the file is ignored, and its cells are never read into a record, an entry, a
 * declaration file or a message. Headers are matched as a roster's own are: ignoring case, spaces, `_`
 * and `-`.
 *
 * The known layouts and where their headers come from are listed in the README ("From the files you
 * already have").
 */
import { IdentityField } from '../identity-rules';

/**
 * Which column of a CSV file holds which field, by the column's header (matched ignoring case, spaces,
 * `_` and `-`). A field left out is not read from the file. At least one of `username` and `userId`, and
 * at least one identity field, must be given.
 */
export interface RosterColumns {
  /**
   * The column of the instance ID or ARN. A row whose cell is empty belongs to the instance given with
   * the `instanceId` option of `Roster.fromPath`.
   * @default - a column named `InstanceId`, when the file has one
   */
  readonly instanceId?: string;
  /**
   * The column of the Connect user ID.
   * @default - users are named by `username`
   */
  readonly userId?: string;
  /**
   * The column of the Connect username (the login), looked up at deploy time.
   * @default - users are named by `userId`
   */
  readonly username?: string;
  /**
   * The column of the first name.
   * @default - not read
   */
  readonly firstName?: string;
  /**
   * The column of the last name.
   * @default - not read
   */
  readonly lastName?: string;
  /**
   * The column of the email address.
   * @default - not read
   */
  readonly email?: string;
  /**
   * The column of the secondary email address.
   * @default - not read
   */
  readonly secondaryEmail?: string;
  /**
   * The column of the mobile number.
   * @default - not read
   */
  readonly mobile?: string;
}

/** A field a layout reads: the entry's IDs, and the identity fields. */
export type LayoutField = 'InstanceId' | 'UserId' | 'Username' | IdentityField;

/** One column a layout reads. */
export interface LayoutColumn {
  readonly field: LayoutField;
  /** The headers the column may have (the first is its usual one). */
  readonly headers: readonly string[];
  /** Whether a file without it is not a file of this layout. */
  readonly required: boolean;
}

/** The props of {@link RosterColumns}, by the field each names. */
const COLUMN_PROPS: readonly (readonly [keyof RosterColumns, LayoutField])[] = [
  ['instanceId', 'InstanceId'],
  ['userId', 'UserId'],
  ['username', 'Username'],
  ['firstName', 'FirstName'],
  ['lastName', 'LastName'],
  ['email', 'Email'],
  ['secondaryEmail', 'SecondaryEmail'],
  ['mobile', 'Mobile'],
];

/**
 * How a CSV file's columns map to a roster's fields: one of the layouts of the files admins already
 * have, or a map of your own ([RosterLayout.fromColumns](#connect-user-identity.RosterLayout.fromColumns)).
 * Give it to [Roster.fromPath](#connect-user-identity.Roster.fromPath) with `layout`.
 *
 * With a layout, columns it does not read are ignored (a `password` column too: it is never read), and a
 * row with nothing to declare is skipped and counted (`Roster.skippedRows`). Without one, a CSV roster
 * uses the API's names, and an unknown column is an error.
 */
export class RosterLayout {
  /**
   * Amazon Connect's "Add users in bulk" template (Users > User management > Add new users > Upload my
   * users from a template), either variant, as Excel saves it: `user login` is the Username,
   * `first name` and `last name` the names, and `email address`, `secondary email` and `mobile` are read
   * when the file has them. `password`, the routing and security profiles, the hierarchy, the phone
   * settings and the tags are ignored. (`phone number` is a desk phone's number, not `Mobile`.)
   */
  public static readonly CONNECT_BULK_UPLOAD = new RosterLayout('RosterLayout.CONNECT_BULK_UPLOAD', 'Amazon Connect\'s "Add users in bulk" template', [
    { field: 'Username', headers: ['user login'], required: true },
    { field: 'FirstName', headers: ['first name'], required: true },
    { field: 'LastName', headers: ['last name'], required: true },
    { field: 'Email', headers: ['email address'], required: false },
    { field: 'SecondaryEmail', headers: ['secondary email'], required: false },
    { field: 'Mobile', headers: ['mobile'], required: false },
  ]);

  /**
   * Microsoft Entra ID's "Download users" (Users > Download users): `userPrincipalName` is the Username,
   * `givenName` and `surname` the names, `mail` the Email, and `mobilePhone` (`mobile` in older exports)
   * the Mobile. Every other column is ignored, `accountEnabled` too: a disabled account's row declares
   * its names like any other, and nothing in Connect is disabled or deleted.
   */
  public static readonly ENTRA_ID_USERS = new RosterLayout('RosterLayout.ENTRA_ID_USERS', 'a Microsoft Entra ID "Download users" export', [
    { field: 'Username', headers: ['userPrincipalName'], required: true },
    { field: 'FirstName', headers: ['givenName'], required: true },
    { field: 'LastName', headers: ['surname'], required: true },
    { field: 'Email', headers: ['mail'], required: false },
    { field: 'Mobile', headers: ['mobilePhone', 'mobile'], required: false },
  ]);

  /**
   * Okta's user CSV, with the attribute names of Okta's user profile as headers (the template of
   * Directory > People > Import Users from CSV, and exports made in its shape): `login` is the Username,
   * `firstName` and `lastName` the names, `email`, `secondEmail` and `mobilePhone` the Email,
   * SecondaryEmail and Mobile. Every other column is ignored, `status` too.
   */
  public static readonly OKTA_USERS = new RosterLayout('RosterLayout.OKTA_USERS', "an Okta user CSV", [
    { field: 'Username', headers: ['login'], required: true },
    { field: 'FirstName', headers: ['firstName'], required: true },
    { field: 'LastName', headers: ['lastName'], required: true },
    { field: 'Email', headers: ['email'], required: false },
    { field: 'SecondaryEmail', headers: ['secondEmail'], required: false },
    { field: 'Mobile', headers: ['mobilePhone'], required: false },
  ]);

  /**
   * A layout of your own: the column of each field, by its header. Each named column must be in the
   * file; every other column is ignored.
   *
   * To change one field of a known layout, start from its columns:
   * `RosterLayout.fromColumns({ ...RosterLayout.ENTRA_ID_USERS.columns, email: undefined })`.
   */
  public static fromColumns(columns: RosterColumns): RosterLayout {
    const read: LayoutColumn[] = [];
    for (const [prop, field] of COLUMN_PROPS) {
      const header = columns[prop];
      if (header !== undefined) read.push({ field, headers: [header], required: true });
    }
    return new RosterLayout('RosterLayout.fromColumns', 'the layout given with RosterLayout.fromColumns', read);
  }

  /** How messages name the layout: `RosterLayout.ENTRA_ID_USERS`, or `RosterLayout.fromColumns`. */
  public readonly name: string;
  /** The column of each field the layout reads, by its usual header. */
  public readonly columns: RosterColumns;
  /** What files of this layout are, for messages. @internal */
  public readonly _source: string;
  /** The columns the layout reads. @internal */
  public readonly _columns: readonly LayoutColumn[];

  private constructor(name: string, source: string, columns: readonly LayoutColumn[]) {
    this.name = name;
    this._source = source;
    this._columns = columns;
    const byField: Record<string, string> = {};
    for (const [prop, field] of COLUMN_PROPS) {
      const column = columns.find((each) => each.field === field);
      if (column) byField[prop] = column.headers[0];
    }
    this.columns = byField as RosterColumns;
  }
}

/** A header as it is compared: `First Name`, `first_name` and `FirstName` are one column. */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[\s_-]/g, '');
}

/** The layouts a file may be recognized as, to suggest one when the given layout does not fit. */
export const KNOWN_LAYOUTS: readonly RosterLayout[] = [RosterLayout.CONNECT_BULK_UPLOAD, RosterLayout.ENTRA_ID_USERS, RosterLayout.OKTA_USERS];
