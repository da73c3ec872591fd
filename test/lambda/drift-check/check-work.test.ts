import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CheckRequest, checkKey, claimHandOver, claimRequest, HeldCheck } from '../../../lambda/drift-check/check-work';
import { Ledger } from '../../../lambda/runtime/ledger';
import { LEDGER_TABLE_NAME, LedgerEmulator } from '../../support/ledger-emulator';

const emulator = new LedgerEmulator();
let ledger: Ledger;
let stack = 0;
let key: string;

beforeAll(async () => {
  await emulator.start();
  ledger = new Ledger(LEDGER_TABLE_NAME, new DynamoDBClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } }));
});
afterAll(() => emulator.stop());
beforeEach(() => {
  key = checkKey(`arn:aws:cloudformation:us-east-1:123456789012:stack/Checks/${++stack}`);
});

const at = (minute: number, full = false): CheckRequest => ({ checkId: `check-${minute}${full ? '-full' : ''}`, full, requestedAt: Date.UTC(2026, 11, 7, 9, minute), mustEndBy: Date.now() + 600_000 });
const claimant = (invocation: string, leaseMs = 5_000) => ({ invocation, leaseUntil: Date.now() + leaseMs });
const noWait = { until: 0, pollMs: 10 };

test('a check asked for earlier than the current one, or a copy of one that ended, does nothing', async () => {
  // GIVEN the 09:15 check claimed
  expect((await claimRequest(ledger, key, at(15), claimant('a'), noWait)).kind).toBe('claimed');
  // THEN the 09:00 check is not current
  expect(await claimRequest(ledger, key, at(0), claimant('b'), noWait)).toEqual({ kind: 'not current', why: 'a newer check has started since it was asked for' });
});

test('a copy of the current check waits while an invocation holds it, and takes it over in a new generation once its holder died', async () => {
  // GIVEN a check whose holder's lease is short
  const first = await claimRequest(ledger, key, at(15), claimant('a', 300), noWait);
  if (first.kind !== 'claimed') throw new Error('not claimed');
  // WHEN a copy arrives at once, then after the lease ran out
  const early = await claimRequest(ledger, key, at(15), claimant('b'), noWait);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = await claimRequest(ledger, key, at(15), claimant('c'), noWait);

  // THEN the first does nothing; the second takes over, and the first holder, woken, finds the check is no longer its own
  expect(early).toMatchObject({ kind: 'not current', why: expect.stringContaining('another invocation is working on') });
  expect(late).toMatchObject({ kind: 'claimed', resumed: true, entry: { state: { check: { generation: 2, holder: { invocation: 'c' } } } } });
  const woken = new HeldCheck(ledger, key, first.entry, 'a');
  expect(await woken.stillMine(0)).toBe(false);
  expect(woken.lost).toBe('another invocation has taken the check over');
});

test('a newer check asks the running one to stop, and starts once it has stopped: never two at once', async () => {
  // GIVEN the 09:00 check running
  const first = await claimRequest(ledger, key, at(0), claimant('a'), noWait);
  if (first.kind !== 'claimed') throw new Error('not claimed');
  const held = new HeldCheck(ledger, key, first.entry, 'a');

  // WHEN the 09:15 check comes, and the 09:00 one stops when it sees it waiting
  const newer = claimRequest(ledger, key, at(15), claimant('b'), { until: Date.now() + 5_000, pollMs: 20 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await held.stillMine(0)).toBe(true);
  expect(held.superseded).toBe('a newer check superseded it');
  await held.update((record) => ({ ...record, check: { ...record.check!, status: 'stopped', holder: undefined } }));

  // THEN the newer one claims it, and the older is remembered as ended
  expect(await newer).toMatchObject({ kind: 'claimed', resumed: false, entry: { state: { check: { checkId: 'check-15', generation: 1 }, ended: ['check-0'] } } });
  // AND an older check asked for meanwhile does nothing
  expect((await claimRequest(ledger, key, at(10), claimant('c'), noWait)).kind).toBe('not current');
});

test('a newer check does not wait forever for one that does not stop', async () => {
  await claimRequest(ledger, key, at(0), claimant('a', 60_000), noWait);
  expect(await claimRequest(ledger, key, at(15), claimant('b'), { until: Date.now() + 200, pollMs: 20 })).toEqual({
    kind: 'not current',
    why: 'the check it supersedes did not stop in time; the next check covers this one',
  });
});

test('a full re-read asked for at the same time as an incremental check comes after it', async () => {
  await claimRequest(ledger, key, at(0, true), claimant('a', 50), noWait);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await claimRequest(ledger, key, at(0), claimant('b'), noWait)).kind).toBe('not current');
});

test('a hand-over starts only the generation handed over, once; a forged or late one does nothing', async () => {
  // GIVEN a check handed over as generation 2
  const claim = await claimRequest(ledger, key, at(0), claimant('a'), noWait);
  if (claim.kind !== 'claimed') throw new Error('not claimed');
  const held = new HeldCheck(ledger, key, claim.entry, 'a');
  await held.update((record) => ({ ...record, check: { ...record.check!, generation: 2, holder: undefined, handedOverUntil: Date.now() + 5_000 } }));

  // THEN generation 1 (late), a check that is not current (forged) and generation 2 twice (a copy) come to one claim
  expect(await claimHandOver(ledger, key, { checkId: 'check-0', generation: 1 }, claimant('late'))).toMatchObject({ kind: 'not current', why: 'it is generation 1 of the check, and the ledger is at 2' });
  expect(await claimHandOver(ledger, key, { checkId: 'forged', generation: 2 }, claimant('forged'))).toMatchObject({ kind: 'not current', why: 'its check is not the current one' });
  expect((await claimHandOver(ledger, key, { checkId: 'check-0', generation: 2 }, claimant('b'))).kind).toBe('claimed');
  expect(await claimHandOver(ledger, key, { checkId: 'check-0', generation: 2 }, claimant('copy'))).toMatchObject({ kind: 'not current', why: 'another invocation is working on its check' });
});

test('a newer check does not wait for a hand-over of the older one on its way, which then finds itself superseded', async () => {
  const claim = await claimRequest(ledger, key, at(0), claimant('a'), noWait);
  if (claim.kind !== 'claimed') throw new Error('not claimed');
  const held = new HeldCheck(ledger, key, claim.entry, 'a');
  await held.update((record) => ({ ...record, check: { ...record.check!, generation: 2, holder: undefined, handedOverUntil: Date.now() + 60_000 } }));
  // WHEN the newer check comes while the hand-over is on its way (nobody holds the older one)
  const startedAt = Date.now();
  expect((await claimRequest(ledger, key, at(15), claimant('b'), { until: Date.now() + 5_000, pollMs: 20 })).kind).toBe('claimed');
  expect(Date.now() - startedAt).toBeLessThan(1_000);

  // THEN the hand-over, arriving, does nothing
  expect(await claimHandOver(ledger, key, { checkId: 'check-0', generation: 2 }, claimant('c'))).toMatchObject({ kind: 'not current', why: 'its check is not the current one' });
});
