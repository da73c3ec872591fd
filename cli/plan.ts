/**
 * `plan`: what a deploy of a roster would change in Connect now (where `cdk diff` compares with the last
 * deploy only). Each entry goes through the same read and merge as a roster stage (core/user-sync.ts,
 * without the write), paced like `export`. The result, on stdout, names users and fields, never a value,
 * unless `--show-values` is given and stdout is a terminal.
 *
 * Exit codes as `terraform plan -detailed-exitcode`: 0 when nothing would change, 2 when something would,
 * 1 on an error, including users that are not found or could not be read (a deploy would fail on them).
 */
import { UserIdentityInfo } from '@aws-sdk/client-connect';
import { UserFailed } from '../core/paced-calls';
import { UserFailure, UserOutcome, UserSync, worthListingUsernames } from '../core/user-sync';
import { IdentityField, parseInstanceReference } from '../lib/identity-rules';
import { Roster, RosterEntry, RosterError } from '../lib/roster';
import { declarationOf } from '../lib/roster/entry';
import { formatCount } from '../lib/roster/limits';
import { CliError, EXIT } from './errors';
import { Progress } from './progress';
import { ConnectSession, explainRunFailure, forEachPooled, resolveRegion } from './session';

/** Users being compared at once: the pacer, not this, sets the pace. */
const CONCURRENCY = 32;
/** Failures of one kind listed one by one; the rest are counted. */
const FAILURES_LISTED = 20;

/** The options of `plan`, as parsed from its command line. */
export interface PlanOptions {
  /** The roster file or directory. */
  readonly roster: string;
  readonly showValues?: boolean;
  readonly region?: string;
  readonly throttleTimeout?: number;
}

/** Where a plan's output goes. */
export interface PlanStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Runs `plan`: the result on stdout, progress on stderr; resolves to the exit code. */
export async function runPlan(options: PlanOptions, streams: PlanStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let roster: Roster;
  try {
    roster = Roster.load(options.roster);
  } catch (error) {
    if (error instanceof RosterError) throw new CliError(error.message);
    throw error;
  }
  const declarations = roster.entries.map(declarationOf);
  const needsRegion = roster.entries.some((entry) => parseInstanceReference(entry.instanceId)?.region === undefined);
  const region = needsRegion || options.region !== undefined ? await resolveRegion({ explicit: options.region }) : '';
  const showValues = options.showValues === true && streams.stdout.isTTY === true;
  if (options.showValues && !showValues) streams.stderr.write('Values are not shown: stdout is not a terminal (--show-values shows them on a terminal only).\n');

  const session = new ConnectSession(options.throttleTimeout);
  const sync = new UserSync({
    region,
    pacer: session.pacer,
    clock: session.clock,
    signal: session.signal,
    client: (each) => session.client(each),
    listUsernamesOf: worthListingUsernames(declarations),
  });
  const outcomes: UserOutcome[] = [];
  const held: (UserIdentityInfo | undefined)[] = [];
  streams.stderr.write(`Comparing ${formatCount(declarations.length)} users of ${options.roster} with Amazon Connect${region ? ` (${region} for instance IDs)` : ''}\n`);
  const progress = new Progress('Users compared', declarations.length, streams.stderr);
  try {
    await forEachPooled(declarations, CONCURRENCY, session, async (declaration, index) => {
      const outcome = await sync.apply(declaration, { write: false, ...(showValues ? { onRead: (current: UserIdentityInfo) => (held[index] = current) } : {}) });
      // Without credentials, no user can be read: end the run with what to do.
      if (outcome.kind === 'failed' && outcome.failure.kind === 'no-credentials') throw new UserFailed(outcome.failure.field, outcome.failure.problem, 'no-credentials');
      outcomes[index] = outcome;
      progress.tick();
    });
  } catch (error) {
    throw explainRunFailure(error, session, { command: 'plan', region: region || undefined });
  } finally {
    progress.stop();
    session.close();
  }

  streams.stdout.write(planReport(roster.entries, outcomes, showValues ? held : undefined));
  const failed = outcomes.filter((outcome) => outcome.kind === 'failed').length;
  if (failed > 0) return EXIT.error;
  return outcomes.some((outcome) => outcome.kind === 'differs') ? EXIT.changes : EXIT.ok;
}

/** How the plan names an entry: its file and row or entry, and its UserId (never a Username). */
export function describeEntry(entry: RosterEntry): string {
  const place = entry.row !== undefined ? `row ${entry.row}` : `entry ${entry.entry}`;
  return `${entry.file}: ${place} (${entry.userId !== undefined ? `UserId ${entry.userId}` : 'Username given'})`;
}

/**
 * The plan as text: a line per user that would change (`~`), is not found (`?`) or failed (`!`), in roster
 * order, then the counts. With `held` (on a terminal, when asked), each changed field's value in Connect
 * and the declared one.
 */
export function planReport(entries: readonly RosterEntry[], outcomes: readonly UserOutcome[], held?: readonly (UserIdentityInfo | undefined)[]): string {
  const lines: string[] = [];
  const failuresByProblem = new Map<string, number>();
  let changedFields = 0;
  const counts = { differs: 0, unchanged: 0, notFound: 0, failed: 0 };
  entries.forEach((entry, index) => {
    const outcome = outcomes[index];
    switch (outcome.kind) {
      case 'unchanged':
        counts.unchanged++;
        return;
      case 'differs':
      case 'written': {
        counts.differs++;
        changedFields += outcome.changedFields.length;
        lines.push(`~ ${describeEntry(entry)}: ${outcome.changedFields.join(', ')}`);
        const current = held?.[index];
        if (held) {
          const declared = declarationOf(entry).IdentityInfo;
          for (const field of outcome.changedFields) lines.push(`    ${field}: ${JSON.stringify(current?.[field as IdentityField] ?? '')} → ${JSON.stringify(declared[field])}`);
        }
        return;
      }
      case 'failed': {
        const { failure } = outcome;
        const notFound = failure.kind === 'user-not-found';
        if (notFound) counts.notFound++;
        else counts.failed++;
        const key = `${failure.field}\0${failure.problem}`;
        const seen = (failuresByProblem.get(key) ?? 0) + 1;
        failuresByProblem.set(key, seen);
        if (seen <= FAILURES_LISTED) {
          lines.push(notFound ? `? ${describeEntry(entry)}: not found (${failure.field}): ${failure.problem}` : `! ${describeEntry(entry)}: ${failure.field}: ${problemOf(failure)}`);
        }
        return;
      }
    }
  });
  for (const seen of failuresByProblem.values()) {
    if (seen > FAILURES_LISTED) lines.push(`  ... and ${formatCount(seen - FAILURES_LISTED)} more with one of the problems above`);
  }
  if (lines.length > 0) lines.push('');
  const plural = (count: number, word: string) => `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
  lines.push(
    `Plan: ${plural(counts.differs, 'user')} to change (${plural(changedFields, 'field')}), ${formatCount(counts.unchanged)} unchanged` +
      `${counts.notFound > 0 ? `, ${formatCount(counts.notFound)} not found` : ''}${counts.failed > 0 ? `, ${formatCount(counts.failed)} failed` : ''}.`,
  );
  if (counts.notFound + counts.failed > 0) lines.push('A deploy of this roster would fail on the users marked ? and ! above.');
  return `${lines.join('\n')}\n`;
}

/** A failure as the plan tells it: access is the caller's own here, not a handler's role's. */
function problemOf(failure: UserFailure): string {
  return failure.kind === 'access-denied'
    ? `access denied to connect:${failure.field}: the AWS credentials in use (see \`aws sts get-caller-identity\`) must be allowed it`
    : failure.problem;
}
