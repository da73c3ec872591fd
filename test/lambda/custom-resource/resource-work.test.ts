import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { claimHandOver, HeldWork, resourceKey, ResourceWork } from '../../../lambda/custom-resource/resource-work';
import { Ledger } from '../../../lambda/runtime/ledger';
import { LEDGER_TABLE_NAME, LedgerEmulator } from '../../support/ledger-emulator';

const emulator = new LedgerEmulator();
let ledger: Ledger;
let stage = 0;

beforeAll(async () => {
  await emulator.start();
  ledger = new Ledger(LEDGER_TABLE_NAME, new DynamoDBClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } }));
});
afterAll(() => emulator.stop());

const claimant = (invocation: string, leaseMs = 5_000) => ({ invocation, leaseUntil: Date.now() + leaseMs });

/** A stage's work as the ledger keeps it once its holder has handed generation 2 over. */
async function handedOver(): Promise<string> {
  const key = resourceKey('arn:aws:cloudformation:us-east-1:123456789012:stack/Center/1', `Stage${++stage}`);
  const work: ResourceWork = { requestId: 'request-1', requestType: 'Update', startedAt: Date.now(), generation: 2, handedOverUntil: Date.now() + 60_000, data: undefined, ended: [] };
  expect(await ledger.write(key, work, undefined)).toBeDefined();
  return key;
}

test('a hand-over delivered twice: the first claims its generation, a copy at once does nothing, a copy after the holder died takes over in a new generation', async () => {
  // GIVEN generation 2 handed over, and claimed by the hand-over's first delivery with a short lease
  const key = await handedOver();
  const first = await claimHandOver(ledger, key, { requestId: 'request-1', generation: 2 }, claimant('a', 300));
  expect(first).toMatchObject({ kind: 'claimed', entry: { state: { generation: 2, holder: { invocation: 'a' } } } });
  if (first.kind !== 'claimed') throw new Error('not claimed');

  // WHEN a copy arrives at once, then another after the holder's lease ran out
  const early = await claimHandOver(ledger, key, { requestId: 'request-1', generation: 2 }, claimant('b'));
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = await claimHandOver(ledger, key, { requestId: 'request-1', generation: 2 }, claimant('c'));

  // THEN the early copy does nothing; the late one takes over in generation 3, and the first holder, woken, finds the work gone
  expect(early).toEqual({ kind: 'not current', why: 'another invocation is working on its request' });
  expect(late).toMatchObject({ kind: 'claimed', resumed: true, entry: { state: { generation: 3, holder: { invocation: 'c' } } } });
  const woken = new HeldWork(ledger, key, first.entry, 'a');
  expect(await woken.stillMine(0)).toBe(false);
  // AND a hand-over of generation 2 an hour later finds the ledger moved on
  expect(await claimHandOver(ledger, key, { requestId: 'request-1', generation: 2 }, claimant('d'))).toEqual({ kind: 'not current', why: 'it is generation 2 of the work, and the ledger is at 3' });
});

test('a hand-over of an older request, delivered after a newer deploy, does nothing', async () => {
  const key = await handedOver();
  expect(await claimHandOver(ledger, key, { requestId: 'request-0', generation: 2 }, claimant('a'))).toEqual({ kind: 'not current', why: "its request is not the resource's current one" });
});
