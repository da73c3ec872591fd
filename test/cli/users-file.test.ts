import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readUsersFile, selectUsers } from '../../cli/users-file';

const dir = mkdtempSync(path.join(tmpdir(), 'connect-cli-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ID = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

function usersFile(lines: string[]): string {
  const file = path.join(dir, `users-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, lines.join('\r\n'));
  return file;
}

test('reads user IDs and usernames a line, skipping blanks, comments and spaces around', () => {
  expect(readUsersFile(usersFile(['\uFEFF# pilot', `  ${ID} `, '', 'mary.major@example.com']))).toEqual([
    { line: 2, userId: ID },
    { line: 4, username: 'mary.major@example.com' },
  ]);
});

test('names the lines that are neither, without repeating them', () => {
  const file = usersFile(['Mary Major', ID, 'a,b']);
  expect(() => readUsersFile(file)).toThrow(`--users ${file}: lines 1 and 3 are neither a user ID`);
  expect(() => readUsersFile(file)).not.toThrow(/Mary/);
});

test('selects the listed users in the listing order, and names by line (and ID) those not found', () => {
  const listed = [
    { userId: OTHER, username: 'rroe' },
    { userId: ID, username: 'mmajor' },
  ];
  expect(selectUsers(listed, [{ line: 1, userId: ID }, { line: 2, username: 'rroe' }], 'f')).toEqual(listed);
  expect(() => selectUsers(listed, [{ line: 3, username: 'ghost' }], 'f')).toThrow('--users f: line 3 names no user of the instance; nothing was exported.');
});
