/**
 * The lines personal data must not cross, checked from the outside: only ID-shaped values reach a
 * template, an ARN or a construct ID, whatever column a value was typed in; a cloud assembly holds a
 * roster's values in its declaration files and nowhere else; and a stack's declaration files are
 * readable by its own roles only, not by a stack of the same construct path deployed under another name.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as YAML from 'yaml';
import { ConnectUserDriftCheck, ConnectUserIdentity, ConnectUserRoster, formatProblem, Roster, RosterEntry, RosterError, rosterConstructId } from '../../lib';
import { deployedStackIdentity } from '../../lib/declaration-file';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const MARY_ID = '87654321-2222-1234-1234-111234567891';

/** Two agents whose values are shaped like what people type: names, logins, emails, a phone number. */
const AGENTS = [
  {
    InstanceId: INSTANCE,
    UserId: MARY_ID,
    Username: '',
    FirstName: 'Marybeth',
    LastName: 'Majorova',
    Email: 'marybeth.majorova@example.com',
    SecondaryEmail: 'mbm.home@example.org',
    Mobile: '+12065550142',
  },
  {
    InstanceId: INSTANCE,
    UserId: '',
    Username: 'qravensworth',
    FirstName: 'Quintessa',
    LastName: 'Ravensworth',
    Email: 'q.ravensworth@example.net',
    SecondaryEmail: 'qrav.home@example.org',
    Mobile: '+14255550199',
  },
];
const COLUMNS = ['InstanceId', 'UserId', 'Username', 'FirstName', 'LastName', 'Email', 'SecondaryEmail', 'Mobile'] as const;
type Column = (typeof COLUMNS)[number];
const IDENTITY_COLUMNS: readonly Column[] = ['FirstName', 'LastName', 'Email', 'SecondaryEmail', 'Mobile'];

/** Every value a leak check looks for: the identity values and usernames of the agents. */
const PLANTED = AGENTS.flatMap((agent) => [agent.Username, ...IDENTITY_COLUMNS.map((column) => agent[column])]).filter((value) => value !== '');

/** The columns that only IDs may fill, and the columns of values that may be typed into them by mistake. */
const ID_COLUMNS: readonly Column[] = ['InstanceId', 'UserId'];
const VALUE_COLUMNS: readonly Column[] = ['Username', ...IDENTITY_COLUMNS];
const SWAPS = ID_COLUMNS.flatMap((id) => VALUE_COLUMNS.map((value) => [id, value] as [Column, Column]));

type Agent = Record<Column, string>;

function swapped(agent: Agent, [a, b]: [Column, Column]): Agent {
  return { ...agent, [a]: agent[b], [b]: agent[a] };
}

function csvOf(agents: Agent[]): string {
  return [COLUMNS.join(','), ...agents.map((agent) => COLUMNS.map((column) => agent[column]).join(','))].join('\r\n') + '\r\n';
}

/** The agents as a YAML list of CLI-skeleton entries, blank values left out. */
function yamlOf(agents: Agent[]): string {
  const entries = agents.map((agent) => {
    const entry: Record<string, unknown> = {};
    for (const column of ['InstanceId', 'UserId', 'Username'] as const) if (agent[column] !== '') entry[column] = agent[column];
    entry.IdentityInfo = Object.fromEntries(IDENTITY_COLUMNS.filter((column) => agent[column] !== '').map((column) => [column, agent[column]]));
    return entry;
  });
  return YAML.stringify(entries);
}

/** The agents as roster entries, as a roster built in code holds them (no loader in between). */
function entriesOf(agents: Agent[]): RosterEntry[] {
  const text = (value: string) => (value === '' ? undefined : value);
  return agents.map((agent, index) => ({
    file: 'agents.csv',
    entry: index + 1,
    row: index + 2,
    instanceId: agent.InstanceId,
    userId: text(agent.UserId),
    username: text(agent.Username),
    identityInfo: {
      firstName: text(agent.FirstName),
      lastName: text(agent.LastName),
      email: text(agent.Email),
      secondaryEmail: text(agent.SecondaryEmail),
      mobile: text(agent.Mobile),
    },
  }));
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function rosterFile(name: string, content: string): string {
  const file = path.join(tempDir('boundaries-roster-'), name);
  fs.writeFileSync(file, content);
  return file;
}

/**
 * Runs an app as `cdk synth` does, into a fresh cloud assembly directory: the roster is read while the
 * app is built, then the app is synthesized. Returns the directory and what was thrown, if anything.
 */
function synthApp(roster: () => Roster, options: { stackName?: string; driftCheck?: boolean } = {}): { outdir: string; error?: unknown } {
  const outdir = tempDir('boundaries-cdk-out-');
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Agents', { stackName: options.stackName });
    new ConnectUserRoster(stack, 'Roster', { roster: roster() });
    if (options.driftCheck) new ConnectUserDriftCheck(stack, 'Drift');
    app.synth();
    return { outdir };
  } catch (error) {
    return { outdir, error };
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The forms a planted value could take: as typed, in lower case, and a phone number without its "+". */
function formsOf(value: string): string[] {
  return [...new Set([value, value.toLowerCase(), ...(value.startsWith('+') ? [value.slice(1)] : [])])];
}

/** Every planted value found in a text, in any of its forms (the text compared in lower case too). */
function plantedIn(text: string): string[] {
  const lower = text.toLowerCase();
  return PLANTED.filter((value) => formsOf(value).some((form) => text.includes(form) || lower.includes(form.toLowerCase())));
}

/** `<file>: <value>` for every planted value found in a file of the directory, other than those `allowed`. */
function leaksUnder(dir: string, allowed: (file: string) => boolean = () => false): string[] {
  return filesUnder(dir)
    .filter((file) => !allowed(file))
    .flatMap((file) => plantedIn(fs.readFileSync(file, 'latin1')).map((value) => `${path.relative(dir, file)}: ${value}`));
}

const isDeclarationFile = (file: string) => /^asset\.connect-user-roster-[0-9a-f]{12}-[0-9a-f]{64}\.json$/.test(path.basename(file));

describe('only ID-shaped values reach a template: every ID column swapped with every value column', () => {
  test.each(SWAPS)('a CSV roster with its %s and %s columns swapped is refused at synth, by row and column, and leaves no value in cdk.out', (a, b) => {
    // GIVEN the agents' CSV with the two columns' headers swapped, as a careless copy makes it
    const file = rosterFile('agents.csv', csvOf(AGENTS).replace(/^.*\r\n/, (header) => header.split(',').map((cell) => (cell === a ? b : cell === b ? a : cell.trim())).join(',') + '\r\n'));

    // WHEN an app loads it and is synthesized
    const { outdir, error } = synthApp(() => Roster.load(file));

    // THEN the roster is refused, each problem on a cell of the file (row and column), none quoting a value
    expect(error).toBeInstanceOf(RosterError);
    const problems = (error as RosterError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toEqual(expect.objectContaining({ file, row: expect.any(Number) }));
      expect(plantedIn(`${formatProblem(problem)}\n${JSON.stringify(problem)}`)).toEqual([]);
    }
    expect(problems.some((problem) => problem.column !== undefined && problem.field !== undefined)).toBe(true);
    expect(plantedIn((error as Error).message)).toEqual([]);
    // AND nothing of the roster reached the cloud assembly
    expect(leaksUnder(outdir)).toEqual([]);
  });

  test.each(SWAPS)('a YAML roster with its %s and %s values swapped is refused at synth, by entry and field, and leaves no value in cdk.out', (a, b) => {
    // GIVEN the agents as YAML, each entry with the two values swapped
    const file = rosterFile('agents.yaml', yamlOf(AGENTS.map((agent) => swapped(agent, [a, b]))));

    // WHEN an app loads it and is synthesized
    const { outdir, error } = synthApp(() => Roster.load(file));

    // THEN the roster is refused, each problem on an entry and field of the file, none quoting a value
    expect(error).toBeInstanceOf(RosterError);
    const problems = (error as RosterError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toEqual(expect.objectContaining({ file, entry: expect.any(Number) }));
      expect(plantedIn(`${formatProblem(problem)}\n${JSON.stringify(problem)}`)).toEqual([]);
    }
    expect(problems.some((problem) => problem.field !== undefined)).toBe(true);
    expect(leaksUnder(outdir)).toEqual([]);
  });

  test.each(SWAPS)('a roster built in code with %s and %s swapped fails synth, and writes no declaration file or value to cdk.out', (a, b) => {
    // GIVEN the swapped entries handed to the construct directly, without the loader's checks
    const entries = entriesOf(AGENTS.map((agent) => swapped(agent, [a, b])));
    const roster = { files: ['agents.csv'], entries } as unknown as Roster;

    // WHEN the app is synthesized
    const { outdir, error } = synthApp(() => roster, { driftCheck: true });

    // THEN synth fails with the construct's own validation, without a value in its message
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Validation failed/);
    expect(plantedIn((error as Error).message)).toEqual([]);
    // AND the cloud assembly holds no declaration file and no value
    expect(filesUnder(outdir).filter(isDeclarationFile)).toEqual([]);
    expect(leaksUnder(outdir)).toEqual([]);
  });

  test.each([
    ['CSV', 'agents.csv', csvOf(AGENTS)],
    ['YAML', 'agents.yaml', yamlOf(AGENTS)],
  ])('a valid %s roster puts its values in its declaration files and nowhere else in cdk.out', (_format, name, content) => {
    // GIVEN the agents, correctly typed
    const file = rosterFile(name, content);

    // WHEN an app with a drift check loads and synthesizes it
    const { outdir, error } = synthApp(() => Roster.load(file), { driftCheck: true });

    // THEN no value is anywhere in the cloud assembly (templates, manifests, tree, the handler's bundle)...
    expect(error).toBeUndefined();
    expect(leaksUnder(outdir, isDeclarationFile)).toEqual([]);
    // ... but in the declaration files, which hold every value the handler writes to Connect
    const declared = filesUnder(outdir).filter(isDeclarationFile).map((each) => fs.readFileSync(each, 'utf8')).join('\n');
    expect(plantedIn(declared).sort()).toEqual([...PLANTED].sort());
    // AND the template names the users by ID, or by the hash of the username
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Agents.template.json'), 'utf8'));
    const stage = Object.values<any>(template.Resources).find((resource) => resource.Type === 'Custom::ConnectUserRoster');
    expect(Object.keys(stage.Properties.Users)).toEqual([INSTANCE]);
    expect(Object.keys(stage.Properties.Users[INSTANCE]).sort()).toEqual([MARY_ID, expect.stringMatching(/^Username:[0-9a-f]{12}$/)]);
  });
});

describe('only ID-shaped values reach a construct ID or an ARN, whatever is typed as an ID', () => {
  const TYPED = ['marybeth.majorova@example.com', 'mmajorova', 'Marybeth Majorova', 'Majorova', '+12065550142', '{{resolve:ssm:/agents/mmajorova}}'];

  test.each(TYPED)('a roster entry with %p as its instance ID or user ID gets a construct ID without it', (typed) => {
    // GIVEN the value typed as the instance ID, and as the user ID
    const ids = [
      rosterConstructId({ instanceId: typed, userId: MARY_ID }),
      rosterConstructId({ instanceId: INSTANCE, userId: typed }),
      rosterConstructId({ instanceId: typed, username: 'mmajorova' }),
    ];

    // THEN each construct ID is made of IDs and hashes only
    for (const id of ids) {
      expect(id).toMatch(/^(User|UserByName)-([0-9a-f]{12}|[A-Za-z0-9]{8}(-[A-Za-z0-9]{4}){3}-[A-Za-z0-9]{12})-([0-9a-f]{12}|[A-Za-z0-9]{8}(-[A-Za-z0-9]{4}){3}-[A-Za-z0-9]{12})$/);
      expect(plantedIn(id)).toEqual([]);
      expect(id.toLowerCase()).not.toContain(typed.toLowerCase());
    }
  });

  test.each(TYPED.slice(0, 5))('a ConnectUserIdentity with %p as its instance ID or user ID fails synth without repeating it', (typed) => {
    for (const props of [
      { instanceId: typed, userId: MARY_ID },
      { instanceId: INSTANCE, userId: typed },
      { instanceId: `arn:aws:connect:us-east-1:123456789012:instance/${typed}`, userId: MARY_ID },
    ]) {
      // GIVEN the value typed in an ID prop
      const outdir = tempDir('boundaries-identity-');
      const app = new App({ outdir });
      new ConnectUserIdentity(new Stack(app, 'Agents'), 'Mary', { ...props, identityInfo: { lastName: 'Majorova' } });

      // WHEN / THEN synth fails, naming the prop and not the value, and writes no template
      expect(() => app.synth()).toThrow(/\[Agents\/Mary\] (instanceId|userId) is (not a Connect (instance|user) ID|an instance ARN whose last part is not an instance ID|not an instance ARN)/);
      try {
        app.synth();
      } catch (error) {
        expect((error as Error).message.toLowerCase()).not.toContain(typed.toLowerCase());
      }
      expect(filesUnder(outdir).filter((file) => file.endsWith('.template.json'))).toEqual([]);
    }
  });
});

describe("a stack's declaration files are its own", () => {
  const BUCKET = 'cdk-hnb659fds-assets-111111111111-us-east-1';

  /** A template value as IAM sees it once deployed in account 111111111111, us-east-1. */
  function rendered(value: unknown): string {
    if (typeof value === 'string') return value;
    const node = value as Record<string, any>;
    if (node.Ref === 'AWS::Partition') return 'aws';
    if (typeof node['Fn::Sub'] === 'string') return node['Fn::Sub'].replace('${AWS::AccountId}', '111111111111').replace('${AWS::Region}', 'us-east-1');
    if (node['Fn::Join']) return node['Fn::Join'][1].map(rendered).join(node['Fn::Join'][0]);
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  }

  /** The S3 object patterns a role may read: from the policies attached to it and its inline ones. */
  function s3Resources(template: any, role: 'handler' | 'drift'): string[] {
    const resources = template.Resources as Record<string, any>;
    const [roleId] = Object.entries(resources).find(
      ([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties.Description.startsWith(role === 'handler' ? 'Reads and updates' : 'Checks'),
    )!;
    const documents = [
      ...(resources[roleId].Properties.Policies ?? []).map((policy: any) => policy.PolicyDocument),
      ...Object.values(resources)
        .filter((resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((each: any) => each.Ref === roleId))
        .map((resource) => resource.Properties.PolicyDocument),
    ];
    return documents
      .flatMap((document: any) => document.Statement)
      .filter((statement: any) => [statement.Action].flat().includes('s3:GetObject'))
      .flatMap((statement: any) => [statement.Resource].flat().map(rendered));
  }

  /** Whether an S3 ARN pattern (a trailing `*` at most) matches an object ARN. */
  function matches(pattern: string, arn: string): boolean {
    return pattern.endsWith('*') ? arn.startsWith(pattern.slice(0, -1)) : arn === pattern;
  }

  /** Whether two patterns can match one object: one's literal part starts the other's. */
  function overlap(a: string, b: string): boolean {
    const [x, y] = [a.replace(/\*$/, ''), b.replace(/\*$/, '')];
    return x.startsWith(y) || y.startsWith(x);
  }

  /** The declaration files a template names, as object ARNs in the bucket. */
  function declarationFiles(template: any): string[] {
    return Object.values<any>(template.Resources)
      .filter((resource) => resource.Type === 'Custom::ConnectUserRoster')
      .map((resource) => `arn:aws:s3:::${BUCKET}/${resource.Properties.Declarations.Key}`);
  }

  const roster = () => ({ files: ['agents.csv'], entries: entriesOf([AGENTS[0]]) }) as unknown as Roster;

  /** Synthesizes a roster and a drift check in the stack `build` makes; returns that stack's template. */
  function templateOf(build: (app: App) => Stack): any {
    const app = new App({ outdir: tempDir('boundaries-stacks-') });
    const stack = build(app);
    new ConnectUserRoster(stack, 'Roster', { roster: roster() });
    new ConnectUserDriftCheck(stack, 'Drift');
    const assembly = Stage.of(stack)!.synth();
    return stack.nested
      ? JSON.parse(fs.readFileSync(path.join(assembly.directory, (stack as NestedStack).templateFile), 'utf8'))
      : assembly.getStackByName(stack.stackName).template;
  }

  /** Two stacks' roles read disjoint sets of objects, and each reads its own declaration files. */
  function expectApart(first: any, second: any): void {
    for (const role of ['handler', 'drift'] as const) {
      const [mine, theirs] = [s3Resources(first, role), s3Resources(second, role)];
      expect(mine.length).toBeGreaterThan(0);
      expect(theirs.length).toBeGreaterThan(0);
      for (const a of mine) for (const b of theirs) expect(overlap(a, b)).toBe(false);
      for (const file of declarationFiles(first)) {
        expect(mine.some((pattern) => matches(pattern, file))).toBe(true);
        expect(theirs.some((pattern) => matches(pattern, file))).toBe(false);
      }
      for (const file of declarationFiles(second)) expect(mine.some((pattern) => matches(pattern, file))).toBe(false);
    }
  }

  test('one app deployed under two stack names: same construct path, disjoint grants for the handler and the drift check', () => {
    // GIVEN the stack `Agents` synthesized as Agents-staging and as Agents-prod (its construct path is the same)
    const staging = templateOf((app) => new Stack(app, 'Agents', { stackName: 'Agents-staging' }));
    const prod = templateOf((app) => new Stack(app, 'Agents', { stackName: 'Agents-prod' }));

    // THEN neither stack's roles can read the other's declaration files
    expectApart(staging, prod);
    expectApart(prod, staging);
  });

  test('two stacks of one app with the same construct id, in two stages: disjoint grants', () => {
    // GIVEN one app with two stages, each holding a stack `Agents`
    const app = new App({ outdir: tempDir('boundaries-stages-') });
    const stacks = ['Staging', 'Prod'].map((stage) => new Stack(new Stage(app, stage), 'Agents'));
    for (const stack of stacks) {
      new ConnectUserRoster(stack, 'Roster', { roster: roster() });
      new ConnectUserDriftCheck(stack, 'Drift');
    }
    const templates = stacks.map((stack) => Stage.of(stack)!.synth().getStackByName(stack.stackName).template);

    // THEN their stack names differ, and so do their files and grants
    expect(stacks.map((stack) => stack.stackName)).toEqual(['Staging-Agents', 'Prod-Agents']);
    expectApart(templates[0], templates[1]);
  });

  test('nested stacks of the same id in two stacks: disjoint grants', () => {
    // GIVEN a nested stack `Agents` in each of two top-level stacks
    const [first, second] = ['CenterA', 'CenterB'].map((name) => templateOf((app) => new NestedStack(new Stack(app, name), 'Agents')));

    // THEN their files and grants are apart
    expectApart(first, second);
  });

  test('the same stack name keeps its prefix when the construct path changes, so a rollback still reads the previous file', () => {
    // GIVEN a stack named Agents-prod, first at the top of the app, then moved into a stage with its name kept
    const before = templateOf((app) => new Stack(app, 'Agents', { stackName: 'Agents-prod' }));
    const after = templateOf((app) => new Stack(new Stage(app, 'Prod'), 'Center', { stackName: 'Agents-prod' }));

    // THEN the grant after the move still covers the files named before it
    for (const role of ['handler', 'drift'] as const) {
      for (const file of declarationFiles(before)) expect(s3Resources(after, role).some((pattern) => matches(pattern, file))).toBe(true);
    }
  });

  test("a new prefix makes a new roster policy, so CloudFormation keeps the old one, and its grant, until the update is complete", () => {
    // GIVEN one stack synthesized under two names, and twice under one name
    const policyIds = (template: any) =>
      Object.entries<any>(template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.PolicyDocument).includes('s3:GetObject'))
        .map(([id]) => id);
    const named = (stackName: string) => policyIds(templateOf((app) => new Stack(app, 'Agents', { stackName })));

    // THEN the policy's logical ID follows the prefix: stable for a name, new for a new one
    expect(named('Agents-prod')).toHaveLength(1);
    expect(named('Agents-prod')).toEqual(named('Agents-prod'));
    expect(named('Agents-staging')).not.toEqual(named('Agents-prod'));
    // AND the stages wait for it, so the new grant is in place before a stage reads its file
    const template = templateOf((app) => new Stack(app, 'Agents', { stackName: 'Agents-prod' }));
    const stage = Object.values<any>(template.Resources).find((resource) => resource.Type === 'Custom::ConnectUserRoster');
    expect(stage.DependsOn).toEqual(expect.arrayContaining(named('Agents-prod')));
  });

  test("a stack's identity is its name, and a nested stack's its top-level stack's name and its path below it", () => {
    const app = new App();
    const top = new Stack(app, 'Agents', { stackName: 'Agents-prod' });
    const nested = new NestedStack(top, 'Team');
    expect(deployedStackIdentity(top)).toBe('Agents-prod');
    expect(deployedStackIdentity(nested)).toBe('Agents-prod/Team');
  });
});
