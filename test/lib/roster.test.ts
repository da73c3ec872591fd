import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectUserIdentity, ConnectUserRoster, Roster, rosterConstructId } from '../../lib';
import {
  CLI_SKELETON,
  CLI_YAML_SKELETON,
  escapeRegExp as escape,
  EXAMPLES,
  expectNoPersonalData,
  filledSkeleton,
  INSTANCE,
  loadError,
  MARY_ID,
  OTHER_INSTANCE,
  rosterDir,
  rosterFile,
  userId,
} from './roster/fixtures';


function synthRoster(roster: Roster): Template {
  const stack = new Stack(new App(), 'RosterStack');
  new ConnectUserRoster(stack, 'Roster', { roster });
  return Template.fromStack(stack);
}

/** The users the roster's stages name, `<instance>/<user key>`, with their fingerprints. */
function stageUsers(template: Template): Map<string, string> {
  const users = new Map<string, string>();
  for (const stage of Object.values(template.findResources('Custom::ConnectUserRoster'))) {
    for (const [instance, byUser] of Object.entries(stage.Properties.Users as Record<string, Record<string, string>>)) {
      for (const [user, fingerprint] of Object.entries(byUser)) users.set(`${instance}/${user}`, fingerprint);
    }
  }
  return users;
}

describe('Roster.load: formats and shapes', () => {
  test('loads the example team roster, a list of entries', () => {
    // GIVEN the shipped example team
    const file = path.join(EXAMPLES, 'team.yaml');

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN it holds the documented example user first, and an entry by Username
    expect(roster.files).toEqual([file]);
    expect(roster.entries[0]).toEqual({
      file,
      entry: 1,
      instanceId: INSTANCE,
      userId: MARY_ID,
      username: undefined,
      identityInfo: { firstName: 'Mary', lastName: 'Major', email: 'marym@example.com' },
    });
    expect(roster.entries.some((entry) => entry.username !== undefined && entry.userId === undefined)).toBe(true);
  });

  test('loads a --cli-input-json file unchanged: the literal CLI skeleton, some fields filled, blanks not declared', () => {
    // GIVEN the CLI skeleton with names and IDs filled in and the rest left blank
    const file = rosterFile(
      'mary.json',
      CLI_SKELETON.replace('"FirstName": ""', '"FirstName": "Mary"')
        .replace('"LastName": ""', '"LastName": "Major"')
        .replace('"UserId": ""', `"UserId": "${MARY_ID}"`)
        .replace('"InstanceId": ""', `"InstanceId": "${INSTANCE}"`),
    );

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN the blank fields are not declared
    expect(roster.entries).toEqual([
      { file, entry: 1, instanceId: INSTANCE, userId: MARY_ID, username: undefined, identityInfo: { firstName: 'Mary', lastName: 'Major' } },
    ]);
  });

  test('loads a --cli-input-yaml file unchanged: the CLI YAML skeleton with its comments, some fields filled', () => {
    // GIVEN the YAML skeleton as the CLI prints it, filled in
    const file = rosterFile(
      'mary.yaml',
      CLI_YAML_SKELETON.replace("FirstName: ''", 'FirstName: Mary')
        .replace("Mobile: ''", "Mobile: '+12065550142'")
        .replace("UserId: ''", `UserId: ${MARY_ID}`)
        .replace("InstanceId: ''", `InstanceId: ${INSTANCE}`),
    );

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN the filled fields are declared, the blank ones not
    expect(roster.entries[0].identityInfo).toEqual({ firstName: 'Mary', mobile: '+12065550142' });
    expect(roster.entries[0].userId).toBe(MARY_ID);
  });

  test('loads a JSON list of skeletons, and a YAML single object', () => {
    // GIVEN a JSON list and a YAML file of one entry
    const json = rosterFile('agents.json', [
      filledSkeleton({ FirstName: 'Mary', UserId: userId(1), InstanceId: INSTANCE }),
      filledSkeleton({ LastName: 'Major', UserId: userId(2), InstanceId: INSTANCE }),
    ]);
    const yaml = rosterFile('agent.yml', `InstanceId: ${INSTANCE}\nUserId: ${userId(3)}\nIdentityInfo:\n  Email: marym@example.com\n`);

    // WHEN they are loaded
    const list = Roster.load(json);
    const single = Roster.load(yaml);

    // THEN entries are numbered from 1 in their file
    expect(list.entries.map((entry) => [entry.entry, entry.userId])).toEqual([
      [1, userId(1)],
      [2, userId(2)],
    ]);
    expect(single.entries).toHaveLength(1);
    expect(single.entries[0]).toMatchObject({ entry: 1, userId: userId(3), identityInfo: { email: 'marym@example.com' } });
  });

  test('loads YAML with several documents, and a YAML null as a blank field', () => {
    // GIVEN two YAML documents, the second a list, with fields left empty after the colon
    const file = rosterFile(
      'agents.yaml',
      `InstanceId: ${INSTANCE}\nUserId: ${userId(1)}\nIdentityInfo:\n  FirstName: Mary\n  Email:\n---\n` +
        `- InstanceId: ${INSTANCE}\n  UserId: ''\n  Username: mmajor\n  IdentityInfo:\n    LastName: Major\n    Mobile: ~\n`,
    );

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN both documents' entries are read, numbered on through the file, blanks not declared
    expect(roster.entries.map((entry) => ({ entry: entry.entry, userId: entry.userId, username: entry.username, info: entry.identityInfo }))).toEqual([
      { entry: 1, userId: userId(1), username: undefined, info: { firstName: 'Mary' } },
      { entry: 2, userId: undefined, username: 'mmajor', info: { lastName: 'Major' } },
    ]);
  });

  test('loads YAML values as the text written: an unquoted mobile keeps its "+", words and digits stay as they are', () => {
    // GIVEN unquoted values that YAML would read as a number, a boolean (YAML 1.1) and an octal number
    const file = rosterFile(
      'agents.yaml',
      `%YAML 1.1\n---\n- InstanceId: ${INSTANCE}\n  UserId: ${userId(1)}\n  IdentityInfo:\n    FirstName: No\n    LastName: 0o17\n    Mobile: +12065550142\n`,
    );

    // WHEN it is loaded
    const roster = Roster.load(file);

    // THEN every value is the text of the file
    expect(roster.entries[0].identityInfo).toEqual({ firstName: 'No', lastName: '0o17', mobile: '+12065550142' });
  });

  test('loads a directory: roster files in name order; other files, dot-files and subdirectories ignored', () => {
    // GIVEN a directory of --cli-input-json and YAML files, and files that are not rosters
    const dir = rosterDir({
      'b.yaml': `- InstanceId: ${INSTANCE}\n  UserId: ${userId(2)}\n  IdentityInfo: { FirstName: B }\n`,
      'a.json': filledSkeleton({ FirstName: 'A', UserId: userId(1), InstanceId: INSTANCE }),
      'c.YML': `InstanceId: ${INSTANCE}\nUserId: ${userId(3)}\nIdentityInfo: { FirstName: C }\n`,
      'README.md': '# not a roster',
      '.#a.json': 'editor lock file, not JSON',
      'nested/d.json': filledSkeleton({ FirstName: 'D', UserId: userId(4), InstanceId: INSTANCE }),
    });

    // WHEN it is loaded
    const roster = Roster.load(dir);

    // THEN the three roster files are read in name order
    expect(roster.files.map((file) => path.basename(file))).toEqual(['a.json', 'b.yaml', 'c.YML']);
    expect(roster.entries.map((entry) => entry.userId)).toEqual([userId(1), userId(2), userId(3)]);
  });

  test('loads the shipped directory of --cli-input-json files', () => {
    // GIVEN examples/agents
    const dir = path.join(EXAMPLES, 'agents');

    // WHEN it is loaded
    const roster = Roster.load(dir);

    // THEN every file is one entry, one of them by Username in another instance
    expect(roster.entries).toHaveLength(fs.readdirSync(dir).filter((name) => name.endsWith('.json')).length);
    expect(roster.entries.find((entry) => entry.userId === MARY_ID)?.identityInfo).toEqual({
      firstName: 'Mary',
      lastName: 'Major',
      email: 'marym@example.com',
    });
    expect(new Set(roster.entries.map((entry) => entry.instanceId)).size).toBe(2);
  });

  test('loads an entry whose InstanceId is an instance ARN', () => {
    // GIVEN an entry naming its instance by ARN
    const arn = `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE}`;
    const file = rosterFile('arn.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: arn }));

    // WHEN it is loaded and declared
    const roster = Roster.load(file);

    // THEN the ARN is kept as given, and the construct ID uses the bare instance ID
    expect(roster.entries[0].instanceId).toBe(arn);
    expect(rosterConstructId(roster.entries[0])).toBe(`User-${INSTANCE}-${MARY_ID}`);
  });
});

describe('Roster.load: errors', () => {
  test('fails on an unknown key, suggesting the closest known one', () => {
    // GIVEN a typo inside IdentityInfo, in entry 2
    const file = rosterFile('typo.yaml', [
      { InstanceId: INSTANCE, UserId: userId(1), IdentityInfo: { FirstName: 'Jane' } },
      { InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: { Fristname: 'Mary', LastName: 'Major' } },
    ]);

    // WHEN it is loaded
    const error = loadError(file);

    // THEN the file, entry, UserId and the key's place are named, with the suggestion, and the key itself is not shown
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(`${file}: entry 2 (UserId ${MARY_ID}): IdentityInfo has a key (at line 13, column 7) that is not a field of IdentityInfo; did you mean FirstName?`);
    expect(error.message).not.toContain('Fristname');
    expectNoPersonalData(error.message);
  });

  test('fails on unknown top-level keys: an identity field out of place, a camel-cased key, an unknown one', () => {
    // GIVEN keys in the construct's spelling and at the wrong level
    const file = rosterFile('keys.json', {
      instanceId: INSTANCE,
      UserId: MARY_ID,
      FirstName: 'Mary',
      Phone: '+12065550142',
      IdentityInfo: { LastName: 'Major' },
    });

    // WHEN it is loaded
    const error = loadError(file);

    // THEN each key is reported by its place, with where it belongs; only known key names are shown
    expect(error.message).toContain(
      'entry 1 (UserId 87654321-2222-1234-1234-111234567891): has a key (at line 2, column 3) that is not a key of an entry; did you mean InstanceId? (keys are case-sensitive)',
    );
    expect(error.message).toContain('has the key FirstName (at line 4, column 3), which is not a key of an entry: it belongs inside IdentityInfo, as IdentityInfo.FirstName');
    expect(error.message).toContain('has a key (at line 5, column 3) that is not a key of an entry; the keys of an entry are IdentityInfo, UserId, Username, InstanceId');
    expect(error.message).not.toContain('Phone');
    // The misspelt instanceId does not count as InstanceId.
    expect(error.message).toContain('InstanceId is required');
    expectNoPersonalData(error.message);
  });

  test('fails on a missing InstanceId, naming file, entry and field', () => {
    // GIVEN the skeleton with InstanceId left blank
    const file = rosterFile('no-instance.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID }));

    // WHEN it is loaded
    const error = loadError(file);

    // THEN
    expect(error.problems).toEqual([
      expect.objectContaining({ file, entry: 1, field: 'InstanceId', subject: `UserId ${MARY_ID}` }),
    ]);
    expect(error.message).toContain(`${file}: entry 1 (UserId ${MARY_ID}): InstanceId is required`);
  });

  test('fails on neither UserId nor Username, and on both', () => {
    // GIVEN an entry with neither (the skeleton's UserId left blank) and one with both
    const file = rosterFile('users.json', [
      filledSkeleton({ FirstName: 'Mary', InstanceId: INSTANCE }),
      { ...filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }), Username: 'mmajor' },
    ]);

    // WHEN it is loaded
    const error = loadError(file);

    // THEN both are named, without the username
    expect(error.message).toContain(`${file}: entry 1: UserId is required: give the user ID, or the Username to look it up by`);
    expect(error.message).toContain(`${file}: entry 2 (UserId ${MARY_ID}, Username given): UserId and Username are both given`);
    expectNoPersonalData(error.message);
  });

  test('fails on the same user twice, by UserId across files and by Username, naming both entries', () => {
    // GIVEN Mary in two files (once by instance ARN), and a username declared twice in one file
    const dir = rosterDir({
      '1.json': filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }),
      '2.yaml': [
        { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { LastName: 'Major' } },
        { InstanceId: `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE}`, UserId: MARY_ID, IdentityInfo: { LastName: 'Major' } },
        { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { FirstName: 'Mary' } },
        // The same UserId in another instance is another user.
        { InstanceId: OTHER_INSTANCE, UserId: MARY_ID, IdentityInfo: { FirstName: 'Mary' } },
      ],
    });

    // WHEN it is loaded
    const error = loadError(dir);

    // THEN each duplicate names the later entry and the earlier one
    const first = path.join(dir, '1.json');
    const second = path.join(dir, '2.yaml');
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain(`${second}: entry 2 (UserId ${MARY_ID}): UserId declares the same user as entry 1 of ${first}`);
    expect(error.message).toContain(`${second}: entry 3 (Username given): Username declares the same user as entry 1 of ${second}`);
    expectNoPersonalData(error.message);
  });

  test('fails on entries and files that are not objects or lists', () => {
    // GIVEN a list holding a string and a list, a file holding a number, and an empty file
    const dir = rosterDir({
      'a.json': [filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE }), 'Mary Major', ['x']],
      'b.yaml': '42\n',
      'c.json': '',
      'd.yaml': `InstanceId: ${INSTANCE}\nUserId: ${userId(1)}\nIdentityInfo: [Mary, Major]\n`,
    });

    // WHEN it is loaded
    const error = loadError(dir);

    // THEN each is named, without its content
    expect(error.message).toContain(`${path.join(dir, 'a.json')}: entry 2: must be an object, not a string`);
    expect(error.message).toContain(`${path.join(dir, 'a.json')}: entry 3: must be an object, not a list`);
    // YAML scalars are read as text, so the 42 is a string.
    expect(error.message).toContain(`${path.join(dir, 'b.yaml')}: must hold one entry object or a list of them, not a string`);
    expect(error.message).toContain(`${path.join(dir, 'c.json')}: is empty`);
    expect(error.message).toContain(`${path.join(dir, 'd.yaml')}: entry 1 (UserId ${userId(1)}): IdentityInfo must be an object of FirstName`);
    expect(error.problems).toHaveLength(5);
    expectNoPersonalData(error.message);
  });

  test('fails on unparseable JSON and YAML, with a line and column and without quoting the text', () => {
    // GIVEN a JSON file with an unquoted value and a YAML file with a bad indent
    const dir = rosterDir({
      'broken.json': `{\n  "IdentityInfo": { "FirstName": Mary },\n  "UserId": "${MARY_ID}"\n}\n`,
      'trailing.json': `{ "UserId": "${MARY_ID}", }`,
      'broken.yaml': `InstanceId: ${INSTANCE}\nIdentityInfo:\n  FirstName: Mary\n LastName: Major\n`,
    });

    // WHEN it is loaded
    const error = loadError(dir);

    // THEN every file is reported, with where it breaks
    expect(error.message).toContain(`${path.join(dir, 'broken.json')}: is not valid JSON (Unexpected token, at line 2, column 34)`);
    expect(error.message).toMatch(new RegExp(`${escape(path.join(dir, 'trailing.json'))}: is not valid JSON \\(.*, at line 1, column \\d+\\)`));
    expect(error.message).toMatch(new RegExp(`${escape(path.join(dir, 'broken.yaml'))}: is not valid YAML: .*at line 4, column \\d+`));
    expectNoPersonalData(error.message);
  });

  test('fails on every validation rule of the construct, naming each field', () => {
    // GIVEN values that break the construct's rules (a decomposed name, a bad email, a bad mobile, ...)
    const file = rosterFile('rules.yaml', [
      {
        InstanceId: INSTANCE,
        UserId: MARY_ID,
        IdentityInfo: {
          FirstName: 'Zoe\u0308',
          LastName: 'M'.repeat(301),
          Email: 'marym at example.com',
          SecondaryEmail: 'marym@example',
          Mobile: '2065550142',
        },
      },
      { InstanceId: 'instance/with/slashes', UserId: 'user id', IdentityInfo: { FirstName: 'Mary' } },
      { InstanceId: INSTANCE, Username: 'm major!', IdentityInfo: { FirstName: 'Mary' } },
    ]);

    // WHEN it is loaded
    const error = loadError(file);

    // THEN each rule's message names its field, and none repeats the value
    expect(error.message).toContain(`entry 1 (UserId ${MARY_ID}): IdentityInfo.FirstName is not in Unicode Normalization Form C`);
    expect(error.message).toContain(`entry 1 (UserId ${MARY_ID}): IdentityInfo.LastName is 301 characters long; at most 300 are allowed`);
    expect(error.message).toContain(`entry 1 (UserId ${MARY_ID}): IdentityInfo.Email does not look like an email address`);
    expect(error.message).toContain(`entry 1 (UserId ${MARY_ID}): IdentityInfo.SecondaryEmail does not match the API pattern`);
    expect(error.message).toContain(`entry 1 (UserId ${MARY_ID}): IdentityInfo.Mobile is not an E.164 number`);
    expect(error.message).toContain('entry 2 (UserId given): InstanceId is not a Connect instance ID, which is a UUID');
    expect(error.message).toContain('entry 2 (UserId given): UserId is not a Connect user ID');
    expect(error.message).toContain('entry 3 (Username given): Username must be 1 to 100 characters');
    expect(error.problems).toHaveLength(8);
    expectNoPersonalData(error.message);
    expect(error.message).not.toContain('user id');
    expect(error.message).not.toContain('m major!');
  });

  test('fails on a mobile number that lost its "+" (YAML) or is a number (JSON), and on an entry that declares no field', () => {
    // GIVEN a YAML mobile without its "+", a JSON mobile written as a number, and the bare CLI YAML skeleton with only IDs filled
    const dir = rosterDir({
      'a.yaml': `InstanceId: ${INSTANCE}\nUserId: ${userId(1)}\nIdentityInfo:\n  Mobile: 12065550142\n`,
      'b.yaml': CLI_YAML_SKELETON.replace("UserId: ''", `UserId: ${userId(2)}`).replace("InstanceId: ''", `InstanceId: ${INSTANCE}`),
      'c.json': `{"InstanceId": "${INSTANCE}", "UserId": "${userId(3)}", "IdentityInfo": {"Mobile": 12065550142}}`,
    });

    // WHEN it is loaded
    const error = loadError(dir);

    // THEN
    expect(error.message).toContain(`${path.join(dir, 'a.yaml')}: entry 1 (UserId ${userId(1)}): IdentityInfo.Mobile is not an E.164 number: it has no "+" before its digits`);
    expect(error.message).toContain(`${path.join(dir, 'b.yaml')}: entry 1 (UserId ${userId(2)}): IdentityInfo declares no field`);
    expect(error.message).toContain(`${path.join(dir, 'c.json')}: entry 1 (UserId ${userId(3)}): IdentityInfo.Mobile must be a string, not a number; write it in double quotes`);
    expect(error.problems).toHaveLength(3);
    expectNoPersonalData(error.message);
  });

  test('fails with every problem of every file at once', () => {
    // GIVEN problems in three files
    const dir = rosterDir({
      'a.json': filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID }),
      'b.yaml': `- InstanceId: ${INSTANCE}\n  UserId: ${userId(1)}\n  IdentityInfo: { Fristname: Jane }\n`,
      'c.json': '{',
    });

    // WHEN it is loaded
    const error = loadError(dir);

    // THEN one error lists them all, one per line, in file order
    expect(error.problems.map((problem) => path.basename(problem.file))).toEqual(['a.json', 'b.yaml', 'c.json']);
    expect(error.message.split('\n')).toHaveLength(4);
    expect(error.message.split('\n')[0]).toBe(`The roster ${dir} has 3 problems; nothing is declared from a roster with errors:`);
  });

  test('fails on a path that does not exist, a directory with no roster file, a file of another kind, an empty roster', () => {
    // GIVEN
    const dir = rosterDir({ 'notes.txt': 'x', 'agents.xlsx': 'a,b' });
    const emptyList = rosterFile('empty.json', []);

    // WHEN / THEN
    expect(loadError(path.join(dir, 'missing.yaml')).message).toContain('missing.yaml: does not exist');
    expect(loadError(dir).message).toContain(`${dir}: holds no roster file`);
    expect(loadError(path.join(dir, 'agents.xlsx')).message).toContain('agents.xlsx: is not a roster file: its name must end in .json, .yaml, .yml, .csv');
    expect(loadError(emptyList).message).toContain(`${emptyList}: holds no entries`);
  });
});

describe('ConnectUserRoster', () => {
  test("the example app's default roster is the documented example user alone, in CLI skeleton shape", () => {
    const file = path.join(EXAMPLES, 'roster.yaml');
    const roster = Roster.load(file);
    expect(roster.entries).toEqual([
      { file, entry: 1, instanceId: INSTANCE, userId: MARY_ID, username: undefined, identityInfo: { firstName: 'Mary', lastName: 'Major', email: 'marym@example.com' } },
    ]);
  });

  test('declares the example team in one stage with one handler, by UserId and by the Username hash', () => {
    // GIVEN the example team
    const roster = Roster.load(path.join(EXAMPLES, 'team.yaml'));

    // WHEN it is synthesized
    const template = synthRoster(roster);

    // THEN one stage names every entry's user, Mary Major among them, and holds none of their values
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('Custom::ConnectUserIdentity', 0);
    const users = stageUsers(template);
    expect(users.size).toBe(roster.entries.length);
    expect(users.has(`${INSTANCE}/${MARY_ID}`)).toBe(true);
    expect([...users.keys()].filter((user) => /\/Username:[0-9a-f]{12}$/.test(user))).toHaveLength(1);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Mary|Major|marym/);
  });

  test('gives construct IDs that hold no username', () => {
    // GIVEN an entry by Username
    const roster = Roster.load(rosterFile('byname.json', { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { FirstName: 'Mary' } }));

    // WHEN it is synthesized
    const template = synthRoster(roster);

    // THEN no logical ID, nor anything else in the template, shows the username
    expect(rosterConstructId(roster.entries[0])).toMatch(new RegExp(`^UserByName-${INSTANCE}-[0-9a-f]{12}$`));
    expect(JSON.stringify(template.toJSON()).toLowerCase()).not.toContain('mmajor');
  });

  test('leaves every user as it was when the roster is reordered, and adds only the new user', () => {
    // GIVEN a roster, and the same roster reordered with one user added
    const entries = [
      { InstanceId: INSTANCE, UserId: userId(1), IdentityInfo: { FirstName: 'A' } },
      { InstanceId: INSTANCE, Username: 'mmajor', IdentityInfo: { FirstName: 'B' } },
      { InstanceId: OTHER_INSTANCE, UserId: userId(3), IdentityInfo: { FirstName: 'C' } },
    ];
    const before = synthRoster(Roster.load(rosterFile('roster.json', entries)));
    const reordered = synthRoster(Roster.load(rosterFile('roster.json', [entries[2], entries[0], entries[1]])));
    const grown = synthRoster(Roster.load(rosterFile('roster.json', [{ InstanceId: INSTANCE, UserId: userId(0), IdentityInfo: { FirstName: 'New' } }, entries[2], entries[0], entries[1]])));

    // THEN reordering changes nothing at all, and adding changes nothing for the others
    expect(reordered.toJSON()).toEqual(before.toJSON());
    const usersBefore = stageUsers(before);
    const usersAfter = stageUsers(grown);
    for (const [user, fingerprint] of usersBefore) expect(usersAfter.get(user)).toBe(fingerprint);
    expect([...usersAfter.keys()].filter((user) => !usersBefore.has(user))).toEqual([`${INSTANCE}/${userId(0)}`]);
  });

  test('declares 300 agents in one stack with a handful of resources', () => {
    // GIVEN a roster of 300 agents, a tenth of them by Username
    const entries = Array.from({ length: 300 }, (_, index) => ({
      InstanceId: INSTANCE,
      ...(index % 10 === 0 ? { Username: `agent${index}` } : { UserId: userId(index) }),
      IdentityInfo: { FirstName: `First${index}`, LastName: `Last${index}`, Email: `agent${index}@example.com` },
    }));
    const roster = Roster.load(rosterFile('agents.json', entries));

    // WHEN it is synthesized
    const template = synthRoster(roster);

    // THEN there is one function and one stage for all of them
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('Custom::ConnectUserRoster', 1);
    expect(stageUsers(template).size).toBe(300);
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThan(10);
  });

  test('declares users of several instances, granting the handler rights in each', () => {
    // GIVEN users in two instances, one by Username
    const roster = Roster.load(
      rosterFile('two.yaml', [
        { InstanceId: INSTANCE, UserId: MARY_ID, IdentityInfo: { FirstName: 'Mary' } },
        { InstanceId: OTHER_INSTANCE, UserId: MARY_ID, IdentityInfo: { FirstName: 'Mary' } },
        { InstanceId: OTHER_INSTANCE, Username: 'jdoe', IdentityInfo: { FirstName: 'Jane' } },
      ]),
    );

    // WHEN it is synthesized
    const template = synthRoster(roster);

    // THEN the stage names each instance's users, and the role's policy names both instances
    const users = [...stageUsers(template).keys()];
    expect(users).toHaveLength(3);
    expect(users).toEqual(
      expect.arrayContaining([`${INSTANCE}/${MARY_ID}`, `${OTHER_INSTANCE}/${MARY_ID}`, expect.stringMatching(new RegExp(`^${OTHER_INSTANCE}/Username:[0-9a-f]{12}$`))]),
    );
    const policies = JSON.stringify(template.findResources('AWS::IAM::Role'));
    expect(policies).toContain(`instance/${INSTANCE}/agent/${MARY_ID}`);
    expect(policies).toContain(`instance/${OTHER_INSTANCE}/agent/${MARY_ID}`);
    expect(policies).toContain('connect:SearchUsers');
  });

  test('fails to synthesize a user declared both in a roster and by hand', () => {
    // GIVEN Mary in a roster and as a ConnectUserIdentity of the same stack
    const roster = Roster.load(rosterFile('mary.json', filledSkeleton({ FirstName: 'Mary', UserId: MARY_ID, InstanceId: INSTANCE })));
    const stack = new Stack(new App(), 'RosterStack');
    new ConnectUserRoster(stack, 'Roster', { roster });
    new ConnectUserIdentity(stack, 'Mary', { instanceId: INSTANCE, userId: MARY_ID, identityInfo: { lastName: 'Major' } });

    // WHEN / THEN
    expect(() => Template.fromStack(stack)).toThrow(/\[RosterStack\/Mary\] userId names the same user of the same instance as RosterStack\/Roster \(.*mary\.json, entry 1\)/);
  });

  test('fails to synthesize a hand-built roster that declares a user twice', () => {
    // GIVEN an object shaped like a roster, past the loader's checks, with the same user twice
    const entry = { file: 'code', entry: 1, instanceId: INSTANCE, userId: MARY_ID, identityInfo: { firstName: 'Mary' } };
    const stack = new Stack(new App(), 'RosterStack');
    new ConnectUserRoster(stack, 'Roster', { roster: { files: [], entries: [entry, { ...entry, entry: 2 }] } as unknown as Roster });

    // WHEN / THEN synth fails with the duplicate as a validation error of the roster
    expect(() => Template.fromStack(stack)).toThrow(
      /\[RosterStack\/Roster\] code: entry 2 \(UserId 87654321-2222-1234-1234-111234567891\): UserId declares the same user as entry 1 of code/,
    );
  });
});
