/**
 * The ways to make a roster: `Roster.fromPath` (problems as data, reported by the construct at synth),
 * `Roster.fromUsers` (a roster built in code, checked like a file), and the deprecated `Roster.load`
 * and `loadRoster`, which throw.
 */
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectUserIdentityProps, ConnectUserRoster, formatProblem, loadRoster, Roster, RosterError } from '../../../lib';
import { ROSTER_STAGE_RESOURCE_TYPE } from '../../../lib/roster-declarations';
import { expectNoPersonalData, INSTANCE, MARY_ID, rosterDir, rosterFile, userId } from './fixtures';

/** A roster file with four problems: a misspelt field, a Mobile without "+", a stray space, one user twice. */
const FOUR_PROBLEMS = [
  { InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: { FirstName: 'Mary', LastName: 'Major' } },
  { InstanceId: INSTANCE, UserId: userId(1), IdentityInfo: { Fristname: 'Jane' } },
  { InstanceId: INSTANCE, UserId: userId(2), IdentityInfo: { LastName: 'Okafor', Mobile: '12065550142' } },
  { InstanceId: INSTANCE, Username: 'jdoe', IdentityInfo: { LastName: 'Smith ' } },
  { InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: { Email: 'marym@example.com' } },
  { InstanceId: INSTANCE, UserId: userId(3), IdentityInfo: { FirstName: 'Zoë' } },
];

/** The synth failure of a stack declaring the roster, or '' when it synthesizes. */
function synthFailure(roster: Roster): string {
  const app = new App();
  new ConnectUserRoster(new Stack(app, 'Center'), 'Agents', { roster });
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

const MARY: ConnectUserIdentityProps = { instanceId: INSTANCE, userId: MARY_ID, identityInfo: { firstName: 'Mary', lastName: 'Major' } };

describe('Roster.fromPath', () => {
  test('returns a roster with its problems, never throwing, and only the entries without a problem', () => {
    // GIVEN a file with four problems among six entries
    const file = rosterFile('agents.json', FOUR_PROBLEMS);

    // WHEN it is read
    const roster = Roster.fromPath(file);

    // THEN its problems are the four, as Roster.check lists them
    expect(roster.problems).toEqual(Roster.check(file));
    expect(roster.problems.map((problem) => [problem.entry, problem.field])).toEqual([
      [2, 'IdentityInfo'],
      [3, 'IdentityInfo.Mobile'],
      [4, 'IdentityInfo.LastName'],
      [5, 'UserId'],
    ]);
    // AND its entries are the first and the last, the only ones no problem names
    expect(roster.entries.map((entry) => entry.entry)).toEqual([1, 6]);
    expect(roster.files).toEqual([file]);
  });

  test('reads a roster without problems as it is', () => {
    const roster = Roster.fromPath(rosterFile('agents.json', [FOUR_PROBLEMS[0], FOUR_PROBLEMS[5]]));
    expect(roster.problems).toEqual([]);
    expect(roster.entries).toHaveLength(2);
  });

  test('a missing path is a problem too, not an exception', () => {
    const roster = Roster.fromPath(`${rosterDir({})}/nowhere.csv`);
    expect(roster.problems).toHaveLength(1);
    expect(roster.entries).toEqual([]);
  });
});

describe('ConnectUserRoster of a roster with problems', () => {
  test('fails the synth with each problem once, as a validation error of the roster, without a value', () => {
    // GIVEN the roster with four problems, declared in a stack
    const file = rosterFile('agents.json', FOUR_PROBLEMS);
    const message = synthFailure(Roster.fromPath(file));

    // THEN synth fails with CDK's validation errors: each problem exactly once, on the roster's path
    expect(message).toMatch(/^Validation failed with the following errors:\n/);
    const lines = message.split('\n').slice(1);
    expect(lines).toEqual(Roster.check(file).map((problem) => `  [Center/Agents] ${formatProblem(problem)}`));
    expect(lines).toHaveLength(4);
    // AND no identity value or username appears
    expectNoPersonalData(message);
  });

  test('fails the synth when no entry is valid, without declaring a stage', () => {
    // GIVEN a roster whose only entry has a problem
    const roster = Roster.fromPath(rosterFile('agents.json', [FOUR_PROBLEMS[1]]));
    // THEN the construct builds, and synth reports that problem
    expect(synthFailure(roster)).toContain('[Center/Agents] ');
    const construct = new ConnectUserRoster(new Stack(new App(), 'Center'), 'Agents', { roster });
    expect(construct.node.children.filter((child) => child.node.id.startsWith('Stage'))).toEqual([]);
  });
});

describe('Roster.fromUsers', () => {
  test('declares users given in code, named by position', () => {
    // GIVEN two users built in code
    const roster = Roster.fromUsers([MARY, { instanceId: INSTANCE, username: 'jdoe', identityInfo: { email: 'jdoe@example.com' } }]);

    // THEN they are the roster's entries, with no problem
    expect(roster.problems).toEqual([]);
    expect(roster.files).toEqual([]);
    expect(roster.entries).toEqual([
      { file: 'Roster.fromUsers', entry: 1, instanceId: INSTANCE, userId: MARY_ID, username: undefined, identityInfo: { firstName: 'Mary', lastName: 'Major' } },
      { file: 'Roster.fromUsers', entry: 2, instanceId: INSTANCE, userId: undefined, username: 'jdoe', identityInfo: { email: 'jdoe@example.com' } },
    ]);
    // AND a stack declares them in a stage
    const stack = new Stack(new App(), 'Center');
    new ConnectUserRoster(stack, 'Agents', { roster });
    Template.fromStack(stack).resourceCountIs(ROSTER_STAGE_RESOURCE_TYPE, 1);
  });

  test('checks each user as a roster file does, naming the roster and the entry, never the value', () => {
    // GIVEN users with a Mobile without "+", a login as UserId, a stray space, a misspelt field and one user twice
    const roster = Roster.fromUsers(
      [
        MARY,
        { instanceId: INSTANCE, userId: userId(1), identityInfo: { mobile: '12065550142' } },
        { instanceId: INSTANCE, userId: 'mary.major.login', identityInfo: { firstName: 'Mary' } },
        { instanceId: INSTANCE, userId: userId(2), identityInfo: { lastName: 'Okafor ' } },
        { instanceId: INSTANCE, userId: userId(3), identityInfo: { fristName: 'Jane' } as never },
        { ...MARY, identityInfo: { email: 'marym@example.com' } },
      ],
      { name: 'hr-export' },
    );

    // THEN each is a problem of the roster, by the given name and the user's position
    expect(roster.problems.map((problem) => `${problem.entry} ${problem.field}`)).toEqual([
      '2 IdentityInfo.Mobile',
      '3 UserId',
      '4 IdentityInfo.LastName',
      '5 IdentityInfo',
      '6 UserId',
    ]);
    expect(roster.problems.every((problem) => problem.file === 'hr-export')).toBe(true);
    expect(roster.entries.map((entry) => entry.entry)).toEqual([1]);
    // AND a stack declaring it fails synth with each once, and no value
    const message = synthFailure(roster);
    expect(message).toContain('[Center/Agents] hr-export: entry 2 (UserId 00000000-0000-4000-8000-000000000001): IdentityInfo.Mobile is not an E.164 number');
    expect(message).toContain('[Center/Agents] hr-export: entry 6 (UserId 87654321-2222-1234-1234-111234567891): UserId declares the same user as entry 1 of hr-export');
    expect(message.split('\n').filter((line) => line.startsWith('  [Center/Agents] '))).toHaveLength(5);
    expectNoPersonalData(message);
    expect(message).not.toContain('mary.major.login');
  });

  test('declares a user holding a token with a resource of its own, checked at deploy time', () => {
    // GIVEN a user whose email is a parameter
    const stack = new Stack(new App(), 'Center');
    const email = new CfnParameter(stack, 'MaryEmail').valueAsString;
    const roster = Roster.fromUsers([{ ...MARY, identityInfo: { email } }, { instanceId: INSTANCE, userId: userId(1), identityInfo: { lastName: 'Okafor' } }]);

    // WHEN declared
    const construct = new ConnectUserRoster(stack, 'Agents', { roster });

    // THEN no problem is reported, the token's user has a resource, the other is staged
    expect(roster.problems).toEqual([]);
    expect(construct.deployTimeUsers).toHaveLength(1);
    Template.fromStack(stack).resourceCountIs(ROSTER_STAGE_RESOURCE_TYPE, 1);
  });

  test('an empty list is a problem', () => {
    expect(Roster.fromUsers([]).problems.map(formatProblem)).toEqual(['Roster.fromUsers: holds no users: declare at least one']);
  });
});

describe('the deprecated Roster.load and loadRoster', () => {
  test('read a roster without problems as Roster.fromPath does', () => {
    const file = rosterFile('agents.json', [FOUR_PROBLEMS[0]]);
    expect(Roster.load(file)).toEqual(Roster.fromPath(file));
    expect(loadRoster(file)).toEqual(Roster.fromPath(file));
  });

  test.each([
    ['Roster.load', (file: string) => Roster.load(file)],
    ['loadRoster', (file: string) => loadRoster(file)],
  ])('%s throws a RosterError listing every problem', (_, load) => {
    // GIVEN the roster with four problems
    const file = rosterFile('agents.json', FOUR_PROBLEMS);
    // WHEN it is loaded THEN a RosterError holds the problems, and its message lists them one per line
    let thrown: unknown;
    try {
      load(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RosterError);
    const error = thrown as RosterError;
    expect(error.name).toBe('RosterError');
    expect(error.problems).toEqual(Roster.check(file));
    expect(error.message.split('\n').slice(1)).toEqual(error.problems.map((problem) => `  - ${formatProblem(problem)}`));
  });
});
