import * as path from 'node:path';
import { formatProblem, loadRoster, Roster, RosterError } from '../../../lib';
import { expectNoLeaks, filledSkeleton, INSTANCE, loadError, MARY_ID, rosterDir, rosterFile, userId } from './fixtures';

describe('checking entries', () => {
  test('fails on the same user twice when the instance IDs differ only in case', () => {
    // GIVEN Mary twice, her instance ID once in lower case
    const file = rosterFile('team.json', [
      filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }),
      filledSkeleton({ LastName: 'Major', UserId: MARY_ID, InstanceId: INSTANCE.toLowerCase() }),
    ]);

    // WHEN it is checked
    const lines = Roster.check(file).map(formatProblem);

    // THEN
    expect(lines).toEqual([
      `${file}: entry 2 (UserId ${MARY_ID}): UserId declares the same user as entry 1 of ${file} (same instance and same UserId); a user may be declared once per stack: merge the two entries`,
    ]);
  });

  test('fails on values with spaces around them, invisible spaces or curly quotes in JSON and YAML as in CSV', () => {
    // GIVEN the same mistakes outside a spreadsheet
    const dir = rosterDir({
      'a.json': filledSkeleton({ FirstName: 'Mary ', LastName: '\u201CMajor\u201D', UserId: MARY_ID, InstanceId: INSTANCE }),
      'b.yaml': `InstanceId: ${INSTANCE}\nUserId: ${userId(2)}\nIdentityInfo: { FirstName: "Jane\\u00A0Ann", Mobile: '1.20656E+10' }\n`,
    });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN each field is named, and the construct's rules do not report the same fields again
    expect(problems.map((problem) => [path.basename(problem.file), problem.field])).toEqual([
      ['a.json', 'IdentityInfo.FirstName'],
      ['a.json', 'IdentityInfo.LastName'],
      ['b.yaml', 'IdentityInfo.FirstName'],
      ['b.yaml', 'IdentityInfo.Mobile'],
    ]);
    expectNoLeaks(problems);
  });

  test('does not show a key that holds an object far from every known key: entries keyed by a person\'s name', () => {
    // GIVEN a YAML map of entries keyed by name, a shape rosters do not have
    const file = rosterFile('team.yaml', `mary.major:\n  InstanceId: ${INSTANCE}\n  UserId: ${MARY_ID}\n  IdentityInfo: { FirstName: Mary }\n`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN the key is not shown, and the message says what shape a file has
    expect(problems.map(formatProblem)).toContain(
      `${file}: entry 1: has a key (at line 1, column 1) that is not a key of an entry, whose value is an object. A file holds one entry or a list of entries, not entries keyed by name. The keys of an entry are IdentityInfo, UserId, Username, InstanceId`,
    );
    expectNoLeaks(problems);
  });
});

describe('the Roster API', () => {
  test('Roster.check returns every problem as data, an empty list for a good roster, and never throws for a bad path', () => {
    // GIVEN a good roster, a bad one and a path that does not exist
    const good = rosterFile('mary.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }));
    const bad = rosterFile('mary.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID }));

    // WHEN / THEN
    expect(Roster.check(good)).toEqual([]);
    expect(Roster.check(bad)).toEqual([expect.objectContaining({ file: bad, entry: 1, field: 'InstanceId' })]);
    expect(Roster.check(path.join(path.dirname(bad), 'missing'))).toEqual([expect.objectContaining({ message: expect.stringMatching(/^does not exist/) })]);
  });

  test('Roster.load throws an Error named RosterError that lists the problems, and loadRoster still loads', () => {
    // GIVEN a roster with a problem, and a good one
    const bad = rosterFile('mary.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID }));
    const good = rosterFile('mary.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }));

    // WHEN
    const error = loadError(bad);

    // THEN
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(RosterError);
    expect(error.name).toBe('RosterError');
    expect(error.problems).toEqual(Roster.check(bad));
    expect(loadRoster(good).entries).toEqual(Roster.load(good).entries);
  });
});
