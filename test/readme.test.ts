/**
 * The README's examples are what the library does: each error example is produced here from its input
 * and compared, text for text, with the README; the quick start's roster loads. The packed library
 * runs the quick start itself in a fresh `cdk init app` project (test/package/package.test.ts).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ConnectUserIdentity, ConnectUserRoster, Roster } from '../lib';
import { fencedBlocks, markedBlocks, README, README_PERSONAL_DATA, readmeBlock, ROSTER_ERRORS_DIRECTORY } from './support/readme-examples';

const readme = readFileSync(README, 'utf8');

/** The text an app's synth fails with, or '' when it synthesizes. */
function synthFailure(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Runs `declare` in a fresh directory holding `files` (as a reader's project would), so that paths in
 * messages are the ones the README shows.
 */
function inProject<T>(files: Readonly<Record<string, string>>, declare: () => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'readme-example-'));
  const cwd = process.cwd();
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    process.chdir(dir);
    return declare();
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The quick start's app, declaring the roster at `rosterPath`; its synth failure. */
function quickStartFailure(rosterPath: string): string {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'readme-cdk-out-')) });
  const stack = new Stack(app, 'ContactCenter');
  new ConnectUserRoster(stack, 'Agents', { roster: Roster.fromPath(rosterPath) });
  return synthFailure(app);
}

/** What the library prints for each output block of the README, by the block's name. */
const PRODUCERS: Readonly<Record<string, () => string>> = {
  'props-errors': () => {
    const app = new App();
    const stack = new Stack(app, 'Agents');
    new ConnectUserIdentity(stack, 'MaryMajor', {
      instanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      userId: '87654321-2222-1234-1234-111234567891',
      identityInfo: { firstName: 'Mary', email: 'marym@example', mobile: '2065550142' },
    });
    return synthFailure(app);
  },
  'spreadsheet-errors': () => inProject({ 'agents.csv': readmeBlock('example', 'spreadsheet-mistakes', readme).text }, () => quickStartFailure('agents.csv')),
  'roster-errors': () => inProject(ROSTER_ERRORS_DIRECTORY, () => quickStartFailure('agents')),
};

/** An output block as the library prints it: without the command line the README shows above it. */
function printed(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('$ '))
    .join('\n')
    .trimEnd();
}

describe('README.md', () => {
  test.each(Object.keys(PRODUCERS))('shows exactly what the library prints for the example %s', (name) => {
    // GIVEN the README's output block
    const shown = printed(readmeBlock('output', name, readme).text);
    // WHEN the library runs its input
    const actual = PRODUCERS[name]();
    // THEN the README shows that text, and the text holds no identity value or username
    if (shown !== actual) {
      throw new Error(`README.md's <!-- output: ${name} --> block differs from what the library prints. The library prints:\n\n${actual}\n`);
    }
    // (Construct paths are the app's own naming, not the library's output.)
    const messages = actual.replace(/^\s*\[[^\]]*\] /gm, '');
    for (const value of README_PERSONAL_DATA) expect(messages).not.toContain(value);
  });

  test('marks every error example, so that each is checked above', () => {
    // GIVEN every fenced block that shows errors: CDK's validation lines, or a roster's problems
    const errorBlocks = fencedBlocks(readme).filter((block) => /Validation failed|^\s*\[[\w/.-]+\] |RosterError|has \d+ problems/m.test(block.text));
    expect(errorBlocks.length).toBeGreaterThan(0);
    // THEN each is an output block with a producer here
    for (const block of errorBlocks) {
      const name = /^<!-- output: ([\w.-]+) -->$/.exec(block.before)?.[1];
      expect({ block: block.text.slice(0, 80), name: name !== undefined && name in PRODUCERS ? 'checked' : 'not checked' }).toEqual({ block: block.text.slice(0, 80), name: 'checked' });
    }
    // AND every producer has its block
    expect(markedBlocks(readme).filter((block) => block.kind === 'output').map((block) => block.name).sort()).toEqual(Object.keys(PRODUCERS).sort());
  });

  test("the quick start's roster loads, and its app declares it with a drift alarm that treats missing data as no drift", () => {
    // GIVEN the quick start's agents.csv and app
    const csv = readmeBlock('example', 'quick-start-roster', readme).text;
    const app = readmeBlock('example', 'quick-start-app', readme).text;
    // THEN the roster has no problem
    expect(inProject({ 'agents.csv': csv }, () => Roster.check('agents.csv'))).toEqual([]);
    // AND the app loads it by that name, with a drift check and an alarm that sets treatMissingData
    expect(app).toContain("Roster.fromPath('agents.csv')");
    expect(app).toMatch(/new ConnectUserDriftCheck\(/);
    expect(app).toMatch(/treatMissingData: cloudwatch\.TreatMissingData\.NOT_BREACHING/);
  });

  test('every link to a section of the README leads to a heading', () => {
    // GIVEN the anchors GitHub makes of the headings (lower case, punctuation dropped, spaces to hyphens)
    const outsideFences = readme.replace(/^```[\s\S]*?^```$/gm, '');
    const anchors = new Set(
      [...outsideFences.matchAll(/^#+ (.+)$/gm)].map((match) =>
        match[1]
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    const links = [...outsideFences.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    expect(links.length).toBeGreaterThan(5);
    // THEN each leads to one
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });
});
