import * as path from 'node:path';
import { formatProblem, Roster } from '../../../lib';
import { expectNoLeaks, INSTANCE, MARY_ID, rosterDir, rosterFile, userId } from './fixtures';

describe('YAML roster files: values', () => {
  test('fails on an unquoted null, Null or NULL, which YAML would silently read as no value', () => {
    // GIVEN people whose surname is written Null, unquoted, in three spellings
    const file = rosterFile(
      'team.yaml',
      ['Null', 'NULL', 'null'].map((word, index) => `- InstanceId: ${INSTANCE}\n  UserId: ${userId(index)}\n  IdentityInfo: { LastName: ${word} }\n`).join(''),
    );

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN each is reported as ambiguous, with both ways out
    expect(problems.map(formatProblem)).toEqual(
      [0, 1, 2].map(
        (index) =>
          `${file}: entry ${index + 1} (UserId ${userId(index)}): IdentityInfo.LastName is the unquoted word null, which YAML reads as "no value" although it may be a name: quote the value to declare it as text, or leave it empty to leave the field undeclared`,
      ),
    );
    expectNoLeaks(problems);
  });

  test('loads a quoted Null as the name it is, and an empty value or ~ as not declared', () => {
    // GIVEN a quoted surname Null, an empty Email and a ~ Mobile
    const file = rosterFile('mary.yaml', `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n  LastName: 'Null'\n  Email:\n  Mobile: ~\n`);

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN
    expect(roster.entries[0].identityInfo).toEqual({ lastName: 'Null' });
  });

  test('loads 300 entries that share their InstanceId through an alias', () => {
    // GIVEN an anchored instance ID used by every entry
    const entries = Array.from({ length: 300 }, (_, index) =>
      index === 0
        ? `- InstanceId: &instance ${INSTANCE}\n  UserId: ${userId(index)}\n  IdentityInfo: { FirstName: A }\n`
        : `- InstanceId: *instance\n  UserId: ${userId(index)}\n  IdentityInfo: { FirstName: A }\n`,
    );
    const file = rosterFile('team.yaml', entries.join(''));

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN every entry has the instance
    expect(roster.entries).toHaveLength(300);
    expect(new Set(roster.entries.map((entry) => entry.instanceId))).toEqual(new Set([INSTANCE]));
  });
});

describe('YAML roster files: limits and parser messages', () => {
  test('refuses an alias bomb, naming the limit it hit', () => {
    // GIVEN a "billion laughs": each level aliases the one before nine times
    const levels = ['a: &a [Jane, Jane, Jane, Jane, Jane, Jane, Jane, Jane, Jane]'];
    for (const [previous, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const file = rosterFile('bomb.yaml', `${levels.join('\n')}\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      `${file}: is refused: its aliases (*name) would copy anchored values more than 25,000 times, the limit that keeps an alias bomb from exhausting memory; write the values out, or alias less`,
    ]);
  });

  test('fails on an alias without its anchor, with its line, without naming it', () => {
    // GIVEN an alias named after a person, used before its anchor
    const file = rosterFile('team.yaml', `- InstanceId: ${INSTANCE}\n  UserId: ${MARY_ID}\n  IdentityInfo: *Jane\n- &Jane { FirstName: Jane }\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      `${file}: is not valid YAML: an alias (*name) at line 3, column 17 has no anchor (&name) before it: define the anchor first`,
    ]);
    expectNoLeaks(problems);
  });

  test('rewords parser messages so that they never quote the file', () => {
    // GIVEN mistakes next to personal data: a name read as a tag, a duplicate key, a bad indent, a bad escape, a tab
    const dir = rosterDir({
      'a.yaml': `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo: { LastName: !Okafor-Smith }\n`,
      'b.yaml': `InstanceId: ${INSTANCE}\nUserId: ${MARY_ID}\nIdentityInfo:\n  LastName: Major\n  LastName: Smith\n`,
      'c.yaml': `IdentityInfo:\n  FirstName: Mary\n LastName: Major\n`,
      'd.yaml': `IdentityInfo: { LastName: "Nu\\ñez" }\n`,
      'e.yaml': `IdentityInfo:\n\tFirstName: Siobhán\n`,
      'f.yaml': `IdentityInfo: { FirstName: "José }\n`,
    });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN each file is reported with the parser's code and a position, and no value
    const byFile = (name: string) => problems.filter((problem) => problem.file === path.join(dir, name)).map((problem) => problem.message);
    expect(byFile('a.yaml')).toEqual([
      'is not valid YAML: a value starts with "!", which YAML reads as a tag: quote the value (TAG_RESOLVE_FAILED, at line 3, column 27)',
    ]);
    expect(byFile('b.yaml')).toEqual(['is not valid YAML: a key is given twice in one mapping: remove one of them (DUPLICATE_KEY, at line 5, column 3)']);
    for (const name of ['c.yaml', 'd.yaml', 'e.yaml', 'f.yaml']) {
      expect(byFile(name).length).toBeGreaterThan(0);
      for (const message of byFile(name)) expect(message).toMatch(/^is not valid YAML: .+ \([A-Z_]+, at line \d+, column \d+\)$/);
    }
    expectNoLeaks(problems);
  });

  test('fails on lists nested too deeply to read, without throwing', () => {
    // GIVEN 100,000 nested lists
    const file = rosterFile('deep.yaml', `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map((problem) => problem.message)).toContainEqual(expect.stringMatching(/^is not valid YAML: lists or mappings are nested too deeply to read \(RESOURCE_EXHAUSTION/));
  });
});
