/**
 * The three designs the benchmark compares, each declaring the same users of one instance, read from
 * the same roster file with `Roster.load`:
 * - `roster`: one ConnectUserRoster (a few `Custom::ConnectUserRoster` stages, declarations in a file asset);
 * - `per-user`: one ConnectUserIdentity per user, as the earlier roster declared them (under
 *   `rosterConstructId` IDs);
 * - `aws-custom-resource`: what a CDK user would write without this library, one AwsCustomResource per
 *   user calling Connect:UpdateUserIdentityInfo, with a policy for that user's ARN.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import type { RosterFileEntry } from '../test/support/roster-world';

/* eslint-disable @typescript-eslint/no-require-imports */
// Loaded on first use, so that a synth process loads, and times, only what its design needs.
const cdk = () => require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const constructs = () => require('constructs') as typeof import('constructs');
const ourLibrary = () => require('../lib') as typeof import('../lib');
const customResources = () => require('aws-cdk-lib/custom-resources') as typeof import('aws-cdk-lib/custom-resources');

export type Design = 'roster' | 'per-user' | 'aws-custom-resource';
export const DESIGNS: readonly Design[] = ['roster', 'per-user', 'aws-custom-resource'];

/** How a design is named in tables and on the chart. */
export const DESIGN_LABELS: Record<Design, string> = {
  'roster': 'ConnectUserRoster',
  'per-user': 'per-user ConnectUserIdentity',
  'aws-custom-resource': 'AwsCustomResource',
};

/** The custom resource type each design's template declares. */
export const RESOURCE_TYPES: Record<Design, string> = {
  'roster': 'Custom::ConnectUserRoster',
  'per-user': 'Custom::ConnectUserIdentity',
  'aws-custom-resource': 'Custom::AWS',
};

export const STACK_NAME = 'Bench';
export const INSTANCE_ID = 'a1b2c3d4-5678-90ab-cdef-0123456789ab';

/** Loads what a design's stack needs (the roster loader too), e.g. before timing a synth. */
export function loadLibrary(design: Design): void {
  cdk();
  ourLibrary();
  if (design === 'aws-custom-resource') customResources();
}

/** The roster file entry of bench user `index`: Connect's UUID form, and an identity to declare. */
export function benchEntry(index: number, instanceId = INSTANCE_ID): RosterFileEntry {
  return {
    InstanceId: instanceId,
    UserId: `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`,
    IdentityInfo: { FirstName: `First${index}`, LastName: `Last${index}`, Email: `agent${index}@example.com` },
  };
}

/** Writes a roster file (JSON, the CLI's format) of `count` bench users. */
export function writeBenchRoster(file: string, count: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(Array.from({ length: count }, (_, index) => benchEntry(index))));
}

/**
 * The app as `cdk synth` would run it: path metadata and version reporting on, as the CLI sets them.
 * `resourceLimit: false` turns off CDK's check of CloudFormation's 500 resources, so that a design past
 * it can still be measured.
 */
export function benchApp(outdir: string, options: { resourceLimit: boolean }): App {
  return new (cdk().App)({
    outdir,
    context: {
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:version-reporting': true,
      ...(options.resourceLimit ? {} : { '@aws-cdk/core:stackResourceLimit': 0 }),
    },
  });
}

/** Reads the roster file and declares its users in a new stack, the way `design` does. */
export function buildStack(app: App, design: Design, rosterFile: string): Stack {
  const stack = new (cdk().Stack)(app, STACK_NAME);
  const { Roster } = ourLibrary();
  const roster = Roster.load(rosterFile);
  declare(stack, design, roster);
  return stack;
}

/** Declares a roster's users in `stack`, the way `design` does. */
export function declare(stack: Stack, design: Design, roster: import('../lib').Roster): void {
  const { ConnectUserIdentity, ConnectUserRoster, rosterConstructId } = ourLibrary();
  if (design === 'roster') {
    new ConnectUserRoster(stack, 'Center', { roster });
  } else if (design === 'per-user') {
    const scope = new (constructs().Construct)(stack, 'Center');
    for (const entry of roster.entries) {
      new ConnectUserIdentity(scope, rosterConstructId(entry), {
        instanceId: entry.instanceId,
        userId: entry.userId,
        username: entry.username,
        identityInfo: entry.identityInfo,
      });
    }
  } else {
    roster.entries.forEach((entry, index) => declareAwsCustomResource(stack, `User${index}`, entry));
  }
}

/**
 * The idiomatic AwsCustomResource. `onUpdate` only: CDK uses it for Create too, and it re-applies the
 * identity when the declaration changes, as ours does. `installLatestAwsSdk: false`, as CDK's own
 * synth warning advises (otherwise each cold handler runs `npm install` of the SDK).
 */
function declareAwsCustomResource(stack: Stack, id: string, entry: import('../lib').RosterEntry): void {
  const userId = entry.userId!;
  const userArn = stack.formatArn({ service: 'connect', resource: 'instance', resourceName: `${entry.instanceId}/agent/${userId}` });
  const { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } = customResources();
  const info = entry.identityInfo;
  new AwsCustomResource(stack, id, {
    onUpdate: {
      service: 'Connect',
      action: 'UpdateUserIdentityInfo',
      parameters: {
        InstanceId: entry.instanceId,
        UserId: userId,
        IdentityInfo: { FirstName: info.firstName, LastName: info.lastName, Email: info.email },
      },
      physicalResourceId: PhysicalResourceId.of(`${entry.instanceId}/${userId}`),
    },
    policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [userArn] }),
    installLatestAwsSdk: false,
  });
}
