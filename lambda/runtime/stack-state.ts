/**
 * What CloudFormation itself says about a stack, for the functions' "is this still the current work?":
 * whether a resource is still waiting for an answer to a request of a given type, and since when, in
 * CloudFormation's own clock.
 */
import { CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

let client: CloudFormationClient | undefined;

/** The CloudFormation client of the function's region. Every call has a timeout that fits an invocation's reserve. */
export function cloudFormationClient(): CloudFormationClient {
  client ??= new CloudFormationClient({ region: process.env.AWS_REGION, maxAttempts: 5, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
  return client;
}

/** A resource of a stack, as CloudFormation describes it now. */
export interface ResourceState {
  /** E.g. `UPDATE_IN_PROGRESS`. */
  readonly status: string;
  /** When the resource entered that status (epoch ms, CloudFormation's clock). */
  readonly since: number;
}

/** The resource's state, or undefined when the stack or the resource does not exist. */
export async function resourceState(stackId: string, logicalId: string): Promise<ResourceState | undefined> {
  try {
    const described = await cloudFormationClient().send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: logicalId }));
    const detail = described.StackResourceDetail;
    if (!detail?.ResourceStatus) return undefined;
    return { status: detail.ResourceStatus, since: detail.LastUpdatedTimestamp?.getTime() ?? 0 };
  } catch (error) {
    // CloudFormation answers ValidationError for a stack or resource it does not know.
    if (error instanceof Error && error.name === 'ValidationError') return undefined;
    throw error;
  }
}

/** Whether CloudFormation is waiting for an answer to a request of this type on the resource. */
export function waitsFor(state: ResourceState | undefined, requestType: string): boolean {
  return state !== undefined && state.status === `${requestType.toUpperCase()}_IN_PROGRESS`;
}

/** A stack's status and last update, as CloudFormation reports them. */
export interface StackState {
  readonly status: string;
  /** The last update's time (the creation's, before any), ISO 8601. */
  readonly updatedAt: string;
}

/** The stack's status and last update. */
export async function stackState(stackId: string): Promise<StackState> {
  const described = await cloudFormationClient().send(new DescribeStacksCommand({ StackName: stackId }));
  const stack = described.Stacks?.[0];
  if (!stack?.StackStatus) throw new Error('DescribeStacks did not report the stack');
  return { status: stack.StackStatus, updatedAt: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString() ?? '' };
}
