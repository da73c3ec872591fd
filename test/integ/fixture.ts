/**
 * What the integration tests run against: an Amazon Connect instance and five users in it, made by
 * CloudFormation (`AWS::Connect::Instance`, `AWS::Connect::User` and what a user needs: hours, a queue,
 * a routing profile, a security profile), or an instance the tester names.
 *
 * It is a stack of its own, deployed before the tests (`npm run integ` does it) and not by them, because
 * a roster needs its instance and user IDs when the app synthesizes: its declarations travel in a file
 * asset, which holds literal values only. The tests read the IDs from the outputs file of that deploy
 * (`CONNECT_INTEG_FIXTURE`); without one (snapshots, `npm test`), from placeholders.
 */
import { readFileSync } from 'node:fs';
import { Aws, CfnOutput, Fn, Stack, StackProps, aws_connect as connect, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The fixture's stack name, and the key of its outputs in the outputs file. */
export const FIXTURE_STACK_NAME = 'ConnectUserIdentityIntegFixture';

/** The users the tests declare, by their role in the tests. */
export const FIXTURE_USERS = ['single', 'singleByName', 'rosterById1', 'rosterById2', 'rosterByName'] as const;
export type FixtureUser = (typeof FIXTURE_USERS)[number];

/** Every fixture user's login name: literal, so that declarations by username are known at synth. */
export function fixtureUsername(user: FixtureUser): string {
  return `cui-integ-${user.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * The identity a fixture user starts with. Made-up values: assertions print what they compare, and the
 * assertion handler logs what it reads. Each user has a Mobile, which no declaration manages, so that the
 * tests see it survive every write.
 */
export function initialIdentity(user: FixtureUser): { firstName: string; lastName: string; email: string; mobile: string } {
  const index = FIXTURE_USERS.indexOf(user) + 1;
  return { firstName: 'Fixture', lastName: `User ${index}`, email: `fixture.${index}@example.com`, mobile: `+1206555010${index}` };
}

/** The IDs the tests declare users with. */
export interface IntegFixture {
  readonly instanceId: string;
  readonly userIds: Record<FixtureUser, string>;
}

/** The variable that names the outputs file of the fixture's deploy. */
export const FIXTURE_FILE_VARIABLE = 'CONNECT_INTEG_FIXTURE';
/** The variable that names an instance of the tester's to create the fixture's users in. */
export const INSTANCE_VARIABLE = 'CONNECT_INTEG_INSTANCE_ID';

/** IDs shaped like Connect's, for synthesizing without a fixture: what the committed snapshots hold. */
export const PLACEHOLDER_FIXTURE: IntegFixture = {
  instanceId: '00000000-0000-4000-8000-000000000000',
  userIds: Object.fromEntries(FIXTURE_USERS.map((user, index) => [user, `00000000-0000-4000-8000-00000000000${index + 1}`])) as Record<FixtureUser, string>,
};

/** The output that carries a user's ID. */
function userIdOutput(user: FixtureUser): string {
  return `UserId${user.charAt(0).toUpperCase()}${user.slice(1)}`;
}

/** The fixture the tests run against: the deployed one when its outputs file is named, else placeholders. */
export function integFixture(env: NodeJS.ProcessEnv = process.env): IntegFixture {
  const file = env[FIXTURE_FILE_VARIABLE];
  if (!file) return PLACEHOLDER_FIXTURE;
  const outputs = JSON.parse(readFileSync(file, 'utf8'))[FIXTURE_STACK_NAME] as Record<string, string> | undefined;
  const read = (key: string): string => {
    const value = outputs?.[key];
    if (typeof value !== 'string' || value === '') throw new Error(`${file} has no output ${key} of ${FIXTURE_STACK_NAME}: deploy the fixture first (npm run integ does)`);
    return value;
  };
  return {
    instanceId: read('InstanceId'),
    userIds: Object.fromEntries(FIXTURE_USERS.map((user) => [user, read(userIdOutput(user))])) as Record<FixtureUser, string>,
  };
}

/** Properties of the {@link ConnectFixtureStack}. */
export interface ConnectFixtureStackProps extends StackProps {
  /**
   * An existing instance to create the users in.
   * @default - a new instance whose identities Amazon Connect manages
   */
  readonly instanceId?: string;
}

/** The instance (new or named) and the five users, with their IDs as outputs. */
export class ConnectFixtureStack extends Stack {
  constructor(scope: Construct, id: string, props: ConnectFixtureStackProps = {}) {
    super(scope, id, { ...props, stackName: FIXTURE_STACK_NAME });
    let instanceArn: string;
    let instanceId: string;
    if (props.instanceId) {
      instanceId = props.instanceId;
      instanceArn = this.formatArn({ service: 'connect', resource: 'instance', resourceName: instanceId });
    } else {
      const instance = new connect.CfnInstance(this, 'Instance', {
        identityManagementType: 'CONNECT_MANAGED',
        // Aliases are unique per region: the first part of the stack's own ID makes it this stack's.
        instanceAlias: Fn.join('-', ['cui-integ', Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))))]),
        attributes: { inboundCalls: false, outboundCalls: false },
      });
      instanceId = instance.attrId;
      instanceArn = instance.attrArn;
    }

    const hours = new connect.CfnHoursOfOperation(this, 'Hours', {
      instanceArn,
      name: 'cui-integ-hours',
      timeZone: 'UTC',
      config: [{ day: 'MONDAY', startTime: { hours: 9, minutes: 0 }, endTime: { hours: 17, minutes: 0 } }],
    });
    const queue = new connect.CfnQueue(this, 'Queue', { instanceArn, name: 'cui-integ-queue', hoursOfOperationArn: hours.attrHoursOfOperationArn });
    const routing = new connect.CfnRoutingProfile(this, 'RoutingProfile', {
      instanceArn,
      name: 'cui-integ-routing',
      description: 'Routing profile of the users of the integration tests of connect-user-identity',
      defaultOutboundQueueArn: queue.attrQueueArn,
      mediaConcurrencies: [{ channel: 'VOICE', concurrency: 1 }],
    });
    const security = new connect.CfnSecurityProfile(this, 'SecurityProfile', { instanceArn, securityProfileName: 'cui-integ-security' });
    // Connect-managed users need a password; nobody signs in as them.
    const password = new secretsmanager.Secret(this, 'UserPassword', {
      description: 'Password of the users of the integration tests of connect-user-identity',
      generateSecretString: { passwordLength: 32, excludePunctuation: true, requireEachIncludedType: true },
    });

    new CfnOutput(this, 'InstanceId', { value: instanceId });
    for (const user of FIXTURE_USERS) {
      const created = new connect.CfnUser(this, `User-${user}`, {
        instanceArn,
        username: fixtureUsername(user),
        password: password.secretValue.unsafeUnwrap(),
        phoneConfig: { phoneType: 'SOFT_PHONE' },
        routingProfileArn: routing.attrRoutingProfileArn,
        securityProfileArns: [security.attrSecurityProfileArn],
        identityInfo: initialIdentity(user),
      });
      // arn:<partition>:connect:<region>:<account>:instance/<instance ID>/agent/<user ID>
      new CfnOutput(this, userIdOutput(user), { value: Fn.select(3, Fn.split('/', created.attrUserArn)) });
    }
  }
}
