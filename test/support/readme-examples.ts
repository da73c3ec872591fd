/**
 * The README's examples that tests use or check. A fenced block marked with an HTML comment on the line
 * before it, `<!-- example: NAME -->` (an input: a file or a program a reader copies) or
 * `<!-- output: NAME -->` (what the library prints for it), is found by that name.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const README = path.join(__dirname, '..', '..', 'README.md');

/** One marked block: its kind, its fence's language, and its text (ending with a line break). */
export interface ReadmeBlock {
  readonly kind: 'example' | 'output';
  readonly name: string;
  readonly language: string;
  readonly text: string;
}

/** Every marked block of a README text, in order. */
export function markedBlocks(readme: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  for (const match of readme.matchAll(/^<!-- (example|output): ([\w.-]+) -->\n```(\w*)[^\n]*\n([\s\S]*?)^```$/gm)) {
    blocks.push({ kind: match[1] as ReadmeBlock['kind'], name: match[2], language: match[3], text: match[4] });
  }
  return blocks;
}

/** The README's block of this kind and name; fails when there is not exactly one. */
export function readmeBlock(kind: ReadmeBlock['kind'], name: string, readme = readFileSync(README, 'utf8')): ReadmeBlock {
  const found = markedBlocks(readme).filter((block) => block.kind === kind && block.name === name);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} blocks marked <!-- ${kind}: ${name} --> (expected 1)`);
  return found[0];
}

/** Every fenced block of a README text, marked or not, with the text of the line before it. */
export function fencedBlocks(readme: string): { before: string; language: string; text: string }[] {
  return [...readme.matchAll(/^(.*)\n```(\w*)[^\n]*\n([\s\S]*?)^```$/gm)].map((match) => ({ before: match[1], language: match[2], text: match[3] }));
}

/**
 * The roster of the README's "Errors" example: a directory of the three formats, with four mistakes
 * (a misspelt field, YAML's bare null, one user twice across files, a number a spreadsheet mangled).
 */
export const ROSTER_ERRORS_DIRECTORY: Readonly<Record<string, string>> = {
  'agents/john.json': `${JSON.stringify(
    {
      IdentityInfo: { Fristname: 'John', LastName: 'Stiles' },
      UserId: '87654321-2222-1234-1234-111234567892',
      InstanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    },
    null,
    4,
  )}\n`,
  'agents/list.yaml': [
    '- IdentityInfo: { FirstName: Mary, LastName: Major }',
    '  UserId: 87654321-2222-1234-1234-111234567891',
    '  InstanceId: a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    '- IdentityInfo: { FirstName: Richard, LastName: null }',
    '  Username: rroe',
    '  InstanceId: a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    '',
  ].join('\n'),
  'agents/mary.json': `${JSON.stringify(
    { IdentityInfo: { Email: 'marym@example.com' }, UserId: '87654321-2222-1234-1234-111234567891', InstanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
    null,
    4,
  )}\n`,
  'agents/team.csv': [
    'InstanceId,UserId,FirstName,LastName,Mobile',
    'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111,87654321-2222-1234-1234-111234567893,Jane,Doe,+12065550142',
    'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111,87654321-2222-1234-1234-111234567894,Paulo,Santos,1.20656E+10',
    '',
  ].join('\r\n'),
};

/** The identity values and usernames of the README's roster examples: no message may show one. */
export const README_PERSONAL_DATA = [
  'John',
  'Stiles',
  'Mary',
  'Major',
  'marym',
  'Richard',
  'rroe',
  'Jane',
  'Doe',
  'Paulo',
  'Santos',
  'Diego',
  'Ramirez',
  'example.com',
  'example.org',
  '2065550142',
  '2065550143',
  '1.20656',
];
