/**
 * Integration test on a real account: declares the fixture's users (see fixture.ts) with a
 * `ConnectUserIdentity` by user ID and one by username, and a `ConnectUserRoster` loaded from a CSV that
 * names users by UserId and by Username; deploys that, then an update of it; reads every user back and
 * compares the declared fields and one that no declaration manages; then edits a user in Connect, runs
 * the drift check on demand, and reads the user again, corrected.
 *
 * `npm run integ` deploys it (after the fixture) and destroys it; `npm test` only checks that it still
 * synthesizes to the committed snapshot, with the fixture's placeholder IDs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { ConnectUserDriftCheck, ConnectUserIdentity, ConnectUserRoster, Roster, UserIdentityInfo } from '../../lib';
import { fixtureUsername, FixtureUser, initialIdentity, integFixture, IntegFixture } from './fixture';

/** The name both versions of the stack deploy as: the second deploy is an update of the first. */
const STACK_NAME = 'ConnectUserIdentityInteg';

/** What each version declares, per fixture user; a user a version leaves out is not declared in it. */
const DECLARED: Record<1 | 2, Partial<Record<FixtureUser, UserIdentityInfo>>> = {
  1: {
    single: { firstName: 'Mary', lastName: 'Major' },
    singleByName: { email: 'richard.roe@example.com' },
    rosterById1: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
    rosterById2: { firstName: 'John', lastName: 'Stiles' },
  },
  2: {
    // Changed
    single: { firstName: 'Mary', lastName: 'Major-Stiles' },
    rosterById1: { firstName: 'Jane', lastName: 'Doe', email: 'jane.d@example.com' },
    // Unchanged
    singleByName: { email: 'richard.roe@example.com' },
    rosterById2: { firstName: 'John', lastName: 'Stiles' },
    // Added
    rosterByName: { firstName: 'Paulo', lastName: 'Santos', secondaryEmail: 'paulo.santos@example.org' },
  },
};

const ROSTER_USERS: FixtureUser[] = ['rosterById1', 'rosterById2', 'rosterByName'];

/** The roster's users of one version as a CSV file, as a spreadsheet saves it; loaded, then removed. */
function loadRosterCsv(fixture: IntegFixture, version: 1 | 2): Roster {
  const header = 'InstanceId,UserId,Username,FirstName,LastName,Email,SecondaryEmail,Mobile';
  const rows = ROSTER_USERS.flatMap((user) => {
    const info = DECLARED[version][user];
    if (!info) return [];
    const byName = user === 'rosterByName';
    return [
      [fixture.instanceId, byName ? '' : fixture.userIds[user], byName ? fixtureUsername(user) : '', info.firstName, info.lastName, info.email, info.secondaryEmail, info.mobile]
        .map((cell) => cell ?? '')
        .join(','),
    ];
  });
  const directory = mkdtempSync(path.join(tmpdir(), 'connect-user-identity-integ-'));
  try {
    const file = path.join(directory, 'agents.csv');
    writeFileSync(file, [header, ...rows, ''].join('\r\n'));
    return Roster.load(file);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One version of the stack under test. */
function declare(app: App, version: 1 | 2, fixture: IntegFixture): { stack: Stack; drift?: ConnectUserDriftCheck } {
  const stack = new Stack(app, `ConnectUserIdentityIntegV${version}`, { stackName: STACK_NAME });
  new ConnectUserIdentity(stack, 'Single', { instanceId: fixture.instanceId, userId: fixture.userIds.single, identityInfo: DECLARED[version].single! });
  new ConnectUserIdentity(stack, 'SingleByName', {
    instanceId: fixture.instanceId,
    username: fixtureUsername('singleByName'),
    identityInfo: DECLARED[version].singleByName!,
  });
  const roster = new ConnectUserRoster(stack, 'Agents', { roster: loadRosterCsv(fixture, version) });
  if (version === 2) roster.addDashboard();
  // A day between scheduled checks: none runs during the test, beside the one it starts.
  const drift = version === 2 ? new ConnectUserDriftCheck(stack, 'Drift', { correct: true, interval: Duration.days(1) }) : undefined;
  return { stack, drift };
}

/** What Connect holds after a declaration: the declared fields over the fixture's, which stay. */
function expectedIdentity(user: FixtureUser, declared: UserIdentityInfo): Record<string, string> {
  const initial = initialIdentity(user);
  const expected: Record<string, string> = { FirstName: initial.firstName, LastName: initial.lastName, Email: initial.email, Mobile: initial.mobile };
  if (declared.firstName !== undefined) expected.FirstName = declared.firstName;
  if (declared.lastName !== undefined) expected.LastName = declared.lastName;
  if (declared.email !== undefined) expected.Email = declared.email;
  if (declared.secondaryEmail !== undefined) expected.SecondaryEmail = declared.secondaryEmail;
  return expected;
}

// No creation stacks in the snapshot's metadata: they hold this machine's paths and line numbers (the
// CDK CLI turns them off the same way; integ-runner's own toolkit does not).
const app = new App({ stackTraces: false, context: { 'aws:cdk:disable-creation-stack-traces': true } });
const fixture = integFixture();
const first = declare(app, 1, fixture);
const second = declare(app, 2, fixture);
// Two stacks of one name, the second deployed after the first: CloudFormation updates the stack, so the
// handler gets Update events (the way to test an update that aws/aws-cdk#30402 describes).
second.stack.addStackDependency(first.stack);

const integ = new IntegTest(app, 'ConnectUserIdentityIntegTest', {
  testCases: [first.stack, second.stack],
  // The snapshot holds placeholder IDs: deploying it first, as the update workflow would, cannot work.
  // Without it, the snapshot also leaves out the assets (the handler bundle, the roster's file).
  stackUpdateWorkflow: false,
});

// After the update, every declared field holds its declared value, and the undeclared Mobile its own.
const declaredNow = Object.entries(DECLARED[2]) as [FixtureUser, UserIdentityInfo][];
const reads = declaredNow.map(([user, declared]) =>
  integ.assertions
    .awsApiCall('Connect', 'describeUser', { InstanceId: fixture.instanceId, UserId: fixture.userIds[user] })
    .expect(ExpectedResult.objectLike({ User: { Id: fixture.userIds[user], IdentityInfo: expectedIdentity(user, declared) } })),
);

// Drift: someone changes a declared name (and the undeclared Mobile) in Connect.
const drifted: FixtureUser = 'rosterById2';
const edit = integ.assertions.awsApiCall('Connect', 'updateUserIdentityInfo', {
  InstanceId: fixture.instanceId,
  UserId: fixture.userIds[drifted],
  IdentityInfo: { ...expectedIdentity(drifted, DECLARED[2][drifted]!), FirstName: 'Edited', Mobile: '+12065550199' },
});
for (const read of reads) read.next(edit);
// A check on demand finds that one user drifted, and corrects it.
const check = integ.assertions
  .invokeFunction({ functionName: second.drift!.function.functionName, payload: JSON.stringify({ action: 'check-drift' }) })
  .expect(
    ExpectedResult.objectLike({
      Payload: Match.serializedJson({ status: 'completed', users: declaredNow.length, checked: declaredNow.length, drifted: 1, corrected: 1, failed: 0, notChecked: 0 }),
    }),
  );
edit.next(check);
// The declared name is back; the undeclared Mobile keeps the edit.
check.next(
  integ.assertions
    .awsApiCall('Connect', 'describeUser', { InstanceId: fixture.instanceId, UserId: fixture.userIds[drifted] })
    .expect(ExpectedResult.objectLike({ User: { IdentityInfo: { ...expectedIdentity(drifted, DECLARED[2][drifted]!), Mobile: '+12065550199' } } })),
);
