/**
 * `check`: a roster validated offline with the rules `cdk synth` applies (`Roster.load`), for a pipeline
 * step before the synth. It prints exactly what `Roster.load` reports: every problem of every file, by
 * file, row or entry, column and field, never a value.
 */
import { Roster, RosterError } from '../lib/roster';
import { formatCount } from '../lib/roster/limits';
import { EXIT } from './errors';

/** Runs `check` on a roster file or directory; the result on stdout, and the exit code. */
export function runCheck(rosterPath: string, stdout: NodeJS.WritableStream = process.stdout): number {
  try {
    const roster = Roster.load(rosterPath);
    const files = roster.files.length;
    stdout.write(`The roster ${rosterPath} has no problem: ${formatCount(roster.entries.length)} users in ${formatCount(files)} file${files === 1 ? '' : 's'}.\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof RosterError)) throw error;
    stdout.write(`${error.message}\n`);
    return EXIT.error;
  }
}
