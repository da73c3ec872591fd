import { changedDeclarations } from '../../../lambda/runtime/declarations';
import { failureReason, isSkipped } from '../../../lambda/custom-resource/roster-stage';
import { RosterDeclaration } from '../../../lib/roster-declarations';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const userId = (index: number) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
const declaration = (index: number, lastName: string, instanceId = INSTANCE): RosterDeclaration => ({ InstanceId: instanceId, UserId: userId(index), IdentityInfo: { LastName: lastName } });

describe('changedDeclarations', () => {
  test('on Create, every declaration is work', () => {
    expect(changedDeclarations([declaration(1, 'A'), declaration(2, 'B')], undefined)).toEqual([0, 1]);
  });

  test('on Update, only new and changed declarations are work; removed ones are left alone', () => {
    // GIVEN a previous file of three users, and a current one where one changed, one left and one joined
    const previous = [declaration(1, 'A'), declaration(2, 'B'), declaration(3, 'C')];
    const current = [declaration(1, 'A'), declaration(2, 'Changed'), declaration(4, 'New')];

    // THEN users 2 and 4 are the work
    expect(changedDeclarations(current, previous)).toEqual([1, 2]);
  });

  test('counts an instance given by ARN instead of ID as a change, and instance IDs in other case as the same user', () => {
    const previous = [declaration(1, 'A'), declaration(2, 'B')];
    const current = [declaration(1, 'A', `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}`), declaration(2, 'B', INSTANCE.toUpperCase())];
    expect(changedDeclarations(current, previous)).toEqual([0, 1]);
  });
});

describe('failureReason', () => {
  const failure = (index: number) => ({ instanceId: INSTANCE, user: userId(index), field: 'UserId', problem: 'the user was not found in the instance (DescribeUser: ResourceNotFoundException, HTTP 404)' });

  test('names every failed user when they fit', () => {
    const reason = failureReason([failure(1), failure(2)], 2, 2_000);
    expect(reason).toBe(
      `2 of 2000 users could not be applied; fix them and deploy again (the others were applied): user ${userId(1)} in instance ${INSTANCE}: UserId: ${failure(1).problem}; user ${userId(2)} in instance ${INSTANCE}: UserId: ${failure(2).problem}`,
    );
  });

  test('names as many as fit in 3,000 bytes, and counts the rest', () => {
    // GIVEN 300 failures, of which 200 were carried between invocations
    const reason = failureReason(Array.from({ length: 200 }, (_, index) => failure(index)), 300, 2_000);

    // THEN the Reason stays within its budget and says how many more there are
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(3_000);
    const listed = reason.split('; user ').length;
    expect(reason).toMatch(new RegExp(`\\.\\.\\. and ${300 - listed} more \\(the handler's log lists each\\)$`));
  });

  test('tells users Connect does not know apart: the first 15 by ID, then their count, and how to skip them', () => {
    // GIVEN 500 users not found (200 of them carried between invocations) and one other failure
    const notFound = (index: number) => ({ ...failure(index), field: 'Username', user: `Username:${index.toString(16).padStart(12, '0')}`, kind: 'user-not-found' as const });
    const other = { instanceId: INSTANCE, user: userId(9_999), field: 'Email', problem: 'Email cannot be set: the instance uses SAML' };
    const carried = [...Array.from({ length: 150 }, (_, index) => notFound(index)), other, ...Array.from({ length: 49 }, (_, index) => notFound(150 + index))];

    // WHEN the Reason is written
    const reason = failureReason(carried, 501, 2_000, { notFound: 500, skipped: 0 });

    // THEN the other failure is named, then the first 15 users not found, then how many more, and the option
    const named = Array.from({ length: 15 }, (_, index) => `user ${notFound(index).user} in instance ${INSTANCE}`).join('; ');
    expect(reason).toBe(
      `501 of 2000 users could not be applied; fix them and deploy again (the others were applied): user ${userId(9_999)} in instance ${INSTANCE}: Email: ${other.problem}. ` +
        `500 are not in Connect (no such user in the instance): ${named} ... and 485 more (the handler's log lists each). If the roster names people who are not Connect users, set skipUsersNotInConnect to skip them`,
    );
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(3_000);
    expect(reason).not.toContain(notFound(15).user);
  });

  test('says how many users not in Connect were skipped, when a stage that skips them fails for another reason', () => {
    const reason = failureReason([failure(1)], 1, 2_000, { skipped: 500 });
    expect(reason).toMatch(/^1 of 2000 users could not be applied; fix them and deploy again \(the others were applied, 500 not in Connect skipped\): user /);
  });
});

describe('isSkipped', () => {
  const failure = (kind?: 'user-not-found' | 'instance-not-found' | 'access-denied' | 'no-credentials') => ({ instanceId: INSTANCE, user: userId(1), field: 'UserId', problem: 'x', ...(kind ? { kind } : {}) });

  test('skips only a user Connect does not know, and only for a roster that asks to', () => {
    expect(isSkipped(failure('user-not-found'), true)).toBe(true);
    expect(isSkipped(failure('user-not-found'), false)).toBe(false);
    // Every other failure still fails the stage: a missing instance, a denied call, a value Connect refuses
    for (const kind of ['instance-not-found', 'access-denied', 'no-credentials', undefined] as const) expect(isSkipped(failure(kind), true)).toBe(false);
  });
});
