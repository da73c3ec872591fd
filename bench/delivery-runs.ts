/**
 * What at-least-once delivery costs: the same whole-stack deploy with Lambda delivering each event once,
 * and with a copy of every CloudFormation event and hand-over 0.1 to 60 s (AWS time) later, side by side
 * in one run. Also what the work ledger costs: its DynamoDB requests and CloudFormation's
 * DescribeStackResource, per event. `npm run bench -- --only delivery` rewrites the section alone.
 */
import { ConnectUserIdentity, ConnectUserRoster } from '../lib';
import { CONNECT_DEFAULT_QUOTAS, scaledQuotas } from '../test/support/connect-emulator';
import { RosterWorld } from '../test/support/roster-world';
import { benchEntry, INSTANCE_ID } from './stacks';

/** One deploy, and what it cost. */
export interface DeliveryFigures {
  /** `roster`: one stage; `per-user`: one ConnectUserIdentity per user. */
  readonly design: 'roster' | 'per-user';
  readonly users: number;
  readonly timeScale: number;
  /** Whether Lambda delivered a copy of every asynchronous invocation. */
  readonly copies: boolean;
  readonly succeeded: boolean;
  readonly wallMs: number;
  /** The least time the quotas allow: UpdateUserIdentityInfo's (users − burst) ÷ rate. */
  readonly boundMs: number;
  readonly connectRequests: number;
  readonly callsNeeded: number;
  /** Invocations Lambda ran: the first of each event and hand-over, and the copies. */
  readonly runs: number;
  readonly copyRuns: number;
  readonly ledgerReads: number;
  readonly ledgerWrites: number;
  readonly describeStackResource: number;
  /** Writes that sent what no declaration in progress held; events whose answers disagreed. Both must be 0. */
  readonly staleWrites: number;
  readonly disagreeingAnswers: number;
}

export async function deliveryDeploy(design: 'roster' | 'per-user', users: number, timeScale: number, copies: boolean): Promise<DeliveryFigures> {
  const world = new RosterWorld({ timeScale, ...(copies ? { duplicates: { share: 1, delayMs: [100, 60_000] as const } } : {}) });
  try {
    world.connect.addInstance({ id: INSTANCE_ID, identityManagementType: 'CONNECT_MANAGED' });
    const entries = Array.from({ length: users }, (_, index) => benchEntry(index));
    world.seedRoster(entries, (_, index) => ({ FirstName: `Held${index}`, LastName: `Held${index}` }));
    const quotas = scaledQuotas(CONNECT_DEFAULT_QUOTAS, timeScale);
    world.throttleConnect({ quotas });
    const source = await world.synth((stack) => {
      if (design === 'roster') new ConnectUserRoster(stack, 'Center', { roster: world.roster(entries) });
      else for (const [index, entry] of entries.entries()) new ConnectUserIdentity(stack, `User${index}`, { instanceId: entry.InstanceId, userId: entry.UserId, identityInfo: { firstName: entry.IdentityInfo.FirstName, lastName: entry.IdentityInfo.LastName } });
    });
    const result = await world.deployer.deploy(source);
    await world.lambda.settled();
    const update = quotas.UpdateUserIdentityInfo;
    return {
      design,
      users,
      timeScale,
      copies,
      succeeded: result.status === 'CREATE_COMPLETE' && entries.every((entry) => JSON.stringify(world.connect.user(INSTANCE_ID, entry.UserId!).identityInfo) === JSON.stringify(entry.IdentityInfo)),
      wallMs: result.wallMs,
      boundMs: (Math.max(0, users - update.burst) / update.ratePerSecond) * 1000,
      connectRequests: world.connect.requests.length,
      callsNeeded: (design === 'roster' ? 1 : users) + 2 * users,
      runs: world.lambda.invocations.length,
      copyRuns: world.lambda.invocations.filter((run) => run.kind === 'copy').length,
      ledgerReads: world.ledger.requests.get('GetItem') ?? 0,
      ledgerWrites: world.ledger.requests.get('PutItem') ?? 0,
      describeStackResource: world.cloudFormation.requests.filter((request) => request.action === 'DescribeStackResource').length,
      staleWrites: world.staleWrites([result]).length,
      disagreeingAnswers: world.disagreeingAnswers([result]).length,
    };
  } finally {
    await world.stop();
  }
}

/** The markers of the section in BENCHMARKS.md. */
export const DELIVERY_MARKERS = { start: '<!-- delivery: start -->', end: '<!-- delivery: end -->' } as const;

const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** The section of BENCHMARKS.md: each design with and without copies, side by side. */
export function deliverySection(runs: readonly DeliveryFigures[], note: string): string[] {
  const row = (run: DeliveryFigures) => {
    const events = run.design === 'roster' ? 1 : run.users;
    return (
      `| ${run.design} | ${int(run.users)} | ${run.copies ? 'every event twice' : 'once'} | ${run.succeeded ? 'yes' : 'NO'} | ${(run.wallMs / run.boundMs).toFixed(2)}× | ` +
      `${int(run.connectRequests)} for ${int(run.callsNeeded)} (${(run.connectRequests / run.callsNeeded).toFixed(3)}) | ${int(run.runs - run.copyRuns)} + ${int(run.copyRuns)} copies | ` +
      `${int(run.ledgerReads)} / ${int(run.ledgerWrites)} (${((run.ledgerReads + run.ledgerWrites) / events).toFixed(1)} per event) | ${int(run.describeStackResource)} | ${run.staleWrites} / ${run.disagreeingAnswers} |`
    );
  };
  const pairs = new Map<string, DeliveryFigures[]>();
  for (const run of runs) pairs.set(`${run.design}/${run.users}`, [...(pairs.get(`${run.design}/${run.users}`) ?? []), run]);
  const ratios = [...pairs.values()]
    .filter((pair) => pair.length === 2)
    .map(([once, twice]) => `${twice.design}, ${int(twice.users)} users: ${(twice.connectRequests / once.connectRequests).toFixed(3)}× the Connect requests and ${(twice.wallMs / once.wallMs).toFixed(2)}× the time of the same deploy delivered once`);
  return [
    DELIVERY_MARKERS.start,
    '## 9. At-least-once delivery, and what the work ledger costs',
    '',
    `The same first deploy, Connect at its per-API default quotas played ${runs[0]?.timeScale ?? 10} times faster, with Lambda delivering each asynchronous invocation once, and with a copy of every ` +
      'CloudFormation event and every hand-over 0.1 to 60 s (AWS time) after the first, side by side. A copy finds its work held, handed over or answered in the ledger and calls nothing. ' +
      'ratio: time over the bound ((users − burst) ÷ UpdateUserIdentityInfo\'s rate); requests: Connect requests for the calls needed; ledger: DynamoDB GetItem / PutItem on the ledger table; ' +
      'stale / disagreeing: writes that sent what no declaration in progress held, and events whose answers disagreed (both must be 0).',
    '',
    '| design | users | delivery | all applied | ratio | Connect requests | invocations | ledger reads / writes | DescribeStackResource | stale / disagreeing |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(row),
    '',
    ...ratios.map((ratio) => `- ${ratio}.`),
    '',
    note,
    DELIVERY_MARKERS.end,
    '',
  ];
}
