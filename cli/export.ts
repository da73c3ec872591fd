/**
 * `export`: a roster file of an instance's users as Connect holds them, ready for `Roster.load`, so that
 * the first deploy of it changes nothing.
 *
 * Reading: DescribeInstance (the identity management type decides which fields can be managed), then
 * ListUsers a page of 1,000 at a time, then DescribeUser for each chosen user, every call paced per
 * operation by the library's pacer. Writing: each value goes through the loader's own checks first; a
 * value the loader would refuse (a spreadsheet's junk, a control character...) is left out and named by
 * user ID and field, so that the file always loads. The file is then written whole or not at all, read
 * back with `Roster.load` and compared with what was read from Connect before it takes its name.
 */
import { DescribeInstanceCommand, DescribeUserCommand, UserIdentityInfo } from '@aws-sdk/client-connect';
import { isDeepStrictEqual } from 'node:util';
import { describeInstance } from '../core/failure-reasons';
import { UserFailed } from '../core/paced-calls';
import { ListedUser, listUsers } from '../core/user-listing';
import { acceptsField, hasInstanceIdShape, IDENTITY_FIELDS, IdentityField, IdentityManagementType, IdentityRecord, parseInstanceReference } from '../lib/identity-rules';
import { Roster, RosterError } from '../lib/roster';
import { checkRecord } from '../lib/roster/check';
import { declarationOf } from '../lib/roster/entry';
import { formatOf, RosterFormat } from '../lib/roster/files';
import { formatCount, MAX_ENTRIES } from '../lib/roster/limits';
import { CliError, EXIT } from './errors';
import { checkTarget, writePrivateFile } from './private-file';
import { Progress } from './progress';
import { ExportedUser, rosterText } from './roster-writer';
import { ConnectSession, explainRunFailure, forEachPooled, resolveRegion } from './session';
import { readUsersFile, selectUsers } from './users-file';

/** DescribeUser calls waiting for their slot at once: the pacer, not this, sets the pace. */
const CONCURRENCY = 32;

/** The options of `export`, as parsed from its command line. */
export interface ExportOptions {
  /** `--instance`: an instance ID or ARN. */
  readonly instance: string;
  /** `--out`: the file to write; its extension chooses the format. */
  readonly out: string;
  readonly region?: string;
  /** `--fields`: API field names, comma-separated. */
  readonly fields?: string;
  /** `--users`: a file of user IDs or usernames. */
  readonly users?: string;
  readonly force?: boolean;
  readonly throttleTimeout?: number;
}

/** A value the loader would refuse, left out of the file: by user ID and field, with the loader's message. */
export interface ValueLeftOut {
  readonly userId: string;
  readonly field: IdentityField;
  readonly message: string;
}

/** What an export wrote, for its summary. */
export interface ExportResult {
  readonly users: number;
  readonly fields: readonly IdentityField[];
  /** Users left out because Connect holds none of the chosen fields for them. */
  readonly nothingToDeclare: number;
  /** Users listed, then deleted before they were read. */
  readonly gone: number;
  readonly valuesLeftOut: readonly ValueLeftOut[];
  /** Users left out because every value they have is one the loader would refuse. */
  readonly usersLeftOut: number;
  readonly requests: number;
  readonly throttled: number;
  readonly seconds: number;
}

/** Runs `export`, writing its progress and summary on stderr. */
export async function runExport(options: ExportOptions, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  const format = formatOf(options.out);
  if (format === undefined) throw new CliError('--out must name a file ending in .csv, .json, .yaml or .yml: its extension chooses the format.');
  checkTarget(options.out, options.force ?? false);
  const reference = parseInstanceReference(options.instance);
  if (!reference || !hasInstanceIdShape(reference.instanceId)) {
    throw new CliError('--instance is neither an instance ID (8-4-4-4-12 letters and digits) nor an instance ARN (arn:aws:connect:<region>:<account>:instance/<ID>).');
  }
  const requested = options.fields === undefined ? undefined : parseFields(options.fields);
  const selectors = options.users === undefined ? undefined : readUsersFile(options.users);
  const region = await resolveRegion({ explicit: options.region, fromArn: reference.region });

  const startedAt = Date.now();
  const session = new ConnectSession(options.throttleTimeout);
  const context = { command: 'export' as const, instance: options.instance, region };
  try {
    const client = session.client(region);
    const instanceId = reference.instanceId;
    const described = await session.call('DescribeInstance', (signal) => client.send(new DescribeInstanceCommand({ InstanceId: instanceId }), { abortSignal: signal }));
    const type = described.Instance?.IdentityManagementType;
    if (type !== 'CONNECT_MANAGED' && type !== 'SAML' && type !== 'EXISTING_DIRECTORY') {
      throw new CliError(`DescribeInstance reported no identity management type that this tool knows for ${describeInstance(instanceId)}.`);
    }
    const fields = chooseFields(requested, type);
    // The ARN pins the roster to the region and account it was read from.
    const arn = described.Instance?.Arn;
    const rosterInstance = arn !== undefined && parseInstanceReference(arn)?.instanceId === instanceId ? arn : options.instance;
    stderr.write(`Reading ${describeInstance(instanceId)} in ${region} (${type}): ${fields.join(', ')}\n`);

    const listed: ListedUser[] = [];
    for await (const page of listUsers(session, client, instanceId)) listed.push(...page);
    const chosen = (selectors ? selectUsers(listed, selectors, options.users!) : listed).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

    const held: (UserIdentityInfo | undefined)[] = chosen.map(() => undefined);
    let gone = 0;
    const progress = new Progress('Users read', chosen.length, stderr);
    try {
      await forEachPooled(chosen, CONCURRENCY, session, async (user, index) => {
        try {
          const answer = await session.call('DescribeUser', (signal) =>
            client.send(new DescribeUserCommand({ InstanceId: instanceId, UserId: user.userId }), { abortSignal: signal }),
          );
          held[index] = answer.User?.IdentityInfo ?? {};
        } catch (error) {
          // Deleted since it was listed: there is nothing to declare for it.
          if (!(error instanceof UserFailed && error.kind === 'user-not-found')) throw error;
          gone++;
        }
        progress.tick();
      });
    } finally {
      progress.stop();
    }

    const built = buildRoster(chosen, held, fields, rosterInstance, options.out);
    if (built.users.length === 0) {
      throw new CliError(`No user of ${describeInstance(instanceId)} holds a value of ${fields.join(', ')} to declare: nothing was written.`);
    }
    if (built.users.length > MAX_ENTRIES) {
      throw new CliError(
        `${formatCount(built.users.length)} users have something to declare, more than a roster file may hold (${formatCount(MAX_ENTRIES)}): ` +
          'export them in parts with --users, and nothing was written.',
      );
    }
    writePrivateFile(options.out, rosterText(format, built.users, fields), {
      force: options.force ?? false,
      verify: (file) => verifyRoundTrip(file, built.users),
    });

    const stats = Object.values(session.stats());
    const result: ExportResult = {
      users: built.users.length,
      fields,
      nothingToDeclare: built.nothingToDeclare,
      gone,
      valuesLeftOut: built.valuesLeftOut,
      usersLeftOut: built.usersLeftOut,
      requests: stats.reduce((sum, each) => sum + each.sent, 0),
      throttled: stats.reduce((sum, each) => sum + each.throttled, 0),
      seconds: (Date.now() - startedAt) / 1000,
    };
    stderr.write(exportSummary(options.out, format, result));
    return EXIT.ok;
  } catch (error) {
    throw explainRunFailure(error, session, context);
  } finally {
    session.close();
  }
}

/** The fields `--fields` names, by their API names (any letter case). */
export function parseFields(text: string): IdentityField[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const fields: IdentityField[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const field = IDENTITY_FIELDS.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (field === undefined) unknown.push(name);
    else if (!fields.includes(field)) fields.push(field);
  }
  if (unknown.length > 0 || fields.length === 0) {
    throw new CliError(`--fields takes one or more of ${IDENTITY_FIELDS.join(', ')}, separated by commas${unknown.length > 0 ? `; ${unknown.length} of the names given ${unknown.length === 1 ? 'is' : 'are'} none of them` : ''}.`);
  }
  return IDENTITY_FIELDS.filter((field) => fields.includes(field));
}

/** The fields to export: those asked for, or every field the instance's type lets the API write. */
export function chooseFields(requested: readonly IdentityField[] | undefined, type: IdentityManagementType): IdentityField[] {
  const writable = IDENTITY_FIELDS.filter((field) => acceptsField(type, field));
  if (requested === undefined) return writable;
  const refused = requested.filter((field) => !writable.includes(field));
  if (refused.length > 0) {
    throw new CliError(
      `--fields: the instance's identity management type is ${type}, on which ${refused.join(', ')} cannot be managed through the API ` +
        `(${type === 'SAML' ? 'the identity provider owns Email' : 'the directory owns FirstName, LastName and Email'}); choose among ${writable.join(', ')}.`,
    );
  }
  return [...requested];
}

/**
 * The users to write, each with the chosen fields Connect holds a value for, less the values the loader
 * would refuse (by the loader's own checks, `checkRecord`); and what was left out.
 */
export function buildRoster(
  users: readonly ListedUser[],
  held: readonly (UserIdentityInfo | undefined)[],
  fields: readonly IdentityField[],
  instance: string,
  file: string,
): { users: ExportedUser[]; nothingToDeclare: number; usersLeftOut: number; valuesLeftOut: ValueLeftOut[] } {
  const exported: ExportedUser[] = [];
  const valuesLeftOut: ValueLeftOut[] = [];
  let nothingToDeclare = 0;
  let usersLeftOut = 0;
  users.forEach((user, index) => {
    const info = held[index];
    if (info === undefined) return;
    const declared: IdentityRecord = {};
    for (const field of fields) {
      const value = info[field];
      if (typeof value === 'string' && value !== '') declared[field] = value;
    }
    if (Object.keys(declared).length === 0) {
      nothingToDeclare++;
      return;
    }
    const candidate: ExportedUser = { InstanceId: instance, UserId: user.userId, IdentityInfo: declared };
    // Checked as the file's own format will be read: a name holding a line break loads from JSON or YAML, not from CSV.
    const checked = checkRecord({ source: { file, format: formatOf(file) ?? 'json', entry: exported.length + 1 }, value: candidate });
    const refused = new Map<IdentityField, string>();
    for (const problem of checked.problems) {
      const field = IDENTITY_FIELDS.find((each) => problem.field === `IdentityInfo.${each}` || problem.field === each);
      // Only identity values come from Connect here: a problem elsewhere would be this tool's own mistake.
      if (field === undefined) throw new CliError(`Unexpected: the roster entry of user ${user.userId} was refused (${problem.field}); nothing was written.`);
      if (!refused.has(field)) refused.set(field, problem.message);
    }
    for (const [field, message] of refused) {
      valuesLeftOut.push({ userId: user.userId, field, message });
      delete declared[field];
    }
    if (Object.keys(declared).length === 0) usersLeftOut++;
    else exported.push(candidate);
  });
  return { users: exported, nothingToDeclare, usersLeftOut, valuesLeftOut };
}

/**
 * Reads the written file back as a deploy would (`Roster.load`) and stops the write unless it declares
 * exactly the users and values read from Connect.
 */
export function verifyRoundTrip(file: string, users: readonly ExportedUser[]): void {
  let loaded: Roster;
  try {
    loaded = Roster.load(file);
  } catch (error) {
    if (!(error instanceof RosterError)) throw error;
    const first = error.problems[0];
    throw new CliError(
      `Unexpected: the roster written does not load (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}, the first: ` +
        `${first.subject ?? `entry ${first.entry ?? '-'}`}, ${first.field ?? 'the file'}: ${first.message}); nothing was written.`,
    );
  }
  const differing = users.filter((user, index) => {
    const entry = loaded.entries[index];
    return entry === undefined || !isDeepStrictEqual({ ...declarationOf(entry) }, { InstanceId: user.InstanceId, UserId: user.UserId, IdentityInfo: user.IdentityInfo });
  });
  if (differing.length > 0 || loaded.entries.length !== users.length) {
    throw new CliError(
      `Unexpected: the roster written does not load back as read from Connect (user ${differing[0]?.UserId ?? 'count'}); nothing was written.`,
    );
  }
}

/** The summary: the file, that it holds personal data, what was left out and why, and what it cost. */
export function exportSummary(file: string, format: RosterFormat, result: ExportResult): string {
  const lines = [
    `Wrote ${file}: ${formatCount(result.users)} user${result.users === 1 ? '' : 's'}, ${result.fields.join(', ')} (${format.toUpperCase()}).`,
    `  It holds personal data (names, email addresses, phone numbers): it is readable by you only (mode 600). Commit it ` +
      'only where everyone who can read the repository may see them; keep copies out of tickets, chats and shared drives.',
  ];
  if (result.nothingToDeclare > 0) {
    lines.push(`  Left out: ${formatCount(result.nothingToDeclare)} user${result.nothingToDeclare === 1 ? '' : 's'} for whom Connect holds none of these fields (nothing to declare).`);
  }
  if (result.gone > 0) lines.push(`  Left out: ${formatCount(result.gone)} user${result.gone === 1 ? '' : 's'} deleted from the instance while the export ran.`);
  if (result.valuesLeftOut.length > 0) {
    lines.push(
      `  Not exported: ${formatCount(result.valuesLeftOut.length)} value${result.valuesLeftOut.length === 1 ? '' : 's'} that Connect holds but a roster may not ` +
        `declare, so that the file loads${result.usersLeftOut > 0 ? ` (${formatCount(result.usersLeftOut)} user${result.usersLeftOut === 1 ? '' : 's'} left out for it)` : ''}. ` +
        'Those fields stay as they are in Connect, unmanaged; correct them in Connect and export again, or declare them by hand:',
    );
    for (const left of result.valuesLeftOut) lines.push(`    - user ${left.userId}: ${left.field} ${left.message}`);
  }
  lines.push(
    `  Read in ${result.seconds.toFixed(1)} s with ${formatCount(result.requests)} requests to Amazon Connect (${formatCount(result.throttled)} throttled).`,
    '',
  );
  return lines.join('\n');
}
