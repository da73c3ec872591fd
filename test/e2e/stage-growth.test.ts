/**
 * A roster that grows past a stage threshold (2,500 users to 2,501) keeps its stage and adds one: the
 * existing stage is updated, so that a deploy that fails rolls back with an Update that restores every
 * user it changed, including those that moved to the new stage. Time-scaled ten times at Connect's
 * per-operation quotas.
 */
import { App, Stack } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { ConnectUserRoster } from '../../lib';
import { stageOf } from '../../lib/roster-declarations';
import { RosterFileEntry, RosterWorld, TIME_SCALED_DEFAULT_QUOTA } from '../support/roster-world';

const { timeScale: K } = TIME_SCALED_DEFAULT_QUOTA;
const INSTANCE = randomUUID();
const world = new RosterWorld({ timeScale: K });
const entry = (id: string, lastName: string): RosterFileEntry => ({ InstanceId: INSTANCE, UserId: id, IdentityInfo: { LastName: lastName } });
const before = Array.from({ length: 2_500 }, (_, index) => entry(randomUUID(), `Declared${index}`));

/** A user ID that falls in the given stage of two. */
function idInStage(stage: number): string {
  for (;;) {
    const id = randomUUID();
    if (stageOf(entry(id, ''), 2) === stage) return id;
  }
}

beforeAll(() => {
  world.connect.addInstance({ id: INSTANCE, identityManagementType: 'CONNECT_MANAGED' });
  world.seedRoster(before, (each) => each.IdentityInfo);
  world.throttleConnect(TIME_SCALED_DEFAULT_QUOTA);
});
afterAll(() => world.stop());

test('2,500 → 2,501 users with 20 changes and an unknown user: the update fails, the first stage is updated, and the rollback restores all 20', async () => {
  // GIVEN a deployed roster of 2,500 (one stage), Connect holding what it declares
  const deployedSource = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(before) }));
  world.deployer.assumeDeployed(deployedSource);

  // WHEN 20 agents are renamed (in both stages to be), and an agent Connect does not know joins, in the new stage
  const changed = [...before.filter((each) => stageOf(each, 2) === 0).slice(0, 10), ...before.filter((each) => stageOf(each, 2) === 1).slice(0, 10)];
  const after = [...before.map((each) => (changed.includes(each) ? entry(each.UserId!, 'Interim') : each)), entry(idInStage(1), 'Unknown')];
  const stagesOf = (roster: RosterFileEntry[]) => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new ConnectUserRoster(stack, 'Center', { roster: world.roster(roster) });
    return stack.node.findChild('Center').node.children.map((child) => child.node.id).filter((id) => id.startsWith('Stage'));
  };
  expect(stagesOf(before)).toEqual(['Stage1']);
  expect(stagesOf(after)).toEqual(['Stage1', 'Stage2']);
  const source = await world.synth((stack) => new ConnectUserRoster(stack, 'Center', { roster: world.roster(after) }));
  const result = await world.deployer.deploy(source);
  await world.lambda.settled();

  // THEN the first stage was updated (not replaced), the new one failed on the unknown agent, and the rollback
  // updated the first stage back
  expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(result.operations.map((op) => [op.logicalId.replace(/[0-9A-F]{8}$/, ''), op.requestType, op.rollback, op.answer.Status])).toEqual([
    ['CenterStage1', 'Update', false, 'SUCCESS'],
    ['CenterStage2', 'Create', false, 'FAILED'],
    ['CenterStage2', 'Delete', true, 'SUCCESS'],
    ['CenterStage1', 'Update', true, 'SUCCESS'],
  ]);
  // AND the 20 agents, wherever their new stage, hold their old declaration again
  for (const each of changed) expect(world.connect.user(INSTANCE, each.UserId!).identityInfo).toEqual(each.IdentityInfo);
  // AND nothing was written but what a declaration in progress held
  expect(world.staleWrites([result])).toEqual([]);
  expect(await world.leaksOf(result)).toEqual([]);
}, 600_000);
