/**
 * The options a roster is read with (`Roster.fromPath(path, options)`), checked once for the whole roster:
 * a mistake in an option is one problem, not one per entry, and a roster read with a wrong option reads
 * nothing.
 */
import { isDeployTimeValue } from '../connect-user-identity';
import { RecordContext } from './check';
import { validateInstanceReference } from '../identity-rules';
import { KNOWN_LAYOUTS, normalizeHeader, RosterLayout } from './layouts';
import { isKnownCountry } from './phone-numbers';
import { displayKey, RosterProblem } from './problems';

/** Options of [Roster.fromPath](#connect-user-identity.Roster.fromPath) and [Roster.check](#connect-user-identity.Roster.check). */
export interface RosterLoadOptions {
  /**
   * The instance (its ID or ARN) of every entry that names none: a CSV file without an `InstanceId`
   * column, a row whose `InstanceId` cell is empty, a JSON or YAML entry without the key. An entry that
   * names an instance keeps it. Must be known at synth (not a token).
   * @default - every entry names its instance
   */
  readonly instanceId?: string;
  /**
   * How to read CSV files that another tool wrote: Amazon Connect's bulk-upload template, an identity
   * provider's export, or columns of your own. Columns the layout does not read are ignored (never read
   * into anything), and rows with nothing to declare are skipped and counted. JSON and YAML files cannot
   * be read with a layout.
   * @default - CSV files name their columns by the API's names, and an unknown column is an error
   */
  readonly layout?: RosterLayout;
  /**
   * Whether to read each `Mobile` as people write phone numbers (`+1 (206) 555-0100`,
   * `0044 7400 123456`, `07400 123456` with a `defaultCountry`) and declare it in E.164
   * (`+12065550100`). A number that cannot be read with certainty (a digit too many or too few, a range no
   * operator uses, an extension, letters, no country code and no `defaultCountry`) is an error naming
   * its cell. A number already in E.164 is kept as it is.
   * @default false - `Mobile` must be written in E.164
   */
  readonly normalizeMobileNumbers?: boolean;
  /**
   * With `normalizeMobileNumbers`: the country of numbers written without their country code, as a
   * two-letter ISO 3166-1 code in capitals (`US`, `GB`, `DE`). Its international prefix is read too
   * (`0044 ...` with `GB`, `011 44 ...` with `US`).
   * @default - a number without its country code is an error
   */
  readonly defaultCountry?: string;
}

/** The options as the reading of each file uses them, once checked: how its CSV columns are read, and what each record is checked with. */
export interface ReadContext extends RecordContext {
  readonly layout?: RosterLayout;
}

/**
 * The options as a {@link ReadContext}, or `undefined` with a problem (against the roster path) for
 * each mistake in them.
 */
export function readContextOf(rosterPath: string, options: RosterLoadOptions, problems: RosterProblem[]): ReadContext | undefined {
  const found: string[] = [];
  const { instanceId, layout, normalizeMobileNumbers, defaultCountry } = options;
  if (instanceId !== undefined) {
    if (typeof instanceId !== 'string' || instanceId === '') {
      found.push('is loaded with an empty instanceId option: give the instance ID or ARN, or leave the option out');
    } else if (isDeployTimeValue(instanceId)) {
      found.push(
        'is loaded with an instanceId option only known at deploy time (a token or a dynamic reference): a roster file is read ' +
          'at synth, so give the instance ID or ARN itself (from cdk.json context, say)',
      );
    } else {
      // The option is the developer's own text, but may be a value typed in the wrong place: not repeated.
      found.push(...validateInstanceReference(instanceId).map((problem) => `is loaded with an instanceId option that ${problem.message}`));
    }
  }
  if (layout !== undefined) {
    if (!(layout instanceof RosterLayout)) {
      found.push(`is loaded with a layout that is not a RosterLayout: give one of ${KNOWN_LAYOUTS.map((known) => known.name).join(', ')}, or RosterLayout.fromColumns(...)`);
    } else {
      found.push(...layoutProblems(layout));
    }
  }
  if (defaultCountry !== undefined) {
    if (!normalizeMobileNumbers) {
      found.push('is loaded with a defaultCountry but without normalizeMobileNumbers, which it is for: set normalizeMobileNumbers too, or leave defaultCountry out');
    } else if (typeof defaultCountry !== 'string' || !isKnownCountry(defaultCountry)) {
      found.push('is loaded with a defaultCountry that is not a two-letter country code (ISO 3166-1, in capitals: US, GB, DE, ...) whose phone numbers can be read');
    }
  }
  if (found.length > 0) {
    problems.push(...found.map((message) => ({ file: rosterPath, message })));
    return undefined;
  }
  return {
    ...(instanceId !== undefined ? { instanceId } : {}),
    ...(layout !== undefined ? { layout } : {}),
    ...(normalizeMobileNumbers ? { formattedNumbers: defaultCountry !== undefined ? { defaultCountry } : {} } : {}),
  };
}

/** What is wrong with a layout of one's own: no user column, no identity column, a header empty or given twice. */
function layoutProblems(layout: RosterLayout): string[] {
  const found: string[] = [];
  const columns = layout._columns;
  const withLayout = `is loaded with ${layout.name}`;
  for (const column of columns) {
    if (typeof column.headers[0] !== 'string' || normalizeHeader(column.headers[0]) === '') {
      found.push(`${withLayout}, whose column of ${column.field} is empty: give the header of the column, or leave the field out`);
    }
  }
  const byHeader = new Map<string, string>();
  for (const column of columns) {
    const header = typeof column.headers[0] === 'string' ? normalizeHeader(column.headers[0]) : '';
    if (header === '') continue;
    const earlier = byHeader.get(header);
    if (earlier !== undefined) {
      found.push(`${withLayout}, which reads the column ${displayKey(column.headers[0])} as both ${earlier} and ${column.field}: a column fills one field; give each field its own column`);
    } else byHeader.set(header, column.field);
  }
  if (!columns.some((column) => column.field === 'UserId' || column.field === 'Username')) {
    found.push(`${withLayout}, which names no column of the user: give username (the Connect login) or userId`);
  }
  if (!columns.some((column) => !['InstanceId', 'UserId', 'Username'].includes(column.field))) {
    found.push(`${withLayout}, which names no identity column: give at least one of firstName, lastName, email, secondaryEmail, mobile`);
  }
  return found;
}
