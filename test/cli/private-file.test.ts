import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkTarget, writePrivateFile } from '../../cli/private-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'connect-cli-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writes a file readable by its owner only, whatever the umask, and leaves no temporary file', () => {
  const file = path.join(dir, 'agents.csv');
  const umask = process.umask(0o000);
  try {
    writePrivateFile(file, 'content', { force: false });
  } finally {
    process.umask(umask);
  }
  expect(readFileSync(file, 'utf8')).toBe('content');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readdirSync(dir)).toEqual(['agents.csv']);
});

test('fails when the file exists and --force is not given, and keeps it', () => {
  const file = path.join(dir, 'agents.csv');
  writeFileSync(file, 'old', { mode: 0o644 });
  expect(() => checkTarget(file, false)).toThrow(`${file} exists: choose another name, or pass --force to replace it.`);
  // Also when it appears between the check and the write.
  expect(() => writePrivateFile(file, 'new', { force: false })).toThrow(/exists/);
  expect(readFileSync(file, 'utf8')).toBe('old');
  expect(readdirSync(dir)).toEqual(['agents.csv']);
});

test('replaces the file with --force, as a private file', () => {
  const file = path.join(dir, 'agents.csv');
  writeFileSync(file, 'old', { mode: 0o644 });
  checkTarget(file, true);
  writePrivateFile(file, 'new', { force: true });
  expect(readFileSync(file, 'utf8')).toBe('new');
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

test('a failed check leaves neither the file nor the temporary one; the check sees the whole content under the extension', () => {
  const file = path.join(dir, 'agents.yaml');
  let seen: { name: string; content: string } | undefined;
  expect(() =>
    writePrivateFile(file, 'whole', {
      force: false,
      verify: (temporary) => {
        seen = { name: path.basename(temporary), content: readFileSync(temporary, 'utf8') };
        throw new Error('refused');
      },
    }),
  ).toThrow(/could not be written|refused/);
  expect(seen).toEqual({ name: expect.stringMatching(/^\.agents\.yaml\.[0-9a-f]{12}\.tmp\.yaml$/), content: 'whole' });
  expect(readdirSync(dir)).toEqual([]);
});

test('refuses a directory that does not exist, and a directory as the file', () => {
  expect(() => checkTarget(path.join(dir, 'missing', 'agents.csv'), false)).toThrow(/its directory does not exist/);
  expect(() => checkTarget(dir, true)).toThrow(/is a directory/);
});
