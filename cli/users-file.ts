/**
 * The users to export, from `--users FILE`: one user ID or username a line. Blank lines and lines that
 * start with `#` are skipped, and spaces around a name are ignored (neither a user ID nor a username
 * can hold one). Usernames are personal data: messages name their line, never the name.
 */
import * as fs from 'node:fs';
import { isUserId, validateUserReference } from '../lib/identity-rules';
import { ListedUser } from '../core/user-listing';
import { CliError } from './errors';

/** One line of the file that names a user. */
export interface UserSelector {
  readonly line: number;
  readonly userId?: string;
  readonly username?: string;
}

/** The users a file names, or a {@link CliError} that names every line that is wrong. */
export function readUsersFile(file: string): UserSelector[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`--users ${file} cannot be read (${typeof code === 'string' ? code : 'unknown error'}).`);
  }
  const selectors: UserSelector[] = [];
  const wrong: number[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, index) => {
      const name = raw.trim();
      if (name === '' || name.startsWith('#')) return;
      if (isUserId(name)) selectors.push({ line: index + 1, userId: name });
      else if (validateUserReference(undefined, name).length === 0) selectors.push({ line: index + 1, username: name });
      else wrong.push(index + 1);
    });
  if (wrong.length > 0) {
    throw new CliError(
      `--users ${file}: ${lineList(wrong)} ${wrong.length === 1 ? 'is' : 'are'} neither a user ID (8-4-4-4-12 letters and digits) nor a ` +
        'username (letters, digits and _ - . @ +): write one user a line.',
    );
  }
  if (selectors.length === 0) throw new CliError(`--users ${file} names no user: write one user ID or username a line.`);
  return selectors;
}

/**
 * The listed users that the selectors name, in the listing's order; a {@link CliError} naming the lines
 * (and the user IDs, which are not personal data) of selectors that match no user.
 */
export function selectUsers(listed: readonly ListedUser[], selectors: readonly UserSelector[], file: string): ListedUser[] {
  const byId = new Map(listed.map((user) => [user.userId, user]));
  const byName = new Map(listed.map((user) => [user.username, user]));
  const chosen = new Set<string>();
  const missing: UserSelector[] = [];
  for (const selector of selectors) {
    const user = selector.userId !== undefined ? byId.get(selector.userId) : byName.get(selector.username!);
    if (user) chosen.add(user.userId);
    else missing.push(selector);
  }
  if (missing.length > 0) {
    const ids = missing.filter((selector) => selector.userId !== undefined).map((selector) => selector.userId!);
    throw new CliError(
      `--users ${file}: ${lineList(missing.map((selector) => selector.line))} ${missing.length === 1 ? 'names no user' : 'name no users'} of the instance` +
        `${ids.length > 0 ? ` (user IDs ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''})` : ''}; nothing was exported. ` +
        'Check the names, or remove the lines.',
    );
  }
  return listed.filter((user) => chosen.has(user.userId));
}

/** `line 3`, `lines 3, 7 and 9`, `lines 3, 7, 9, ... (14 in all)`. */
function lineList(lines: readonly number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  if (lines.length <= 10) return `lines ${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
  return `lines ${lines.slice(0, 10).join(', ')}, ... (${lines.length} in all)`;
}
