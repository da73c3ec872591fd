import { StackChanged, StackWatch } from '../../../lambda/drift-check/stack-watch';

const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Center/1';
const AT_REST = { status: 'UPDATE_COMPLETE', updatedAt: '2026-12-07T09:00:00.000Z' };

test('a thousand confirmations at once share a read or two of the stack', async () => {
  // GIVEN a CloudFormation that answers in 20 ms
  let reads = 0;
  const watch = new StackWatch(STACK, AT_REST, async () => {
    reads++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return AT_REST;
  });
  // WHEN, some milliseconds after the state it began with, a thousand drifts found now are confirmed
  await new Promise((resolve) => setTimeout(resolve, 5));
  await Promise.all(Array.from({ length: 1_000 }, () => watch.confirm(Date.now())));
  // THEN each was confirmed by a read started after it asked, and there were at most two
  expect(reads).toBeGreaterThanOrEqual(1);
  expect(reads).toBeLessThanOrEqual(2);
});

test('a stack deployed meanwhile (its status back, its last update not) stops the check, as a deploy in progress does', async () => {
  for (const state of [{ ...AT_REST, updatedAt: '2026-12-07T09:05:00.000Z' }, { ...AT_REST, status: 'UPDATE_IN_PROGRESS' }]) {
    const watch = new StackWatch(STACK, AT_REST, async () => state);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(watch.confirm(Date.now())).rejects.toBeInstanceOf(StackChanged);
    expect(watch.changed).toContain(state.status);
  }
});

test('a read made before the moment that matters does not confirm it', async () => {
  let answer = AT_REST;
  const watch = new StackWatch(STACK, AT_REST, async () => answer);
  await watch.confirm(Date.now());
  answer = { ...AT_REST, status: 'UPDATE_IN_PROGRESS' };
  await new Promise((resolve) => setTimeout(resolve, 5));
  await expect(watch.confirm(Date.now())).rejects.toBeInstanceOf(StackChanged);
});
