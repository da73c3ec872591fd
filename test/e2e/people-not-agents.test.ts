/**
 * An identity provider's export of a whole department, deployed as it is, time-scaled at Connect's default
 * quotas: a Microsoft Entra ID "Download users" file of 2,000 rows with every column, read with
 * `RosterLayout.ENTRA_ID_USERS`, one instance for the file and formatted mobile numbers. 500 of the people
 * are not Connect users. Without `skipUsersNotInConnect` the stage fails naming them (the first 15 and a
 * count); with it, the 1,500 agents are applied, the stage succeeds, and the 500 are counted and logged
 * by username hash only; a drift check of that roster counts them as not in Connect, not as failures,
 * without reading them, until one becomes an agent. Connect already holds most agents' declared values, so the deploys mostly read:
 * one listing of the instance finds every username, then a DescribeUser each.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConnectUserDriftCheck, ConnectUserRoster, Roster, RosterLayout } from '../../lib';
import type { DriftSummary } from '../../lambda/drift-check/drift-check';
import { findLeaks } from '../support/personal-data';
import { usernameHash } from '../../lib/roster-declarations';
import { Invocation } from '../support/cloudformation-driver';
import { RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';
import { DeployResult } from '../support/stack-deployer';

const { timeScale: K } = TIME_SCALED_DEFAULT_QUOTA;
const ROWS = 2_000;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });

/** The columns of Entra ID's "Download users", in its order. */
const ENTRA_HEADER =
  'userPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department,accountEnabled,usageLocation,streetAddress,state,country,officeLocation,city,postalCode,telephoneNumber,mobilePhone,alternateEmailAddress,ageGroup,consentProvidedForMinor,legalAgeGroupClassification,companyName,creationType,directorySynced,invitationState,identityIssuer,createdDateTime';

interface Person {
  readonly upn: string;
  readonly given: string;
  readonly surname: string;
  readonly mail: string;
  /** As the export writes it, and in E.164. */
  readonly mobile?: { readonly written: string; readonly e164: string };
  /** Whether the person is a Connect user. */
  readonly agent: boolean;
}

const people: Person[] = Array.from({ length: ROWS }, (_, index) => ({
  upn: `person${index}.dept@corp.example`,
  given: `Given${index}q`,
  surname: `Family${index}q`,
  mail: `given${index}.family${index}@corp.example`,
  ...(index % 10 === 0 ? { mobile: { written: `+1 (206) 555-01${String(index % 100).padStart(2, '0')}`, e164: `+120655501${String(index % 100).padStart(2, '0')}` } } : {}),
  agent: index % 4 !== 3,
}));
const agents = people.filter((person) => person.agent);
const notAgents = people.filter((person) => !person.agent);

/** The export as the portal writes it: every column, CRLF, True/False, US dates; people who are not agents too. */
function entraExport(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-export-'));
  const file = path.join(dir, 'department.csv');
  const rows = people.map((person, index) =>
    [
      person.upn,
      `${person.given} ${person.surname}`,
      person.surname,
      person.mail,
      person.given,
      randomUUID(),
      'Member',
      person.agent ? 'Agent' : 'Analyst',
      'Customer Care',
      index % 7 === 0 ? 'False' : 'True',
      'US',
      '100 Main Street',
      'WA',
      'United States',
      'Seattle 1',
      'Seattle',
      '98101',
      '+1 206 555 0100',
      person.mobile?.written ?? '',
      '',
      '',
      '',
      '',
      'Example Corp',
      '',
      'True',
      '',
      'corp.example',
      '3/14/2024 9:26:53 AM',
    ].join(','),
  );
  writeFileSync(file, `\uFEFF${ENTRA_HEADER}\r\n${rows.join('\r\n')}\r\n`);
  return file;
}

/** Every invocation since `mark` (an index of Lambda's invocations): the first of each event of a deploy, and every hand-over, once each. */
async function invocationsOf(result: DeployResult, mark: number): Promise<Invocation[]> {
  await world.lambda.settled();
  const all = [
    ...result.operations.map((op) => op.invocation),
    ...(await Promise.all(world.lambda.invocations.slice(mark).map((each) => each.ended))),
  ];
  return [...new Set(all.filter((each): each is Invocation => !(each instanceof Error)))];
}

let exportFile: string;
const roster = () => Roster.fromPath(exportFile, { instanceId: INSTANCE, layout: RosterLayout.ENTRA_ID_USERS, normalizeMobileNumbers: true });

beforeAll(() => {
  exportFile = entraExport();
  for (const person of people) [person.upn, person.given, person.surname, person.mail, person.mobile?.written, person.mobile?.e164].forEach((value) => value && world.secrets.add(value));
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  // The agents already hold their declared values, but for one in ten, whose surname changed since.
  agents.forEach((person, index) =>
    world.seedUser(INSTANCE, {
      username: person.upn,
      identityInfo: { FirstName: person.given, LastName: index % 10 === 0 ? `Before${index}q` : person.surname, Email: person.mail, ...(person.mobile ? { Mobile: person.mobile.e164 } : {}) },
    }),
  );
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('the export loads: 2,000 entries named by Username, with the instance of the option and E.164 mobiles', () => {
  const loaded = roster();
  expect(loaded.problems).toEqual([]);
  expect(loaded.entries).toHaveLength(ROWS);
  expect(loaded.entries[0]).toMatchObject({ instanceId: INSTANCE, username: people[0].upn, identityInfo: { mobile: people[0].mobile!.e164 } });
});

test('without skipUsersNotInConnect, the stage fails naming the first 15 people not in Connect, by username hash, and counting the rest', async () => {
  // GIVEN the export, declared as it is
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Department', { roster: roster() }));

  // WHEN it is deployed
  const mark = world.connect.requests.length;
  const result = await world.deployer.deploy(source);
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN the stage fails, and the stack rolls back
  expect(result.status).toBe('ROLLBACK_COMPLETE');
  const [create] = result.operations;
  expect(create.answer.Status).toBe('FAILED');
  // AND every agent was applied all the same: the one in ten whose surname changed was written
  expect(world.connect.requestsFor('UpdateUserIdentityInfo').filter((request) => request.receivedAt >= result.operations[0].startedAt && request.status === 200)).toHaveLength(agents.length / 10);
  // AND the Reason counts the 500, names 15 of them by username hash, and says how to skip them
  const reason = create.answer.Reason!;
  expect(reason).toMatch(/^500 of 2000 users could not be applied; fix them and deploy again \(the others were applied\): 500 are not in Connect \(no such user in the instance\): /);
  expect(reason).toMatch(/\.\.\. and 485 more \(the handler's log lists each\)\. If the roster names people who are not Connect users, set skipUsersNotInConnect to skip them$/);
  const named = [...reason.matchAll(/user (Username:[0-9a-f]{12}) in instance ([0-9a-f-]{36})/g)];
  expect(named).toHaveLength(15);
  const notAgentKeys = new Set(notAgents.map((person) => `Username:${usernameHash(INSTANCE, person.upn)}`));
  for (const [, key, instance] of named) {
    expect(notAgentKeys.has(key)).toBe(true);
    expect(instance).toBe(INSTANCE);
  }
  expect(Buffer.byteLength(create.puts.find((put) => put.status === 200)!.raw)).toBeLessThanOrEqual(4_096);
  // AND the usernames were found in one listing of the instance, not one search each
  const requests = world.connect.requests.slice(mark);
  expect(requests.filter((request) => request.operation === 'SearchUsers')).toEqual([]);
  expect(requests.filter((request) => request.operation === 'ListUsers')).toHaveLength(2);
}, 120_000);

test('with skipUsersNotInConnect, the 1,500 agents are applied and the stage succeeds, counting the 500 and logging them by hash', async () => {
  // GIVEN the same export, declared by a roster that skips people who are not Connect users
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Department', { roster: roster(), skipUsersNotInConnect: true }));

  // WHEN it is deployed
  const mark = world.connect.requests.length;
  const invoked = world.lambda.invocations.length;
  const result = await world.deployer.deploy(source);
  expect(await world.leaksOf(result)).toEqual([]);

  // THEN the stage succeeds, saying how many users it went through, wrote (none: the failed deploy applied them) and skipped
  expect(result.status).toBe('CREATE_COMPLETE');
  const [create] = result.operations;
  expect(create.answer).toMatchObject({ Status: 'SUCCESS', Data: { Users: '2000', Written: '0', Skipped: '500' } });
  // AND every agent holds its declaration
  const byUsername = new Map(world.connect.usersOf(INSTANCE).map((user) => [user.username, user]));
  expect(byUsername.size).toBe(agents.length);
  for (const person of agents) {
    expect(byUsername.get(person.upn)!.identityInfo).toEqual({ FirstName: person.given, LastName: person.surname, Email: person.mail, ...(person.mobile ? { Mobile: person.mobile.e164 } : {}) });
  }
  // AND the log names each skipped person once, by username hash only
  const output = (await invocationsOf(result, invoked)).map((invocation) => invocation.output).join('\n');
  const skipped = output
    .split('\n')
    .filter((line) => line.includes('"user not in Connect: skipped"'))
    .map((line) => JSON.parse(line) as { user: string; instanceId: string });
  expect(new Set(skipped.map((line) => line.user))).toEqual(new Set(notAgents.map((person) => `Username:${usernameHash(INSTANCE, person.upn)}`)));
  expect(skipped).toHaveLength(500);
  // AND the deploy only read: one listing, then a DescribeUser per agent
  const requests = world.connect.requests.slice(mark);
  const count = (operation: string) => requests.filter((request) => request.operation === operation && request.status === 200).length;
  expect({ ListUsers: count('ListUsers'), SearchUsers: count('SearchUsers'), DescribeUser: count('DescribeUser'), UpdateUserIdentityInfo: count('UpdateUserIdentityInfo') }).toEqual({
    ListUsers: 2,
    SearchUsers: 0,
    DescribeUser: agents.length,
    UpdateUserIdentityInfo: 0,
  });
}, 120_000);

test('a drift check of the roster counts the 500 as not in Connect, not as failures, without a read, and checks one who became an agent', async () => {
  // GIVEN the roster that skips people who are not Connect users, and a drift check
  const source = await world.synth((stack) => {
    new ConnectUserRoster(stack, 'Department', { roster: roster(), skipUsersNotInConnect: true });
    new ConnectUserDriftCheck(stack, 'Drift');
  });
  expect((await world.deployer.deploy(source)).status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);

  // WHEN a check runs
  const check = async () => {
    const mark = world.connect.requests.length;
    const invocation = await world.checkDrift({ correct: false });
    await world.lambda.settled();
    expect(invocation.outcome).toBe('returned');
    expect(findLeaks(invocation, world.secrets)).toEqual([]);
    const requests = world.connect.requests.slice(mark);
    // Answered requests: a throttled one is sent again
    const count = (operation: string) => requests.filter((request) => request.operation === operation && request.status === 200).length;
    const described = new Set(requests.filter((request) => request.operation === 'DescribeUser' && request.status === 200).map((request) => request.path));
    return { summary: invocation.result as DriftSummary, describes: count('DescribeUser'), searches: count('SearchUsers'), described };
  };
  const first = await check();

  // THEN it completes with no failure: the 500 are counted apart, found absent in the listing, never read
  expect(first.summary).toMatchObject({ status: 'completed', users: ROWS, checked: ROWS, failed: 0, notInConnect: notAgents.length, drifted: 0 });
  expect({ describes: first.describes, searches: first.searches }).toEqual({ describes: agents.length, searches: 0 });

  // WHEN one of them becomes a Connect user, with other values than declared, and the next check runs
  const hired = notAgents[0];
  const hiredId = world.seedUser(INSTANCE, { username: hired.upn, identityInfo: { FirstName: hired.given, LastName: 'Other', Email: hired.mail } }).id;
  const second = await check();

  // THEN that user is read (with the few agents the deploy wrote in the second the first check began), and
  // reported drifted; the other 499 are still counted apart, with no search for them
  expect(second.summary).toMatchObject({ status: 'completed', failed: 0, notInConnect: notAgents.length - 1, drifted: 1 });
  expect([...second.described].filter((path) => path.endsWith(`/${hiredId}`))).toHaveLength(1);
  expect({ searches: second.searches, fewReads: second.describes < agents.length / 100 }).toEqual({ searches: 0, fewReads: true });
}, 120_000);
