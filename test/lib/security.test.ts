import { App, CfnParameter, Stack, Validations, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConnectUserIdentity, ROLE_POLICY_SIZE_LIMIT, RESOURCE_TYPE } from '../../lib';
import { rolePolicySize } from '../support/policy-size';
import { EXAMPLE, instanceIdFor, stackWithUsers, userIdFor } from '../support/stacks';

/** Runs the AwsSolutions pack over a synthesized app and returns every unacknowledged finding. */
function nagFindings(app: App): string[] {
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`);
}

describe('cdk-nag AwsSolutions', () => {
  test('reports nothing on a stack declaring the example user', () => {
    const stack = stackWithUsers(1);
    expect(nagFindings(stack.node.root as App)).toEqual([]);
  });

  test('reports nothing on a 400-user stack, whose per-instance grant carries its acknowledgement', () => {
    const stack = stackWithUsers(400);
    expect(nagFindings(stack.node.root as App)).toEqual([]);
    const role = stack.node.findChild('ConnectUserIdentityProvider').node.findChild('Role');
    const acknowledged = role.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(acknowledged).toHaveLength(1);
    expect(Object.keys(acknowledged[0].data)[0]).toContain(`instance/${EXAMPLE.instanceId}/agent/*`);
  });

  test('reports nothing for users named by username or in an instance known at deploy time', () => {
    const app = new App();
    const stack = new Stack(app, 'Mixed');
    new ConnectUserIdentity(stack, 'ByName', { instanceId: EXAMPLE.instanceId, username: 'marym', identityInfo: { firstName: 'Mary' } });
    new ConnectUserIdentity(stack, 'Later', {
      instanceId: new CfnParameter(stack, 'Instance').valueAsString,
      userId: EXAMPLE.userId,
      identityInfo: { firstName: 'Mary' },
    });
    expect(nagFindings(app)).toEqual([]);
  });

  test('still reports findings the construct did not acknowledge', () => {
    // GIVEN a consumer's own wildcard grant to the handler's role
    const stack = stackWithUsers(1);
    const role = stack.node.findChild('ConnectUserIdentityProvider').node.findChild('Role') as iam.Role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    // THEN cdk-nag reports it
    expect(nagFindings(stack.node.root as App).join('\n')).toContain('AwsSolutions-IAM5[Resource::*]');
  });

  test('runs as a validation plugin during synth without failing it', () => {
    const stack = stackWithUsers(400);
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('CloudFormation and IAM limits', () => {
  test('a 400-user stack stays within the resource, template and role policy limits', () => {
    const template = Template.fromStack(stackWithUsers(400));
    const json = template.toJSON();
    expect(Object.keys(json.Resources).length).toBeLessThan(500);
    expect(Object.keys(json.Resources).length).toBe(400 + 5); // one per user, plus the function, its role, its log group, its async settings and the ledger
    template.resourceCountIs(RESOURCE_TYPE, 400);
    expect(Buffer.byteLength(JSON.stringify(json))).toBeLessThan(1_000_000);
    expect(rolePolicySize(template)).toBeLessThan(ROLE_POLICY_SIZE_LIMIT);
  });

  test.each([1, 10, 50, 60, 100, 400])('the role policies of %i users stay under three quarters of the limit', (count) => {
    const template = Template.fromStack(stackWithUsers(count));
    expect(rolePolicySize(template)).toBeLessThanOrEqual(ROLE_POLICY_SIZE_LIMIT * 0.75);
  });

  test('users of many instances fall back to one grant per account and region', () => {
    // GIVEN 200 instances of 2 users each: per-instance ARNs alone exceed the budget
    const app = new App();
    const stack = new Stack(app, 'ManyInstances');
    for (let index = 0; index < 400; index++) {
      new ConnectUserIdentity(stack, `User${index}`, {
        instanceId: instanceIdFor(Math.floor(index / 2)),
        userId: userIdFor(index),
        identityInfo: { firstName: 'A' },
      });
    }
    const template = Template.fromStack(stack);
    expect(rolePolicySize(template)).toBeLessThanOrEqual(ROLE_POLICY_SIZE_LIMIT * 0.75);
    expect(JSON.stringify(template.toJSON())).toContain(':instance/*/agent/*');
    expect(nagFindings(app)).toEqual([]);
  });
});
