/**
 * `npm run demo`: the example app deployed, changed, drifted and destroyed, played locally and shown
 * step by step.
 *
 * It synthesizes the example app (bin/example-app.ts, the same construction `npx cdk synth` runs) with the
 * demo's roster, as `npx cdk synth -c roster=<that roster>` would, and a drift check added, starts local emulators of Amazon Connect (the roster's users at other
 * starting identities), the asset bucket and CloudFormation, and deploys the synthesized template as
 * CloudFormation would, with the handler the template deploys (the bundled asset in the cloud assembly):
 * a first deploy, a deploy after one field of one declaration changes, a drift check after someone edits
 * identities in Connect (reported, then corrected), and a stack without the roster. Before and after each
 * step it prints what Connect holds, the calls Connect received and the answers CloudFormation got.
 *
 *   npm run demo                            the example team, examples/team.yaml (not the one user of
 *                                           examples/roster.yaml that `npx cdk synth` uses by default)
 *   npm run demo -- examples/team.csv       another roster (a file or a directory)
 *
 * Everything runs on 127.0.0.1: no AWS account, no credentials. Values are shown because they are the
 * demo's own; the handler itself never logs them (see the log lines it prints).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createExampleApp, DEFAULT_ROSTER, EXAMPLE_STACK_NAME } from '../bin/example-app';
import { ConnectUserDriftCheck, formatProblem, Roster } from '../lib';
import { IDENTITY_FIELDS, IdentityRecord } from '../lib/identity-rules';
import { bareInstanceId } from '../lib/roster-declarations';
import type { DriftSummary } from '../lambda/drift-check/drift-check';
import type { Invocation } from '../test/support/cloudformation-driver';
import type { DeployResult } from '../test/support/stack-deployer';
import { RosterWorld } from '../test/support/roster-world';

/** Where the example users start, so that the deploy has something to change. Others start empty. */
const STARTING_IDENTITIES: Record<string, { username: string; id?: string; identityInfo: IdentityRecord }> = {
  '87654321-2222-1234-1234-111234567891': {
    username: 'marym',
    identityInfo: { FirstName: 'Mary', LastName: 'Mayor', Email: 'mary.m@example.com', Mobile: '+12065550111' },
  },
  '87654321-2222-1234-1234-111234567892': {
    username: 'johns',
    identityInfo: { FirstName: 'Jon', LastName: 'Stiles', Email: 'johns@example.com' },
  },
  rroe: {
    username: 'rroe',
    id: '87654321-2222-1234-1234-111234567893',
    identityInfo: { FirstName: 'Rick', LastName: 'Roe', Email: 'rroe@example.com' },
  },
  jdoe: {
    username: 'jdoe',
    id: '87654321-2222-1234-1234-111234567894',
    identityInfo: { FirstName: 'Jane', LastName: 'Doe', Email: 'jane.doe@example.com' },
  },
};

/** The example team: several users, one named by Username, so the demo shows every path. */
const DEMO_ROSTER = path.join(__dirname, '..', 'examples', 'team.yaml');

interface Seeded {
  readonly instanceId: string;
  readonly userId: string;
  readonly username: string;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const rosterPath = path.resolve(process.argv[2] ?? DEMO_ROSTER);
  const shownPath = path.relative(process.cwd(), rosterPath);
  const roster = Roster.fromPath(rosterPath);
  if (roster.problems.length > 0) {
    process.stderr.write(`The roster ${shownPath} has problems; the demo deploys none of it:\n${roster.problems.map((problem) => `  ${formatProblem(problem)}\n`).join('')}`);
    return 1;
  }
  const world = new RosterWorld({ timeScale: 1, stackName: EXAMPLE_STACK_NAME });
  let failures = 0;
  try {
    heading('Amazon Connect user identities: the example app, played locally');
    say(
      `Roster: ${shownPath}, ${roster.entries.length} users` +
        (process.argv[2] === undefined ? ` (the example team; \`npx cdk synth\` alone declares ${path.relative(process.cwd(), DEFAULT_ROSTER)}, one user)` : ''),
    );
    say('Amazon Connect, the asset bucket and CloudFormation are local emulators; the handler runs as Lambda');
    say('would run it, one process per invocation. Nothing leaves 127.0.0.1.');

    // ---- synthesize ----
    step('0', 'cdk synth', `the example app is synthesized with this roster, as \`npx cdk synth -c roster=${shownPath}\` does, with a drift check added`);
    const synth = (file: string) =>
      world.synthApp((outdir) => {
        const { app, stack } = createExampleApp({ outdir, context: { roster: file } });
        new ConnectUserDriftCheck(stack, 'DriftCheck');
        return app;
      });
    const users = seed(world, roster);
    const first = await synth(rosterPath);
    say(`${EXAMPLE_STACK_NAME}: ${roster.entries.length} users in one Custom::ConnectUserRoster stage; no name, email or phone in the template.`);
    say(`The declarations travel in a file asset: ${path.basename(first.cloudAssemblyDir)}/asset.connect-user-roster-*.json`);
    say('');
    say('Amazon Connect before the deploy (the emulator, seeded with the roster\'s users; instances CONNECT_MANAGED):');
    let previous = snapshot(world, users);
    table(previous);

    // ---- first deploy ----
    step('1', 'cdk deploy', 'CloudFormation creates the roster\'s stage; the handler reads every user and writes those that differ');
    let mark = world.connect.requests.length;
    const created = await world.deployer.deploy(first);
    failures += answers(created);
    logs(created, (line) => /stage (done|invocation started)/.test(line.message ?? ''));
    say('Each user now holds what is declared; the fields a declaration leaves out keep their values.');
    previous = showConnect(world, users, previous, mark);

    // ---- a changed declaration ----
    const changed = changeOneField(roster);
    step('2', 'cdk deploy', 'one field of one declaration changes: the stage is updated, for that user only');
    say(`The new declaration: ${changed.label}'s ${changed.field}: ${changed.from ?? '(not declared)'} -> ${changed.to}`);
    mark = world.connect.requests.length;
    const changedFile = path.join(mkdtempSync(path.join(tmpdir(), 'connect-demo-')), 'roster-v2.json');
    writeFileSync(changedFile, JSON.stringify(changed.roster, null, 2));
    const updated = await world.deployer.deploy(await synth(changedFile));
    failures += answers(updated);
    logs(updated, () => true);
    previous = showConnect(world, users, previous, mark);

    // ---- drift ----
    step('3', 'drift check', 'someone edits identities in the Connect admin website between deploys');
    // A user with a declared name and an undeclared field, so that the check shows both.
    const index = roster.entries.findIndex((entry) => entry.identityInfo.lastName !== undefined && entry.identityInfo.secondaryEmail === undefined);
    const edited = users[Math.max(0, index)];
    world.connect.editUser(edited.instanceId, edited.userId, { LastName: 'Edited-In-Connect', SecondaryEmail: 'edited@example.org' });
    say(`${edited.username}: LastName (declared) and SecondaryEmail (not declared) edited outside the stack.`);
    previous = showConnect(world, users, previous, world.connect.requests.length);
    say('');
    say('The scheduled check runs (report only), like `aws lambda invoke ... --payload \'{"action":"check-drift"}\'`:');
    mark = world.connect.requests.length;
    failures += checkOutput(await world.checkDrift({ correct: false }));
    previous = showConnect(world, users, previous, mark);
    say('');
    say('The same check with `correct: true` puts the declared field back, and leaves the undeclared one:');
    mark = world.connect.requests.length;
    failures += checkOutput(await world.checkDrift({ correct: true }));
    previous = showConnect(world, users, previous, mark);

    // ---- the roster removed ----
    step('4', 'cdk deploy', 'the roster is removed from the stack: CloudFormation deletes its stage');
    mark = world.connect.requests.length;
    const removed = await world.deployer.deploy(await world.synthApp((outdir) => {
      const { app, stack } = createExampleApp({ outdir, context: { roster: rosterPath } });
      stack.node.tryRemoveChild('Roster');
      new ConnectUserDriftCheck(stack, 'DriftCheck');
      return app;
    }));
    failures += answers(removed);
    say('Delete leaves every identity as it is: removing a declaration or a stack erases nobody\'s name or email.');
    showConnect(world, users, previous, mark);

    say('');
    say(`Done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
    return failures === 0 && world.connect.internalErrors.length === 0 ? 0 : 1;
  } finally {
    await world.stop();
  }
}

/** Adds the instances and users the roster names, each user at its starting identity. */
function seed(world: RosterWorld, roster: Roster): Seeded[] {
  const users: Seeded[] = [];
  const instances = new Set<string>();
  for (const entry of roster.entries) {
    const instanceId = bareInstanceId(entry.instanceId);
    if (!instances.has(instanceId)) world.connect.addInstance({ id: instanceId, identityManagementType: 'CONNECT_MANAGED' });
    instances.add(instanceId);
    const start = STARTING_IDENTITIES[entry.userId ?? entry.username ?? ''] ?? { username: entry.username ?? `agent${users.length + 1}`, identityInfo: {} };
    const user = world.seedUser(instanceId, { id: entry.userId ?? start.id, username: start.username, identityInfo: start.identityInfo });
    users.push({ instanceId, userId: user.id, username: user.username });
  }
  return users;
}

/** The roster, as a CLI-format list, with one field of its first entry changed. */
function changeOneField(roster: Roster) {
  const [first] = roster.entries;
  const field = first.identityInfo.lastName !== undefined ? 'lastName' : 'mobile';
  const to = field === 'lastName' ? `${first.identityInfo.lastName}-Rivera` : '+12065550199';
  const entries = roster.entries.map((entry, index) => ({
    InstanceId: entry.instanceId,
    ...(entry.userId !== undefined ? { UserId: entry.userId } : { Username: entry.username }),
    IdentityInfo: Object.fromEntries(
      Object.entries(index === 0 ? { ...entry.identityInfo, [field]: to } : entry.identityInfo).map(([prop, value]) => [prop.charAt(0).toUpperCase() + prop.slice(1), value]),
    ),
  }));
  return { roster: entries, field: field === 'lastName' ? 'LastName' : 'Mobile', from: first.identityInfo[field], to, label: first.userId ?? 'the first entry' };
}

// ---- output ----

type Snapshot = { label: string; identity: IdentityRecord }[];

function snapshot(world: RosterWorld, users: readonly Seeded[]): Snapshot {
  return users.map((user) => ({ label: `${user.username} (${user.userId.slice(-4)})`, identity: world.connect.user(user.instanceId, user.userId).identityInfo }));
}

/** Prints the Connect calls made since `mark` and the identities, marking what changed; returns them. */
function showConnect(world: RosterWorld, users: readonly Seeded[], previous: Snapshot, mark: number): Snapshot {
  const counts = new Map<string, number>();
  for (const request of world.connect.requests.slice(mark)) counts.set(request.operation, (counts.get(request.operation) ?? 0) + 1);
  say(`Calls to Amazon Connect: ${counts.size === 0 ? 'none' : [...counts].map(([operation, count]) => `${operation} x${count}`).join(', ')}`);
  const now = snapshot(world, users);
  say('Amazon Connect after this step (* = changed by it):');
  table(now, previous);
  return now;
}

function table(rows: Snapshot, previous?: Snapshot): void {
  const header = ['user', ...IDENTITY_FIELDS];
  const body = rows.map((row, index) => [
    row.label,
    ...IDENTITY_FIELDS.map((field) => {
      const value = row.identity[field] ?? '-';
      const changed = previous !== undefined && (previous[index].identity[field] ?? '-') !== value;
      return changed ? `${value} *` : value;
    }),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => cells[column].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd();
  say(line(header));
  say(line(widths.map((width) => '-'.repeat(width))));
  for (const cells of body) say(line(cells));
}

/** Prints the answers CloudFormation got in a deploy; returns how many were not SUCCESS. */
function answers(result: DeployResult): number {
  say(`The deploy: ${result.status}. The answers CloudFormation got:`);
  for (const op of result.operations) {
    const reason = op.answer.Reason ? `  Reason: ${op.answer.Reason}` : '';
    say(`  ${op.requestType} ${op.resourceType} ${op.logicalId}: ${op.answer.Status}  PhysicalResourceId: ${op.answer.PhysicalResourceId}${reason}`);
  }
  return result.operations.filter((op) => op.answer.Status !== 'SUCCESS').length;
}

/** Prints the handler's log lines of a deploy that `keep` selects. */
function logs(result: DeployResult, keep: (line: { message?: string }) => boolean): void {
  say('What the handler logged (all that CloudWatch Logs would keep: IDs, field names, counts; no values):');
  for (const op of result.operations) {
    if (op.invocation instanceof Error) continue;
    for (const text of op.invocation.output.split('\n').filter((each) => each.startsWith('{'))) {
      if (keep(JSON.parse(text))) say(`  ${text}`);
    }
  }
}

/** Prints a drift check's answer and log lines; returns 1 if it did not complete. */
function checkOutput(invocation: Invocation): number {
  const summary = invocation.result as DriftSummary | undefined;
  say(`Its answer: ${JSON.stringify(summary)}`);
  say('Its log (one line per drifted user, and the metrics in the Embedded Metric Format; no values):');
  for (const text of invocation.output.split('\n').filter((each) => each.startsWith('{'))) say(`  ${text}`);
  return summary?.status === 'completed' ? 0 : 1;
}

function heading(text: string): void {
  say(text);
  say('='.repeat(text.length));
}

function step(number: string, command: string, text: string): void {
  say('');
  say(`Step ${number} (${command}): ${text}`);
  say('-'.repeat(Math.min(100, `Step ${number} (${command}): ${text}`.length)));
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
