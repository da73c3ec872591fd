/**
 * The two stacks the benchmark compares, declaring the same users of one instance:
 * - `ours`: one ConnectUserIdentity per user;
 * - `theirs`: what a CDK user would write without this library, one AwsCustomResource per user calling
 *   Connect:UpdateUserIdentityInfo, with a policy for that user's ARN.
 */
import type { App, Stack } from 'aws-cdk-lib';

/* eslint-disable @typescript-eslint/no-require-imports */
// Loaded on first use, so that a synth process loads, and times, only the library it synthesizes.
const cdk = () => require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const ourLibrary = () => require('../lib') as typeof import('../lib');
const customResources = () => require('aws-cdk-lib/custom-resources') as typeof import('aws-cdk-lib/custom-resources');

/** Loads what a library's stack needs, e.g. before timing a synth. */
export function loadLibrary(library: Library): void {
  cdk();
  if (library === 'ours') ourLibrary();
  else customResources();
}

export type Library = 'ours' | 'theirs';
export const LIBRARIES: readonly Library[] = ['ours', 'theirs'];

export const STACK_NAME = 'Bench';
export const INSTANCE_ID = 'a1b2c3d4-5678-90ab-cdef-0123456789ab';

/** A benchmark user: Connect's UUID form, and an identity to declare. */
export interface BenchUser {
  readonly userId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
}

export function benchUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, (_, index) => ({
    userId: `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`,
    firstName: `First${index}`,
    lastName: `Last${index}`,
    email: `agent${index}@example.com`,
  }));
}

/**
 * The app as `cdk synth` would run it: path metadata and version reporting on, as the CLI sets them,
 * and an environment-agnostic stack.
 */
export function benchApp(outdir: string): App {
  return new (cdk().App)({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true, '@aws-cdk/core:stackResourceLimit': 0 } });
}

export function buildStack(app: App, library: Library, users: readonly BenchUser[]): Stack {
  const stack = new (cdk().Stack)(app, STACK_NAME);
  users.forEach((user, index) => (library === 'ours' ? declareOurs : declareTheirs)(stack, `User${index}`, user));
  return stack;
}

function declareOurs(stack: Stack, id: string, user: BenchUser): void {
  new (ourLibrary().ConnectUserIdentity)(stack, id, {
    instanceId: INSTANCE_ID,
    userId: user.userId,
    identityInfo: { firstName: user.firstName, lastName: user.lastName, email: user.email },
  });
}

/**
 * The idiomatic AwsCustomResource. `onUpdate` only: CDK uses it for Create too, and it re-applies the
 * identity when the declaration changes, as ConnectUserIdentity does. `installLatestAwsSdk: false`, as
 * CDK's own synth warning advises (otherwise each cold handler runs `npm install` of the SDK).
 */
function declareTheirs(stack: Stack, id: string, user: BenchUser): void {
  const userArn = stack.formatArn({ service: 'connect', resource: 'instance', resourceName: `${INSTANCE_ID}/agent/${user.userId}` });
  const { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } = customResources();
  new AwsCustomResource(stack, id, {
    onUpdate: {
      service: 'Connect',
      action: 'UpdateUserIdentityInfo',
      parameters: {
        InstanceId: INSTANCE_ID,
        UserId: user.userId,
        IdentityInfo: { FirstName: user.firstName, LastName: user.lastName, Email: user.email },
      },
      physicalResourceId: PhysicalResourceId.of(`${INSTANCE_ID}/${user.userId}`),
    },
    policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [userArn] }),
    installLatestAwsSdk: false,
  });
}

/** The custom resource type each library's template declares per user. */
export const RESOURCE_TYPES: Record<Library, string> = { ours: 'Custom::ConnectUserIdentity', theirs: 'Custom::AWS' };
