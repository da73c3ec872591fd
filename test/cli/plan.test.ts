import { planReport } from '../../cli/plan';
import { UserOutcome } from '../../core/user-sync';
import { RosterEntry } from '../../lib';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const userId = (index: number) => `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
const entry = (index: number, identityInfo: RosterEntry['identityInfo'], byName = false): RosterEntry => ({
  file: 'agents.csv',
  entry: index,
  row: index + 1,
  instanceId: INSTANCE,
  ...(byName ? { username: 'mary.major' } : { userId: userId(index) }),
  identityInfo,
});
const ENTRIES = [
  entry(1, { lastName: 'Majorova', mobile: '+12065550100' }),
  entry(2, { lastName: 'Roe' }),
  entry(3, { email: 'mary.major@example.com' }, true),
  entry(4, { firstName: 'Jane' }),
];
const OUTCOMES: UserOutcome[] = [
  { kind: 'differs', changedFields: ['LastName', 'Mobile'] },
  { kind: 'unchanged' },
  { kind: 'failed', failure: { instanceId: INSTANCE, user: 'Username:0123456789ab', field: 'Username', problem: 'no user of the instance has this Username; check it, or give the UserId', kind: 'user-not-found' } },
  { kind: 'failed', failure: { instanceId: INSTANCE, user: userId(4), field: 'DescribeUser', problem: 'access denied to connect:DescribeUser (AccessDeniedException, HTTP 403)', kind: 'access-denied' } },
];

test('names users and fields by file, row and UserId, never a value or a username', () => {
  expect(planReport(ENTRIES, OUTCOMES)).toBe(
    [
      `~ agents.csv: row 2 (UserId ${userId(1)}): LastName, Mobile`,
      '? agents.csv: row 4 (Username given): not found (Username): no user of the instance has this Username; check it, or give the UserId',
      `! agents.csv: row 5 (UserId ${userId(4)}): DescribeUser: access denied to connect:DescribeUser: the AWS credentials in use (see \`aws sts get-caller-identity\`) must be allowed it`,
      '',
      'Plan: 1 user to change (2 fields), 1 unchanged, 1 not found, 1 failed.',
      'A deploy of this roster would fail on the users marked ? and ! above.',
      '',
    ].join('\n'),
  );
});

test('with the values held (shown on a terminal only), each changed field with its value in Connect and the declared one', () => {
  const report = planReport(ENTRIES.slice(0, 2), OUTCOMES.slice(0, 2), [{ LastName: 'Major' }, { LastName: 'Roe' }]);
  expect(report.split('\n').slice(0, 3)).toEqual([`~ agents.csv: row 2 (UserId ${userId(1)}): LastName, Mobile`, '    LastName: "Major" → "Majorova"', '    Mobile: "" → "+12065550100"']);
});

test('lists 20 failures of one kind, then counts the rest', () => {
  const entries = Array.from({ length: 25 }, (_, index) => entry(index, { firstName: 'Jane' }));
  const outcomes = entries.map(() => OUTCOMES[3]);
  const lines = planReport(entries, outcomes).split('\n');
  expect(lines.filter((line) => line.startsWith('! '))).toHaveLength(20);
  expect(lines).toContain('  ... and 5 more with one of the problems above');
  expect(lines).toContain('Plan: 0 users to change (0 fields), 0 unchanged, 25 failed.');
});
