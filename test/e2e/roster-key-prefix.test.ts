/**
 * A stack deployed by the previous version, whose declaration files' key prefix hashed the stack's
 * construct path (and whose roster policy was `RosterDeploy`), upgrades to the prefix that hashes the
 * stack's name. The S3 emulator lets the handler read only what the deployed policies grant, with
 * CloudFormation's timing: so these deploys show that the previous file, under the old prefix, stays
 * readable through the upgrade and through its rollback.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConnectUserRoster } from '../../lib';
import { shortHash } from '../../lib/roster-declarations';
import { RosterFileEntry, RosterWorld } from '../support/roster-world';
import { StackSource } from '../support/stack-deployer';

const USER_COUNT = 20;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: 1, stackName: 'RosterKeyPrefix' });
const USER_IDS = Array.from({ length: USER_COUNT }, () => randomUUID());

function entriesWith(lastNameOf: (index: number) => string, extra: RosterFileEntry[] = []): RosterFileEntry[] {
  return [...USER_IDS.map((id, index) => ({ InstanceId: INSTANCE, UserId: id, IdentityInfo: { FirstName: `Agent${index}`, LastName: lastNameOf(index) } })), ...extra];
}

/** The logical ID the previous version gave the roster policy: `RosterDeploy` in the stack's provider. */
function previousPolicyLogicalId(): string {
  const stack = new Stack(new App(), 'Any');
  const policy = new CfnResource(new Construct(new Construct(stack, 'ConnectUserIdentityProvider'), 'RosterDeploy'), 'Resource', { type: 'AWS::IAM::Policy' });
  return stack.getLogicalId(policy);
}

/**
 * The cloud assembly as the previous version wrote it for the same roster: the same files, but keyed
 * under `connect-user-roster-<hash of the stack's construct path>-`, and granted by the policy
 * `RosterDeploy`. (A top-level stack's construct path is its id, here the stack's name.)
 */
function asPreviousVersion(source: StackSource): { source: StackSource; previousPrefix: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'roster-previous-version-'));
  cpSync(source.cloudAssemblyDir, dir, { recursive: true });
  const templateFile = path.join(dir, `${source.stackName}.template.json`);
  const template = JSON.parse(readFileSync(templateFile, 'utf8'));
  const stage = Object.values<any>(template.Resources).find((resource) => resource.Type === 'Custom::ConnectUserRoster');
  const prefix = /^connect-user-roster-[0-9a-f]{12}-/.exec(stage.Properties.Declarations.Key)![0];
  const [policyId] = Object.entries<any>(template.Resources).find(
    ([, resource]) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.PolicyDocument).includes('s3:GetObject'),
  )!;
  const previousPrefix = `connect-user-roster-${shortHash(source.stackName)}-`;
  const rewrite = (text: string) => text.split(prefix).join(previousPrefix).split(policyId).join(previousPolicyLogicalId());
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith('.json')) writeFileSync(file, rewrite(readFileSync(file, 'utf8')));
    if (name.includes(prefix)) renameSync(file, path.join(dir, rewrite(name)));
  }
  return { source: { ...source, cloudAssemblyDir: dir }, previousPrefix };
}

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(entriesWith((index) => `Held${index}`), () => ({ LastName: 'Held' }));
});
afterAll(() => world.stop());

test('the upgrade to the new key prefix reads the previous file, and so does its rollback', async () => {
  // GIVEN the roster deployed by the previous version, under the previous prefix and policy
  const { source: previous, previousPrefix } = asPreviousVersion(await world.synth((stack) => new ConnectUserRoster(stack, 'Roster', { roster: world.roster(entriesWith((index) => `Declared${index}`)) })));
  const created = await world.deployer.deploy(previous);
  expect(created.status).toBe('CREATE_COMPLETE');
  expect(world.connect.user(INSTANCE, USER_IDS[0]).identityInfo.LastName).toBe('Declared0');

  // WHEN this version deploys a change to one user, with a user Connect does not have: the stage fails
  let mark = world.s3.requests.length;
  const failing = await world.synth((stack) =>
    new ConnectUserRoster(stack, 'Roster', {
      roster: world.roster(entriesWith((index) => (index === 0 ? 'Changed0' : `Declared${index}`), [{ InstanceId: INSTANCE, UserId: randomUUID(), IdentityInfo: { LastName: 'Nobody' } }])),
    }),
  );
  const failed = await world.deployer.deploy(failing);
  expect(await world.leaksOf(failed)).toEqual([]);

  // THEN the rollback applies the previous file, read under the old prefix, and the user is as declared before
  expect(failed.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  const rollback = failed.operations.filter((op) => op.rollback);
  expect(rollback.map((op) => `${op.resourceType} ${op.requestType} ${op.answer.Status}`)).toEqual(['Custom::ConnectUserRoster Update SUCCESS']);
  expect(world.connect.user(INSTANCE, USER_IDS[0]).identityInfo.LastName).toBe('Declared0');
  const reads = world.s3.requests.slice(mark);
  expect(reads.filter((request) => request.key.startsWith(previousPrefix)).map((request) => request.status)).toEqual([200, 200]);
  expect(reads.filter((request) => request.status !== 200)).toEqual([]);

  // WHEN this version deploys the change without the missing user
  mark = world.s3.requests.length;
  const requestMark = world.connect.requests.length;
  const upgraded = await world.deployer.deploy(await world.synth((stack) => new ConnectUserRoster(stack, 'Roster', { roster: world.roster(entriesWith((index) => (index === 0 ? 'Changed0' : `Declared${index}`))) })));
  expect(await world.leaksOf(upgraded)).toEqual([]);

  // THEN the update reads the previous file under the old prefix, so it reads and writes the changed user only
  expect(upgraded.status).toBe('UPDATE_COMPLETE');
  expect(world.s3.requests.slice(mark).filter((request) => request.key.startsWith(previousPrefix)).map((request) => request.status)).toEqual([200]);
  const requests = world.connect.requests.slice(requestMark);
  expect(requests.filter((request) => request.operation === 'DescribeUser')).toHaveLength(1);
  expect(requests.filter((request) => request.operation === 'UpdateUserIdentityInfo')).toHaveLength(1);
  expect(world.connect.user(INSTANCE, USER_IDS[0]).identityInfo.LastName).toBe('Changed0');
}, 300_000);
