/** Builders of small stacks for the construct's tests. */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectUserIdentity, ConnectUserIdentityProps } from '../../lib';

/** The documented example user. */
export const EXAMPLE = {
  instanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  userId: '87654321-2222-1234-1234-111234567891',
} as const;

/** A fresh stack in a fresh app. */
export function newStack(props: StackProps = {}): Stack {
  return new Stack(new App(), 'TestStack', props);
}

/** A user ID that differs per index, of the UUID form Connect issues. */
export function userIdFor(index: number): string {
  return `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
}

/** An instance ID that differs per index, of the UUID form Connect issues. */
export function instanceIdFor(index: number): string {
  return `${index.toString(16).padStart(8, '0')}-1111-4000-8000-000000000000`;
}

/** A stack declaring `count` users of one instance. */
export function stackWithUsers(count: number, props: StackProps = {}, instanceId: string = EXAMPLE.instanceId): Stack {
  const stack = newStack(props);
  for (let index = 0; index < count; index++) {
    new ConnectUserIdentity(stack, `User${index}`, {
      instanceId,
      userId: userIdFor(index),
      identityInfo: { firstName: `First${index}`, lastName: `Last${index}` },
    });
  }
  return stack;
}

/** Synthesis errors (CDK validation) of a stack with one declaration, as one string per problem. */
export function synthErrors(props: ConnectUserIdentityProps): string[] {
  const stack = newStack();
  new ConnectUserIdentity(stack, 'Agent', props);
  try {
    Template.fromStack(stack);
    return [];
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  }
}
