/**
 * Reading a roster from disk: which files a roster path names, and their bytes. Every way a path can
 * fail (missing, a dangling or looping symbolic link, no permission, too large) becomes a problem
 * naming the file; nothing here throws for a bad path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatBytes, formatCount, MAX_ENTRIES, MAX_FILE_BYTES } from './limits';
import { closest, RosterProblem } from './problems';

/** The formats a roster file may be in, told by its extension. */
export type RosterFormat = 'json' | 'yaml' | 'csv';

const FORMATS: Readonly<Record<string, RosterFormat>> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml', '.csv': 'csv' };

/** The extensions of roster files; any other file in a roster directory is ignored. */
export const ROSTER_EXTENSIONS = Object.keys(FORMATS);

/** The format of a roster file, by its extension; `undefined` for a file that is not a roster file. */
export function formatOf(file: string): RosterFormat | undefined {
  return FORMATS[path.extname(file).toLowerCase()];
}

/**
 * The roster files a path names: the path itself when it is a roster file, or the roster files of a
 * directory (not of its subdirectories), in name order, skipping dot-files and other extensions.
 */
export function listRosterFiles(rosterPath: string, problems: RosterProblem[]): string[] {
  const stat = statOrReport(rosterPath, problems);
  if (stat === undefined) return [];
  if (stat.isFile()) {
    if (formatOf(rosterPath)) return [rosterPath];
    problems.push({ file: rosterPath, message: `is not a roster file: its name must end in ${ROSTER_EXTENSIONS.join(', ')}` });
    return [];
  }
  if (!stat.isDirectory()) {
    problems.push({ file: rosterPath, message: 'is neither a file nor a directory' });
    return [];
  }
  let names: string[];
  try {
    names = fs.readdirSync(rosterPath);
  } catch (error) {
    problems.push({ file: rosterPath, message: `is a directory that cannot be listed (${errorCode(error)}): check its permissions` });
    return [];
  }
  const candidates = names.filter((name) => !name.startsWith('.') && formatOf(name) !== undefined).sort();
  if (candidates.length > MAX_ENTRIES) {
    // Each file holds at least one entry, so such a directory is past the roster's limit anyway.
    problems.push({
      file: rosterPath,
      message: `holds ${formatCount(candidates.length)} roster files; a roster may hold at most ${formatCount(MAX_ENTRIES)} entries: split it`,
    });
    return [];
  }
  const files: string[] = [];
  for (const file of candidates.map((name) => path.join(rosterPath, name))) {
    const fileStat = statOrReport(file, problems);
    if (fileStat?.isFile()) files.push(file);
    // A directory (or a link to one) with a roster extension is a subdirectory like any other: skipped.
    else if (fileStat && !fileStat.isDirectory()) problems.push({ file, message: 'is neither a file nor a directory: a roster file must be a regular file' });
  }
  if (files.length === 0 && problems.length === 0) {
    problems.push({ file: rosterPath, message: `holds no roster file: put ${ROSTER_EXTENSIONS.join(', ')} files in it` });
  }
  return files;
}

/** The bytes of a roster file, or `undefined` (and a problem) when it cannot be read or is too large. */
export function readRosterBytes(file: string, problems: RosterProblem[]): Buffer | undefined {
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      problems.push({
        file,
        message: `is ${formatBytes(size)}; a roster file may be at most ${formatBytes(MAX_FILE_BYTES)}, far more than any real roster needs: check that this is the right file, or split it`,
      });
      return undefined;
    }
    return fs.readFileSync(file);
  } catch (error) {
    problems.push({ file, message: `cannot be read (${errorCode(error)}): check its permissions` });
    return undefined;
  }
}

/** The target's stat, following symbolic links; or `undefined` and a problem that says why not. */
function statOrReport(file: string, problems: RosterProblem[]): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (error) {
    problems.push({ file, message: statProblem(file, errorCode(error)) });
    return undefined;
  }
}

function statProblem(file: string, code: string): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return isSymbolicLink(file)
        ? 'is a symbolic link to something that does not exist: point it at a roster file, or remove it'
        : `does not exist (resolved as ${path.resolve(file)}): give a roster file or a directory of them${nearestNeighbour(file)}`;
    case 'ELOOP':
      return 'is a symbolic link that leads back to itself (a loop of links): point it at a roster file, or remove it';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read (${code}, permission denied): check its permissions`;
    default:
      return `cannot be read (${code})`;
  }
}

/**
 * A did-you-mean for a path that does not exist: the entry of its directory whose name is closest to
 * the path's own (a typo, another extension, a missing extension), or a word on the directory itself
 * when that is missing too. Only names are shown, never what a file holds.
 */
function nearestNeighbour(file: string): string {
  const resolved = path.resolve(file);
  const directory = path.dirname(resolved);
  let names: string[];
  try {
    names = fs.readdirSync(directory).filter((name) => !name.startsWith('.'));
  } catch {
    return fs.existsSync(directory) ? ` (${directory} is a file, not a directory)` : ` (its directory ${directory} does not exist either)`;
  }
  const wanted = path.basename(resolved);
  const stem = (name: string) => (formatOf(name) ? name.slice(0, -path.extname(name).length) : name).toLowerCase();
  const sameStem = names.filter((name) => stem(name) === stem(wanted) && name !== wanted).sort();
  const suggestion =
    sameStem.find((name) => formatOf(name) !== undefined) ?? sameStem.find((name) => isDirectory(path.join(directory, name))) ?? closest(wanted, names);
  return suggestion === undefined ? '' : `; did you mean ${path.join(path.dirname(file), suggestion)}?`;
}

function isSymbolicLink(file: string): boolean {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    // ENOTDIR: a part of the path is a file, so the path is no link.
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** The error's code (`ENOENT`, `ELOOP`, ...), which names the failure without quoting any content. */
function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
