import { Template } from 'aws-cdk-lib/assertions';
import { createExampleApp } from '../../bin/example-app';
import { RESOURCE_TYPE } from '../../lib';

test('the example app declares the documented example user with one handler', () => {
  // GIVEN the example app with its default roster
  const { stack } = createExampleApp();
  // WHEN synthesized
  const template = Template.fromStack(stack);
  // THEN it holds one user and one function
  template.resourceCountIs(RESOURCE_TYPE, 1);
  template.resourceCountIs('AWS::Lambda::Function', 1);
  template.hasResourceProperties(RESOURCE_TYPE, {
    InstanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    UserId: '87654321-2222-1234-1234-111234567891',
    IdentityInfo: { FirstName: 'Mary', LastName: 'Major', Email: 'marym@example.com' },
  });
});

test('snapshot of the example stack (asset hashes normalized)', () => {
  const { stack } = createExampleApp();
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('a roster given as context replaces the default one', () => {
  const { stack } = createExampleApp({ context: { roster: 'examples/team.yaml' } });
  Template.fromStack(stack).resourceCountIs(RESOURCE_TYPE, 3);
});

test('a spreadsheet roster given as context (-c roster=examples/team.csv) declares the same users as its YAML twin', () => {
  // GIVEN the example team as CSV and as YAML
  const fromCsv = Template.fromStack(createExampleApp({ context: { roster: 'examples/team.csv' } }).stack);
  const fromYaml = Template.fromStack(createExampleApp({ context: { roster: 'examples/team.yaml' } }).stack);
  // THEN the two templates declare the same resources
  expect(fromCsv.findResources(RESOURCE_TYPE)).toEqual(fromYaml.findResources(RESOURCE_TYPE));
  fromCsv.resourceCountIs(RESOURCE_TYPE, 3);
});
