import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem, Roster } from '../../../lib';
import { filledSkeleton, INSTANCE, MARY_ID, rosterDir, userId } from './fixtures';

const MARY = filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE });

describe('reading roster files', () => {
  test('reports a symbolic link loop and a dangling link in a roster directory, and reads the other files', () => {
    // GIVEN a directory with a good file, a link to itself, and a link to a file that is gone
    const dir = rosterDir({ 'mary.json': MARY });
    fs.symlinkSync('loop.json', path.join(dir, 'loop.json'));
    fs.symlinkSync(path.join(dir, 'gone.json'), path.join(dir, 'dangling.json'));

    // WHEN it is checked
    const lines = Roster.check(dir).map(formatProblem);

    // THEN both links are reported, not thrown and not skipped without a word
    expect(lines).toEqual([
      `${path.join(dir, 'dangling.json')}: is a symbolic link to something that does not exist: point it at a roster file, or remove it`,
      `${path.join(dir, 'loop.json')}: is a symbolic link that leads back to itself (a loop of links): point it at a roster file, or remove it`,
    ]);
  });

  test('reports a roster path that is itself a looping or dangling link', () => {
    // GIVEN links as the roster path
    const dir = rosterDir({});
    fs.symlinkSync('loop.yaml', path.join(dir, 'loop.yaml'));
    fs.symlinkSync('gone.yaml', path.join(dir, 'dangling.yaml'));

    // WHEN / THEN
    expect(Roster.check(path.join(dir, 'loop.yaml')).map((problem) => problem.message)).toEqual([
      'is a symbolic link that leads back to itself (a loop of links): point it at a roster file, or remove it',
    ]);
    expect(Roster.check(path.join(dir, 'dangling.yaml')).map((problem) => problem.message)).toEqual([
      'is a symbolic link to something that does not exist: point it at a roster file, or remove it',
    ]);
  });

  test('fails on a path that does not exist, naming the resolved path and the closest file beside it', () => {
    // GIVEN a directory holding agents.yaml, team.csv, a directory agents-2024 and a README
    const dir = rosterDir({ 'agents.yaml': MARY, 'team.csv': 'InstanceId\n', 'agents-2024/mary.json': MARY, 'README.md': 'Mary Major' });
    const check = (name: string) => Roster.check(path.join(dir, name)).map((problem) => problem.message);
    const absent = (name: string) => `does not exist (resolved as ${path.resolve(dir, name)}): give a roster file or a directory of them`;

    // WHEN / THEN another extension, a missing extension and a typo each get the closest file of the directory
    expect(check('agents.csv')).toEqual([`${absent('agents.csv')}; did you mean ${path.join(dir, 'agents.yaml')}?`]);
    expect(check('agents')).toEqual([`${absent('agents')}; did you mean ${path.join(dir, 'agents.yaml')}?`]);
    expect(check('tema.csv')).toEqual([`${absent('tema.csv')}; did you mean ${path.join(dir, 'team.csv')}?`]);
    expect(check('agents-2042')).toEqual([`${absent('agents-2042')}; did you mean ${path.join(dir, 'agents-2024')}?`]);
    // AND a name far from every file gets none, a missing directory is said, and no file's content is quoted
    expect(check('roster-of-the-east-wing.json')).toEqual([absent('roster-of-the-east-wing.json')]);
    expect(check('missing/agents.csv')).toEqual([`${absent('missing/agents.csv')} (its directory ${path.join(dir, 'missing')} does not exist either)`]);
    expect(check('team.csv/agents.csv')).toEqual([`${absent('team.csv/agents.csv')} (${path.join(dir, 'team.csv')} is a file, not a directory)`]);
    expect(check('agents.csv').join('\n')).not.toContain('Mary');
  });

  test('names a relative roster path by what it resolves to', () => {
    // GIVEN a relative path to nothing
    const relative = path.join('no-such-directory', 'agents.csv');

    // WHEN / THEN the message names the path as given and as resolved from the working directory
    expect(Roster.check(relative)).toEqual([
      expect.objectContaining({ file: relative, message: expect.stringContaining(`resolved as ${path.join(process.cwd(), relative)}`) }),
    ]);
  });

  test('follows a link to a roster file', () => {
    // GIVEN a roster directory holding a link to a file kept elsewhere
    const elsewhere = rosterDir({ 'mary.json': MARY });
    const dir = rosterDir({});
    fs.symlinkSync(path.join(elsewhere, 'mary.json'), path.join(dir, 'mary.json'));

    // WHEN it is loaded
    const roster = Roster.load(dir);

    // THEN the linked file's entry is declared
    expect(roster.entries.map((entry) => entry.userId)).toEqual([MARY_ID]);
  });

  test('fails on a named pipe with a roster name instead of waiting on it', () => {
    // GIVEN a FIFO named like a roster file beside a good one
    const dir = rosterDir({ 'mary.json': MARY });
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);

    // WHEN it is checked
    const lines = Roster.check(dir).map(formatProblem);

    // THEN
    expect(lines).toEqual([`${path.join(dir, 'pipe.yaml')}: is neither a file nor a directory: a roster file must be a regular file`]);
  });

  test('fails on a file larger than 8 MiB without reading it, naming the limit', () => {
    // GIVEN a 9 MiB file (sparse: it costs no disk)
    const dir = rosterDir({ 'huge.yaml': '' });
    fs.truncateSync(path.join(dir, 'huge.yaml'), 9 * 1024 * 1024);

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'huge.yaml')}: is 9 MiB; a roster file may be at most 8 MiB, far more than any real roster needs: check that this is the right file, or split it`,
    ]);
  });

  test('fails on a directory of more roster files than a roster may hold entries', () => {
    // GIVEN 25,001 roster files (each would hold at least one entry)
    const dir = rosterDir({});
    for (let index = 0; index <= 25_000; index++) fs.writeFileSync(path.join(dir, `${index}.json`), '');

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN the directory is refused as a whole, naming the limit
    expect(problems.map(formatProblem)).toEqual([`${dir}: holds 25,001 roster files; a roster may hold at most 25,000 entries: split it`]);
  });

  test('fails on a roster of more than 25,000 entries across its files', () => {
    // GIVEN two files of 13,000 entries each
    const list = (offset: number) =>
      Array.from({ length: 13_000 }, (_, index) => ({ InstanceId: INSTANCE, UserId: userId(offset + index), IdentityInfo: { FirstName: 'A' } }));
    const dir = rosterDir({ 'a.json': list(0), 'b.json': list(13_000) });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN the roster is refused, naming the limit
    expect(problems.map(formatProblem)).toEqual([
      `${dir}: holds more than 25,000 entries, the most a roster may hold (more than one stack can declare): split it`,
    ]);
  });
});
