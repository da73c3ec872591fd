/**
 * Writing a file of personal data: whole or not at all, readable by its owner only, and never over an
 * existing file unless told to. The content goes to a temporary dot-file beside the target (mode 0600, so
 * it is never readable by others, even for a moment), is checked, and only then takes the target's name in
 * one step: a reader, a crash or a Ctrl-C sees the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './errors';

/** Owner read and write, nothing for anyone else. */
export const PRIVATE_FILE_MODE = 0o600;

/** Refuses a target that exists (unless `force`), or whose directory does not. */
export function checkTarget(target: string, force: boolean): void {
  const directory = path.dirname(path.resolve(target));
  if (!fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(`${target}: its directory does not exist; create it first.`);
  }
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new CliError(`${target} is a directory: give a file name (ending in .csv, .json, .yaml or .yml).`);
  if (existing && !force) throw new CliError(`${target} exists: choose another name, or pass --force to replace it.`);
}

/**
 * Writes `content` to `target` as a private file. `verify` gets the temporary file's path (which has the
 * target's extension) before it takes the target's name, and throws to stop the write.
 */
export function writePrivateFile(target: string, content: string | Uint8Array, options: { force: boolean; verify?: (file: string) => void }): void {
  const directory = path.dirname(target);
  const temporary = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp${path.extname(target)}`);
  try {
    const descriptor = fs.openSync(temporary, 'wx', PRIVATE_FILE_MODE);
    try {
      fs.writeFileSync(descriptor, content);
      fs.fsyncSync(descriptor);
    } finally {
      fs.closeSync(descriptor);
    }
    options.verify?.(temporary);
    if (options.force) fs.renameSync(temporary, target);
    else placeWithoutReplacing(temporary, target);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${target} could not be written (${typeof code === 'string' ? code : 'unknown error'}); nothing was written.`);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** Gives the temporary file the target's name, failing if the target appeared meanwhile. */
function placeWithoutReplacing(temporary: string, target: string): void {
  try {
    // A hard link fails when the target exists, in one step: no check-then-write race.
    fs.linkSync(temporary, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${target} exists: choose another name, or pass --force to replace it.`);
    // File systems without hard links: check, then rename (a file appearing in between would be replaced).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    if (fs.existsSync(target)) throw new CliError(`${target} exists: choose another name, or pass --force to replace it.`);
    fs.renameSync(temporary, target);
  }
}
