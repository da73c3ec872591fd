/**
 * `npm run demo`: a whole deploy of the example app, played locally and shown step by step.
 *
 * It synthesizes the example app (bin/example-app.ts, the same construction `npx cdk synth` runs) with
 * its roster, starts the local Amazon Connect emulator with the roster's users at other starting
 * identities, then plays what CloudFormation would send to the handler that the template deploys (the
 * bundled asset in the cloud assembly): a Create for every declared user, an Update after one field of
 * one declaration changes, and a Delete for every user. Before and after each step it prints what
 * Connect holds, and the answer CloudFormation gets.
 *
 *   npm run demo                            the example team, examples/team.yaml
 *   npm run demo -- examples/roster.yaml    another roster (a file or a directory)
 *
 * Everything runs on 127.0.0.1: no AWS account, no credentials. Values are shown because they are the
 * demo's own; the handler itself never logs them (see the log lines under step 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createExampleApp, EXAMPLE_STACK_NAME } from '../bin/example-app';
import { IDENTITY_FIELDS, IdentityField, IdentityRecord, parseInstanceReference } from '../lib/identity-rules';
import {
  CloudFormationDriver,
  customResourcesOf,
  DeclaredResource,
  handlerAssetFromAssembly,
  Invocation,
  Properties,
} from '../test/support/cloudformation-driver';
import { ConnectEmulator } from '../test/support/connect-emulator';

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
  const workDir = mkdtempSync(path.join(tmpdir(), 'connect-demo-'));
  const emulator = new ConnectEmulator();
  let driver: CloudFormationDriver | undefined;
  try {
    heading('Amazon Connect user identities: a deploy of the example app, played locally');
    say(`Roster: ${path.relative(process.cwd(), rosterPath)}`);
    say('Amazon Connect is a local emulator; CloudFormation is played by a driver that sends the events and');
    say('receives the handler\'s answers; the handler runs as Lambda would run it. Nothing leaves 127.0.0.1.');

    // ---- synthesize ----
    step('0', 'cdk synth', 'the example app is synthesized, as `npx cdk synth` does');
    const first = synthesize(path.join(workDir, 'cdk.out.1'), rosterPath);
    const handler = handlerAssetFromAssembly(first.outdir, EXAMPLE_STACK_NAME);
    say(`${EXAMPLE_STACK_NAME}: ${first.resources.length} Custom::ConnectUserIdentity resource(s), served by ${handler.functionLogicalId}`);
    say(`handler code: the bundled asset the template deploys, ${path.relative(workDir, handler.entry)}`);
    for (const resource of first.resources) say(`  ${resource.logicalId}\n    ${describeDeclaration(resource.properties)}`);

    // ---- Connect, as it is before the deploy ----
    await emulator.start();
    const users = seed(emulator, first.resources);
    driver = new CloudFormationDriver({ handlerPath: handler.entry, environment: emulator.environment(), stackName: EXAMPLE_STACK_NAME });
    await driver.start();
    const labelOf = (properties: Properties) => labelFor(users, properties);
    say('');
    say('Amazon Connect before the deploy (the emulator, seeded with the roster\'s users; instances CONNECT_MANAGED):');
    let previous = snapshot(emulator, users);
    table(previous);

    // ---- Create ----
    step('1', 'cdk deploy', 'CloudFormation sends Create for every declared user, all at once');
    let mark = emulator.requests.length;
    const created = await Promise.all(first.resources.map((resource) => driver!.invoke(driver!.createEvent(resource.logicalId, resource.properties), { mode: 'in-process' })));
    answers(created, labelOf);
    say('Each user now holds what is declared; the fields a declaration leaves out keep their values.');
    previous = showConnect(emulator, users, previous, mark);
    const physicalIds = new Map(created.map((invocation) => [invocation.event.LogicalResourceId, invocation.answer?.PhysicalResourceId ?? '']));

    // ---- Update ----
    const change = changeOneField(first.resources);
    step('2', 'cdk deploy', 'one field of one declaration changes; CloudFormation sends Update for that user only');
    say(`The new declaration: ${labelOf(change.resource.properties)}'s ${change.field}: ${change.from ?? '(not declared)'} -> ${change.to}`);
    const changedRoster = path.join(workDir, 'roster-v2.json');
    writeFileSync(changedRoster, JSON.stringify(change.roster, null, 2));
    const second = synthesize(path.join(workDir, 'cdk.out.2'), changedRoster);
    const updates = second.resources.filter((resource) => {
      const before = first.resources.find((each) => each.logicalId === resource.logicalId);
      return before && JSON.stringify(before.properties) !== JSON.stringify(resource.properties);
    });
    say(`Synthesized again from the changed roster: ${updates.length} resource(s) with new properties, same logical IDs.`);
    mark = emulator.requests.length;
    const updated: Invocation[] = [];
    for (const resource of updates) {
      const old = first.resources.find((each) => each.logicalId === resource.logicalId)!;
      updated.push(
        await driver.invoke(driver.updateEvent(resource.logicalId, physicalIds.get(resource.logicalId)!, resource.properties, old.properties), {
          mode: 'in-process',
        }),
      );
    }
    answers(updated, labelOf);
    say('What the handler logged for it (all that CloudWatch Logs would keep: IDs, field names, counts; no values):');
    for (const invocation of updated) {
      for (const line of invocation.output.split('\n').filter((each) => each.startsWith('{'))) say(`  ${line}`);
    }
    previous = showConnect(emulator, users, previous, mark);

    // ---- Delete ----
    step('3', 'cdk destroy', 'CloudFormation sends Delete for every declared user');
    mark = emulator.requests.length;
    const deleted = await Promise.all(
      second.resources.map((resource) =>
        driver!.invoke(driver!.deleteEvent(resource.logicalId, physicalIds.get(resource.logicalId)!, resource.properties), { mode: 'in-process' }),
      ),
    );
    answers(deleted, labelOf);
    say('Delete leaves every identity as it is: removing a declaration or a stack erases nobody\'s name or email.');
    showConnect(emulator, users, previous, mark);

    const all = [...created, ...updated, ...deleted];
    const unanswered = all.filter((invocation) => invocation.answer === undefined);
    say('');
    say(`Done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${all.length} events, ${all.length - unanswered.length} answered.`);
    return unanswered.length === 0 && emulator.internalErrors.length === 0 ? 0 : 1;
  } finally {
    await driver?.stop();
    await emulator.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Synthesizes the example app with a roster into `outdir`; the template's custom resources, in order. */
function synthesize(outdir: string, rosterPath: string): { outdir: string; resources: DeclaredResource[] } {
  const { app } = createExampleApp({ outdir, context: { roster: rosterPath } });
  app.synth();
  return { outdir, resources: customResourcesOf(outdir, EXAMPLE_STACK_NAME) };
}

/** Adds the instances and users the declarations name, each user at its starting identity. */
function seed(emulator: ConnectEmulator, resources: readonly DeclaredResource[]): Seeded[] {
  const users: Seeded[] = [];
  const instances = new Set<string>();
  for (const { properties } of resources) {
    const instanceId = parseInstanceReference(String(properties.InstanceId))?.instanceId ?? String(properties.InstanceId);
    if (!instances.has(instanceId)) emulator.addInstance({ id: instanceId, identityManagementType: 'CONNECT_MANAGED' });
    instances.add(instanceId);
    const key = String(properties.UserId ?? properties.Username);
    const start = STARTING_IDENTITIES[key] ?? { username: String(properties.Username ?? `agent${users.length + 1}`), identityInfo: {} };
    const user = emulator.addUser(instanceId, {
      id: typeof properties.UserId === 'string' ? properties.UserId : start.id,
      username: start.username,
      identityInfo: start.identityInfo,
    });
    users.push({ instanceId, userId: user.id, username: user.username });
  }
  return users;
}

/** The new roster: the declarations of the template, with one field of the first one changed. */
function changeOneField(resources: readonly DeclaredResource[]) {
  const resource = resources[0];
  const info = resource.properties.IdentityInfo as IdentityRecord;
  const field: IdentityField = info.LastName !== undefined ? 'LastName' : 'Mobile';
  const to = field === 'LastName' ? `${info.LastName}-Rivera` : '+12065550199';
  const roster = resources.map(({ properties }, index) => ({
    IdentityInfo: index === 0 ? { ...(properties.IdentityInfo as IdentityRecord), [field]: to } : properties.IdentityInfo,
    ...(properties.UserId !== undefined ? { UserId: properties.UserId } : { Username: properties.Username }),
    InstanceId: properties.InstanceId,
  }));
  return { resource, field, from: info[field], to, roster };
}

// ---- output ----

type Snapshot = { label: string; identity: IdentityRecord }[];

function snapshot(emulator: ConnectEmulator, users: readonly Seeded[]): Snapshot {
  return users.map((user) => ({ label: `${user.username} (${user.userId.slice(-4)})`, identity: emulator.user(user.instanceId, user.userId).identityInfo }));
}

/** Prints the Connect calls made since `mark` and the identities, marking what changed; returns them. */
function showConnect(emulator: ConnectEmulator, users: readonly Seeded[], previous: Snapshot, mark: number): Snapshot {
  const counts = new Map<string, number>();
  for (const request of emulator.requests.slice(mark)) counts.set(request.operation, (counts.get(request.operation) ?? 0) + 1);
  say(`Calls to Amazon Connect: ${counts.size === 0 ? 'none' : [...counts].map(([operation, count]) => `${operation} x${count}`).join(', ')}`);
  const now = snapshot(emulator, users);
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

function answers(invocations: readonly Invocation[], labelOf: (properties: Properties) => string): void {
  say('The answer CloudFormation gets:');
  for (const invocation of invocations) {
    const answer = invocation.answer;
    const label = labelOf((invocation.event.ResourceProperties ?? {}) as Properties);
    if (!answer) {
      say(`  ${label}: no answer (${invocation.outcome})`);
      continue;
    }
    const reason = answer.Reason ? `  Reason: ${answer.Reason}` : '';
    const data = answer.Data ? `  Data: ${Object.keys(answer.Data).join(', ')} (NoEcho)` : '';
    say(`  ${label}: ${answer.Status}  PhysicalResourceId: ${answer.PhysicalResourceId}${reason}${data}`);
  }
}

function labelFor(users: readonly Seeded[], properties: Properties): string {
  const instanceId = parseInstanceReference(String(properties.InstanceId))?.instanceId;
  const user = users.find(
    (each) => each.instanceId === instanceId && (each.userId === properties.UserId || (properties.UserId === undefined && each.username === properties.Username)),
  );
  return user ? user.username : String(properties.UserId ?? 'a user named by Username');
}

function describeDeclaration(properties: Properties): string {
  const user = properties.UserId !== undefined ? `UserId ${properties.UserId}` : `Username ${properties.Username}`;
  return `${user} in ${properties.InstanceId}: ${JSON.stringify(properties.IdentityInfo)}`;
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
