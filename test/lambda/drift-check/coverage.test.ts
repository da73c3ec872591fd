import { Coverage, MODIFIED_TIME_RESOLUTION_MS, NOT_CHECKED, passFor, WorkingPass } from '../../../lambda/drift-check/coverage';

const T = Date.parse('2026-12-07T09:00:00.400Z');
const USER = '00000000-0000-4000-8000-000000000001';
const versions = { Stage: 'files/a.json' };
const covered: Coverage = { asOf: T, versions, exceptions: {} };
const listed = (lastModifiedAt: number | undefined) => ({ sameAsCovered: true, listed: { userId: USER, lastModifiedAt } });

describe('which users a check reads', () => {
  test('a user not modified since the fact holds is known without a read', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 1);
    // Connect says 08:59:59: the whole second ended before T
    expect(pass.decide(listed(Date.parse('2026-12-07T08:59:59Z')), 0, covered, false)).toEqual({ kind: 'known' });
  });

  test('an edit in the same second as the moment the fact holds from is read: LastModifiedTime is in whole seconds', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 1);
    // The edit came 0.3 s after T, and Connect shows it as 09:00:00, before T
    const sameSecond = Math.floor(T / 1000) * 1000;
    expect(sameSecond).toBeLessThan(T);
    expect(pass.decide(listed(sameSecond), 0, covered, false)).toEqual({ kind: 'read', why: 'modified' });
    expect(sameSecond + MODIFIED_TIME_RESOLUTION_MS).toBeGreaterThan(T);
  });

  test('a user Connect gives no LastModifiedTime for, or that is not listed, is read', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 1);
    expect(pass.decide(listed(undefined), 0, covered, false)).toEqual({ kind: 'read', why: 'modified' });
    expect(pass.decide({ sameAsCovered: true }, 0, covered, false)).toEqual({ kind: 'read', why: 'not listed' });
  });

  test('a user declared anew or differently, or never checked, is read', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 1);
    expect(pass.decide({ ...listed(T - 60_000), sameAsCovered: false }, 0, covered, false)).toEqual({ kind: 'read', why: 'declaration changed' });
    expect(pass.decide(listed(T - 60_000), 0, undefined, false)).toEqual({ kind: 'read', why: 'never checked' });
  });

  test('a drifted user not modified since is reported without a read, and read when it must be corrected', () => {
    const drifted: Coverage = { ...covered, exceptions: { [USER]: [0b10, T] } };
    const pass = new WorkingPass(passFor({ covered: drifted }, versions, false, T + 60_000), 1);
    expect(pass.decide(listed(T - 60_000), 0, drifted, false)).toEqual({ kind: 'known', drifted: ['LastName'] });
    expect(pass.decide(listed(T - 60_000), 0, drifted, true)).toEqual({ kind: 'read', why: 'to correct' });
  });

  test('a user that could not be checked is read next time', () => {
    const failed: Coverage = { ...covered, exceptions: { [USER]: [NOT_CHECKED, T] } };
    const pass = new WorkingPass(passFor({ covered: failed }, versions, false, T + 60_000), 1);
    expect(pass.decide(listed(T - 60_000), 0, failed, false)).toEqual({ kind: 'read', why: 'not checked last time' });
  });

  test('a full re-read reads every user once, and a user it decided is known as of the pass', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, true, T + 60_000), 2);
    expect(pass.decide(listed(T - 60_000), 0, covered, false)).toEqual({ kind: 'read', why: 'full re-read' });
    pass.decided(0, USER, { kind: 'matches' }, true);
    expect(pass.decide(listed(T - 60_000), 0, covered, false)).toEqual({ kind: 'known' });
    expect(pass.decide(listed(T + 60_000), 0, covered, false)).toEqual({ kind: 'read', why: 'modified' });
  });
});

describe('how the fact moves', () => {
  test('only a complete pass moves it, to when the pass began listing', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 2);
    pass.decided(0, USER, { kind: 'drifted', fields: ['Email'] }, true);
    expect(pass.complete).toBe(false);
    pass.decided(1, undefined, { kind: 'matches' }, true);
    expect(pass.complete).toBe(true);
    expect(pass.fact()).toEqual({ asOf: T + 60_000, versions, exceptions: { [USER]: [0b100, T + 60_000] } });
  });

  test('a pass cut short is continued, not started over, unless the declaration changed or a full re-read is asked for', () => {
    const first = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 3);
    first.decided(0, USER, { kind: 'matches' }, true);
    const saved = first.toPass();
    expect(passFor({ covered, pass: saved }, versions, false, T + 120_000)).toBe(saved);
    expect(passFor({ covered, pass: saved }, { Stage: 'files/b.json' }, false, T + 120_000).startedAt).toBe(T + 120_000);
    expect(passFor({ covered, pass: saved }, versions, true, T + 120_000)).toMatchObject({ full: true, startedAt: T + 120_000, done: [] });
  });

  test('a pass with more exceptions than the ledger holds leaves no fact: every user is read next time', () => {
    const pass = new WorkingPass(passFor({ covered }, versions, false, T + 60_000), 1);
    pass.decided(0, USER, { kind: 'drifted', fields: ['Email'] }, false);
    expect(pass.complete).toBe(true);
    expect(pass.fact()).toBeUndefined();
  });
});
