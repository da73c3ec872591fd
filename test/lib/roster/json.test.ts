import { formatProblem, Roster } from '../../../lib';
import { expectNoLeaks, INSTANCE, MARY_ID, rosterDir, rosterFile } from './fixtures';
import * as path from 'node:path';

describe('JSON roster files', () => {
  test('fails on a list of 200,000 entries with the limit, instead of overflowing the stack', () => {
    // GIVEN a JSON list far longer than any roster
    const file = rosterFile('agents.json', `[${Array(200_000).fill('{}').join(',')}]`);

    // WHEN it is checked
    const problems = Roster.check(file);

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      `${file}: holds 200,000 entries; a roster file may hold at most 25,000, more than one stack can declare: split it`,
    ]);
  });

  test('fails on a key given twice, at the top of an entry and inside IdentityInfo, with its line', () => {
    // GIVEN two UserIds (JSON.parse would keep the second silently) and two LastNames
    const dir = rosterDir({
      'a.json': `{\n  "InstanceId": "${INSTANCE}",\n  "UserId": "${MARY_ID}",\n  "UserId": "87654321-2222-1234-1234-111234567892",\n  "IdentityInfo": {"FirstName": "Mary"}\n}\n`,
      'b.json': `[{"InstanceId": "${INSTANCE}", "UserId": "${MARY_ID}",\n  "IdentityInfo": {"LastName": "Major", "LastName": "Smith"}}]\n`,
    });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN each is reported where the second one is, as YAML's are
    expect(problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'a.json')}: gives a key twice in one object (the second time at line 4, column 3); JSON would keep only the last one: remove one of them`,
      `${path.join(dir, 'b.json')}: gives a key twice in one object (the second time at line 2, column 41); JSON would keep only the last one: remove one of them`,
    ]);
    expectNoLeaks(problems);
  });

  test('fails on broken JSON with a position and without quoting the text around the error', () => {
    // GIVEN files broken next to personal data
    const dir = rosterDir({
      'a.json': `{"IdentityInfo": {"FirstName": José}}`,
      'b.json': `{"IdentityInfo": {"LastName": "Okafor-Smith" "Email": "jdoe@example.com"}}`,
      'c.json': `{"IdentityInfo": {"LastName": "Nuñez\\q"}}`,
      'd.json': `{"IdentityInfo": {"FirstName": "Siobhán"`,
      'e.json': `{Mary: 1}`,
    });

    // WHEN it is checked
    const problems = Roster.check(dir);

    // THEN every file is reported, none with its content
    expect(problems).toHaveLength(5);
    for (const problem of problems) expect(problem.message).toMatch(/^is not valid JSON \(.+, at line \d+, column \d+\); fix it/);
    expectNoLeaks(problems);
  });
});
