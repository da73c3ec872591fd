import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createExampleApp } from '../../bin/example-app';
import { ROSTER_STAGE_RESOURCE_TYPE } from '../../lib/roster-declarations';

/**
 * The context `npx cdk synth` gives the app: cdk.json's feature flags. With it, the tests synthesize
 * the template the CLI prints, not the one an app without flags would get.
 */
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

test('the example app declares the documented example user with one handler, and no value of hers', () => {
  // GIVEN the example app with its default roster
  const { stack } = createExampleApp({ context: CDK_JSON_CONTEXT });
  // WHEN synthesized
  const template = Template.fromStack(stack);
  // THEN it holds one roster stage naming one user, and one function
  template.resourceCountIs(ROSTER_STAGE_RESOURCE_TYPE, 1);
  template.resourceCountIs('AWS::Lambda::Function', 1);
  template.hasResourceProperties(ROSTER_STAGE_RESOURCE_TYPE, {
    Users: { 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111': { '87654321-2222-1234-1234-111234567891': Match.stringLikeRegexp('^[0-9a-f]{12}$') } },
  });
  expect(JSON.stringify(template.toJSON())).not.toMatch(/Mary|Major|marym/);
});

test('snapshot of the example stack (asset hashes normalized)', () => {
  // GIVEN the example app as `npx cdk synth` builds it
  const { stack } = createExampleApp({ context: CDK_JSON_CONTEXT });
  // WHEN synthesized THEN the template is the reviewed one
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

/** The users a template's roster stages name. */
function stageUsers(template: Template): string[] {
  return Object.values(template.findResources(ROSTER_STAGE_RESOURCE_TYPE)).flatMap((stage) =>
    Object.entries(stage.Properties.Users as Record<string, Record<string, string>>).flatMap(([instance, users]) => Object.keys(users).map((user) => `${instance}/${user}`)),
  );
}

test('a roster given as context replaces the default one', () => {
  // GIVEN the team roster given as `-c roster=examples/team.yaml` would give it
  const { stack } = createExampleApp({ context: { ...CDK_JSON_CONTEXT, roster: 'examples/team.yaml' } });
  // WHEN synthesized THEN it declares the team's three users
  expect(stageUsers(Template.fromStack(stack))).toHaveLength(3);
});

test('a spreadsheet roster given as context (-c roster=examples/team.csv) declares the same users as its YAML twin', () => {
  // GIVEN the example team as CSV and as YAML
  const fromCsv = Template.fromStack(createExampleApp({ context: { ...CDK_JSON_CONTEXT, roster: 'examples/team.csv' } }).stack);
  const fromYaml = Template.fromStack(createExampleApp({ context: { ...CDK_JSON_CONTEXT, roster: 'examples/team.yaml' } }).stack);
  // THEN the two templates declare the same stage, with the same declaration file
  expect(fromCsv.findResources(ROSTER_STAGE_RESOURCE_TYPE)).toEqual(fromYaml.findResources(ROSTER_STAGE_RESOURCE_TYPE));
  expect(stageUsers(fromCsv)).toHaveLength(3);
});
