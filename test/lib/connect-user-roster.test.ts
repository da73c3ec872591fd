import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConnectUserDriftCheck, ConnectUserIdentity, ConnectUserRoster, ROLE_POLICY_SIZE_LIMIT, Roster, RosterEntry } from '../../lib';
import { rolePolicySize } from '../support/policy-size';
import { fingerprint, stageCount, stageOf, STAGE_CAPACITY, userKey } from '../../lib/roster-declarations';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const OTHER_INSTANCE = 'a1b2c3d4-5678-90ab-cdef-000000000002';

function userIdFor(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/** Identity values distinct per user, long enough to be found anywhere they leak. */
function agent(index: number, overrides: Partial<RosterEntry> = {}): RosterEntry {
  return {
    file: 'agents.csv',
    entry: index + 1,
    instanceId: INSTANCE,
    userId: userIdFor(index),
    identityInfo: { firstName: `Firstname${index}x`, lastName: `Lastname${index}x`, email: `agent${index}x@corp.example`, mobile: `+1206555${String(index).padStart(4, '0')}` },
    ...overrides,
  };
}

function rosterOf(entries: RosterEntry[]): Roster {
  return { files: ['agents.csv'], entries } as unknown as Roster;
}

function synth(entries: RosterEntry[], extra?: (stack: Stack) => void): { stack: Stack; template: Template; text: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-construct-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Center');
  new ConnectUserRoster(stack, 'Roster', { roster: rosterOf(entries) });
  extra?.(stack);
  const assembly = app.synth();
  const text = fs.readFileSync(path.join(assembly.directory, 'Center.template.json'), 'utf8');
  return { stack, template: Template.fromJSON(JSON.parse(text)), text, outdir: assembly.directory };
}

describe('ConnectUserRoster: the template', () => {
  test('holds no identity value and no username, only user IDs, username hashes and fingerprints', () => {
    // GIVEN users named by ID and by username
    const entries = [
      ...Array.from({ length: 20 }, (_, index) => agent(index)),
      agent(20, { userId: undefined, username: 'mary.major.login' }),
    ];

    // WHEN the roster is synthesized
    const { template, text } = synth(entries);

    // THEN no value of any entry appears anywhere in the template
    for (const entry of entries) {
      for (const value of [...Object.values(entry.identityInfo), entry.username].filter((each): each is string => each !== undefined)) {
        expect(text).not.toContain(value);
        if (value.startsWith('+')) expect(text).not.toContain(value.slice(1));
      }
    }
    // AND the stage names every user, by ID or by the username's hash, with a fingerprint
    const stages = template.findResources('Custom::ConnectUserRoster');
    expect(Object.keys(stages)).toHaveLength(1);
    const users = (Object.values(stages)[0] as any).Properties.Users[INSTANCE];
    expect(Object.keys(users)).toHaveLength(21);
    expect(users[userIdFor(3)]).toMatch(/^[0-9a-f]{12}$/);
    expect(Object.keys(users).filter((key) => key.startsWith('Username:'))).toEqual([expect.stringMatching(/^Username:[0-9a-f]{12}$/)]);
  });

  test('puts the values in a declaration file asset that only the handler reads', () => {
    // GIVEN a small roster
    const { template, outdir } = synth([agent(0), agent(1)]);

    // THEN the stage's declaration file is an asset of the assembly that holds the values
    const stage = Object.values(template.findResources('Custom::ConnectUserRoster'))[0] as any;
    const key: string = stage.Properties.Declarations.Key;
    expect(key).toMatch(/^connect-user-roster-[0-9a-f]{12}-[0-9a-f]{64}\.json$/);
    const file = JSON.parse(fs.readFileSync(path.join(outdir, `asset.${key}`), 'utf8'));
    expect(file.format).toBe('connect-user-roster/1');
    expect(file.declarations[0]).toEqual({
      InstanceId: INSTANCE,
      UserId: userIdFor(0),
      IdentityInfo: { FirstName: 'Firstname0x', LastName: 'Lastname0x', Email: 'agent0x@corp.example', Mobile: '+12065550000' },
    });
    // AND the handler may read this stack's declaration files (current and previous) and invoke itself
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadRosterDeclarations',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, expect.stringMatching(/^\/connect-user-roster-[0-9a-f]{12}-\*$/)]],
        },
      },
      { Sid: 'ContinueOwnWork', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [expect.stringMatching(/Handler/), 'Arn'] } },
    ]);
  });

  test('splits a large roster into stages that run one after another, each waiting at most an hour', () => {
    // GIVEN more users than one stage holds
    const count = STAGE_CAPACITY * 2 + 1;
    const { template } = synth(Array.from({ length: count }, (_, index) => agent(index)));

    // THEN there are four stages (a power of two), chained by DependsOn, each with the maximum ServiceTimeout
    const stages = template.findResources('Custom::ConnectUserRoster');
    const ids = Object.keys(stages).sort();
    expect(ids).toHaveLength(4);
    const dependsOn = ids.map((id) => [stages[id].DependsOn ?? []].flat().filter((dependency: string) => ids.includes(dependency)));
    expect(dependsOn.filter((each) => each.length === 0)).toHaveLength(1);
    expect(dependsOn.filter((each) => each.length === 1)).toHaveLength(3);
    for (const id of ids) expect(stages[id].Properties.ServiceTimeout).toBe('3600');
    // AND every user is in exactly one stage
    const declared = ids.flatMap((id) => Object.keys(stages[id].Properties.Users[INSTANCE]));
    expect(new Set(declared).size).toBe(count);
  });

  test('puts a user in the same stage however its instance is written: ID, ARN, or another letter case', () => {
    for (let index = 0; index < 200; index++) {
      const userId = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
      const instance = 'a1b2c3d4-5678-90ab-cdef-0000000000aa';
      const stages = [instance, instance.toUpperCase(), `arn:aws:connect:us-east-1:111111111111:instance/${instance}`].map((InstanceId) =>
        stageOf({ InstanceId, UserId: userId, IdentityInfo: { LastName: 'X' } }, 8),
      );
      expect(new Set(stages).size).toBe(1);
    }
  });

  test('keeps every user in its stage when others are added or removed', () => {
    // GIVEN a stage assignment of 6,000 users (four stages)
    const before = Array.from({ length: 6_000 }, (_, index) => ({ InstanceId: INSTANCE, UserId: userIdFor(index), IdentityInfo: {} }));
    const count = stageCount(before.length);

    // WHEN users are added within the same stage count
    const after = [...before, ...Array.from({ length: 500 }, (_, index) => ({ InstanceId: INSTANCE, UserId: userIdFor(10_000 + index), IdentityInfo: {} }))];

    // THEN no earlier user moves
    expect(stageCount(after.length)).toBe(count);
    for (const declaration of before) expect(stageOf(declaration, count)).toBe(stageOf(declaration, stageCount(after.length)));
    // AND fingerprints follow the declaration, not the position
    expect(fingerprint({ InstanceId: INSTANCE, UserId: userIdFor(1), IdentityInfo: { LastName: 'A' } })).not.toBe(
      fingerprint({ InstanceId: INSTANCE, UserId: userIdFor(1), IdentityInfo: { LastName: 'B' } }),
    );
    expect(fingerprint({ InstanceId: INSTANCE, UserId: userIdFor(1), IdentityInfo: { LastName: 'A' } })).not.toBe(
      fingerprint({ InstanceId: INSTANCE, UserId: userIdFor(2), IdentityInfo: { LastName: 'A' } }),
    );
    expect(userKey({ InstanceId: INSTANCE, Username: 'mary' })).toMatch(/^Username:[0-9a-f]{12}$/);
  });

  test('computes the ARN of users named by ID at synth', () => {
    // GIVEN users by ID, one in an instance given by ARN, and one by username
    const app = new App();
    const stack = new Stack(app, 'Center', { env: { account: '111122223333', region: 'eu-west-2' } });
    const roster = new ConnectUserRoster(stack, 'Roster', {
      roster: rosterOf([
        agent(0),
        agent(1, { instanceId: `arn:aws:connect:us-west-2:444455556666:instance/${OTHER_INSTANCE}` }),
        agent(2, { userId: undefined, username: 'mmajor' }),
      ]),
    });

    // THEN the ARNs of users by ID need no deploy-time attribute, and a user by username has none
    const partition = { Ref: 'AWS::Partition' };
    expect(stack.resolve(roster.userArn(INSTANCE, userIdFor(0)))).toEqual({
      'Fn::Join': ['', ['arn:', partition, `:connect:eu-west-2:111122223333:instance/${INSTANCE}/agent/${userIdFor(0)}`]],
    });
    expect(stack.resolve(roster.userArn(OTHER_INSTANCE, userIdFor(1)))).toBe(`arn:aws:connect:us-west-2:444455556666:instance/${OTHER_INSTANCE}/agent/${userIdFor(1)}`);
    expect(roster.userArn(INSTANCE, userIdFor(9))).toBeUndefined();
  });

  test('declares entries with a deploy-time value one resource each, as before', () => {
    // GIVEN an entry whose email is a dynamic reference, and one whose instance is a parameter
    const app = new App();
    const stack = new Stack(app, 'Center');
    const instance = new CfnParameter(stack, 'Instance').valueAsString;
    const roster = new ConnectUserRoster(stack, 'Roster', {
      roster: rosterOf([
        agent(0),
        agent(1, { identityInfo: { email: '{{resolve:secretsmanager:agents:SecretString:agent1}}' } }),
        agent(2, { instanceId: instance }),
      ]),
    });
    const template = Template.fromStack(stack);

    // THEN they are ConnectUserIdentity resources under the roster's construct IDs, the rest one stage
    expect(roster.deployTimeUsers.map((user) => user.node.id)).toEqual([`User-${INSTANCE}-${userIdFor(1)}`, expect.stringMatching(new RegExp(`^User-[0-9a-f]{12}-${userIdFor(2)}$`))]);
    expect(Object.keys(template.findResources('Custom::ConnectUserIdentity'))).toHaveLength(2);
    expect(Object.values(template.findResources('Custom::ConnectUserRoster')).map((stage: any) => Object.keys(stage.Properties.Users[INSTANCE]))).toEqual([[userIdFor(0)]]);
  });

  test('never puts a user ID that is not shaped like one into a construct or logical ID', () => {
    // GIVEN an entry whose user ID is only known at deploy time, through a dynamic reference
    const app = new App();
    const stack = new Stack(app, 'Center');
    const roster = new ConnectUserRoster(stack, 'Roster', {
      roster: rosterOf([agent(0, { userId: '{{resolve:ssm:/agents/agent0/user-id}}' })]),
    });
    const logicalIds = Object.keys(Template.fromStack(stack).findResources('Custom::ConnectUserIdentity'));

    // THEN its construct ID holds a hash in place of the reference, and so does its logical ID
    expect(roster.deployTimeUsers.map((user) => user.node.id)).toEqual([expect.stringMatching(new RegExp(`^User-${INSTANCE}-[0-9a-f]{12}$`))]);
    expect(logicalIds).toHaveLength(1);
    expect(logicalIds[0]).not.toMatch(/resolve|ssm|agents|agent0/i);
  });

  test('fails synth when a roster user is also declared by hand in the stack', () => {
    // GIVEN a user in the roster and the same user in a ConnectUserIdentity, its instance in other case
    const app = new App();
    const stack = new Stack(app, 'Center');
    new ConnectUserRoster(stack, 'Roster', { roster: rosterOf([agent(0)]) });
    new ConnectUserIdentity(stack, 'ByHand', { instanceId: INSTANCE.toUpperCase(), userId: userIdFor(0), identityInfo: { lastName: 'Other' } });

    // THEN synth fails, naming both
    expect(() => app.synth()).toThrow(/same user of the same instance as Center\/Roster/);
  });

  test('reports nothing in cdk-nag AwsSolutions, its wildcards acknowledged with reasons', () => {
    // GIVEN a 3,000-user roster (two stages, per-instance grants)
    const app = new App();
    const stack = new Stack(app, 'Center');
    new ConnectUserRoster(stack, 'Roster', { roster: rosterOf(Array.from({ length: 3_000 }, (_, index) => agent(index))) });
    app.synth();

    // THEN the AwsSolutions pack finds nothing unacknowledged
    expect(new AwsSolutionsChecks().validateScope(app).violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('ConnectUserRoster: `cdk diff`', () => {
  test('names exactly the users whose declaration changed, with no value', () => {
    // GIVEN a deployed roster of 300 users, and the same roster with user 42 renamed and user 300 added
    const before = synth(Array.from({ length: 300 }, (_, index) => agent(index)));
    const after = synth([...Array.from({ length: 300 }, (_, index) => (index === 42 ? agent(42, { identityInfo: { ...agent(42).identityInfo, lastName: 'Renamed-Lastname' } }) : agent(index))), agent(300)]);

    // WHEN the CLI compares them
    const diff = execFileSync(
      process.execPath,
      [require.resolve('aws-cdk/bin/cdk'), 'diff', '--app', after.outdir, '--template', path.join(before.outdir, 'Center.template.json'), '--no-color'],
      { encoding: 'utf8', env: { ...process.env, CI: 'true', AWS_REGION: 'us-east-1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );

    // THEN it names user 42 and user 300, and no one else, and shows no value
    const named = [...diff.matchAll(/00000000-0000-4000-8000-[0-9a-f]{12}/g)].map((match) => match[0]);
    expect(new Set(named)).toEqual(new Set([userIdFor(42), userIdFor(300)]));
    expect(diff).not.toMatch(/Renamed-Lastname|Lastname42x|Firstname300x|agent300x|corp\.example/);
  });
});

describe('ConnectUserRoster: a whole center in one stack', () => {
  test('10,000 agents synthesize into one stack within CloudFormation and IAM limits, with no value in the template', () => {
    // GIVEN a roster of 10,000 agents, a tenth of them named by username
    const entries = Array.from({ length: 10_000 }, (_, index) => agent(index, index % 10 === 0 ? { userId: undefined, username: `login.${index}` } : {}));

    // WHEN it is synthesized with a drift check
    const { template, text, outdir } = synth(entries, (stack) => new ConnectUserDriftCheck(stack, 'Drift', { correct: true }));

    // THEN the stack (the only template) is under 1,000,000 bytes and 500 resources, with no dynamic reference
    const templates = fs.readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
    expect(templates).toEqual(['Center.template.json']);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1_000_000);
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(500);
    expect(text).not.toContain('{{resolve:');
    // AND both roles' policies stay within IAM's 10,240 characters
    for (const roleId of Object.keys(template.findResources('AWS::IAM::Role'))) expect(rolePolicySize(template, roleId)).toBeLessThanOrEqual(ROLE_POLICY_SIZE_LIMIT);
    // AND no agent's value or username is in it
    for (const index of [0, 1, 4_999, 9_999]) {
      for (const value of [...Object.values(entries[index].identityInfo), entries[index].username].filter((each): each is string => each !== undefined)) {
        expect(text).not.toContain(value);
      }
    }
  });

  test('fails synth for a roster too large for one template, saying to split it', () => {
    // GIVEN 16,000 agents
    const app = new App();
    const stack = new Stack(app, 'Center');
    new ConnectUserRoster(stack, 'Roster', { roster: rosterOf(Array.from({ length: 16_000 }, (_, index) => agent(index))) });

    // THEN synth fails before CloudFormation would
    expect(() => app.synth()).toThrow(/declares 16000 users in stages, which take about \d+ bytes of the template.*split the roster across stacks/);
  });

  test('fails synth past CloudFormation\'s 60 dynamic references in a template', () => {
    // GIVEN 61 users declared with a dynamic reference each
    const app = new App();
    const stack = new Stack(app, 'Center');
    for (let index = 0; index < 61; index++) {
      new ConnectUserIdentity(stack, `Agent${index}`, { instanceId: INSTANCE, userId: userIdFor(index), identityInfo: { email: `{{resolve:secretsmanager:agents:SecretString:agent${index}}}` } });
    }

    // THEN synth fails naming the limit; 60 pass
    expect(() => app.synth()).toThrow(/hold 61 dynamic references .*at most 60 in a template/);
    const fine = new Stack(new App(), 'Center');
    for (let index = 0; index < 60; index++) {
      new ConnectUserIdentity(fine, `Agent${index}`, { instanceId: INSTANCE, userId: userIdFor(index), identityInfo: { email: `{{resolve:secretsmanager:agents:SecretString:agent${index}}}` } });
    }
    expect(() => Template.fromStack(fine)).not.toThrow();
  });
});

describe('ConnectUserRoster: a roster built in code', () => {
  test('fails synth on every invalid entry, naming entry and field and never the value', () => {
    // GIVEN a roster built in code, past the loader, with a Mobile that lost its "+" and a userId that is a login
    const app = new App();
    const stack = new Stack(app, 'Center');
    new ConnectUserRoster(stack, 'Roster', {
      roster: rosterOf([agent(0), agent(1, { identityInfo: { mobile: '12065550123' } }), agent(2, { userId: 'mary.major.login' })]),
    });

    // THEN synth fails with both problems, and neither value
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('agents.csv: entry 2: Mobile is not an E.164 number');
    expect(message).toContain('agents.csv: entry 3: UserId ');
    expect(message).not.toMatch(/12065550123|mary\.major\.login/);
  });
});

describe('ConnectUserRoster: people who are not agents', () => {
  const stagesOf = (template: Template) => Object.values(template.findResources('Custom::ConnectUserRoster')).map((resource) => resource.Properties);

  test('a roster that skips users Connect does not know tells each stage so; by default no stage carries the property', () => {
    // GIVEN the same roster, with and without the option
    const entries = Array.from({ length: 3 }, (_, index) => agent(index));
    const strict = synth(entries).template;
    const app = new App();
    const stack = new Stack(app, 'Center');
    new ConnectUserRoster(stack, 'Roster', { roster: rosterOf(entries), skipUsersNotInConnect: true });
    const skipping = Template.fromStack(stack);

    // THEN only the stages of the skipping roster say to skip, and they differ in nothing else
    expect(stagesOf(skipping)).toEqual([expect.objectContaining({ SkipUsersNotInConnect: 'true' })]);
    expect(stagesOf(strict)[0]).not.toHaveProperty('SkipUsersNotInConnect');
    const { SkipUsersNotInConnect: _, ...rest } = stagesOf(skipping)[0];
    expect(rest).toEqual(stagesOf(strict)[0]);
  });

  test('users named by Username may be found by listing their instance: the role may call ListUsers and SearchUsers there', () => {
    const { template } = synth([agent(0, { userId: undefined, username: 'mary.major.login' })]);
    const statements = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) =>
      (role.Properties.Policies ?? []).flatMap((policy: { PolicyDocument: { Statement: { Sid?: string }[] } }) => policy.PolicyDocument.Statement),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Sid: 'FindUsersByUsername', Action: ['connect:ListUsers', 'connect:SearchUsers'] }));
  });

  test('a roster whose layout skipped rows says how many, as an info at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Center');
    const roster = Object.assign(rosterOf([agent(0)]), { skippedRows: 12 });
    new ConnectUserRoster(stack, 'Roster', { roster });
    const infos = app.synth().getStackArtifact('Center').messages.filter((message) => message.level === 'info').map((message) => message.entry.data);
    expect(infos).toEqual(['12 rows of the roster declare nothing in the columns its layout reads, and are skipped']);
  });
});
