/**
 * The contract between the construct and its handler: the custom resource's type, the properties the
 * construct writes and the handler reads, and the attributes the handler returns.
 *
 * Like identity-rules, this module is bundled into the handler and must not import `aws-cdk-lib`.
 */
import { IdentityRecord } from './identity-rules';

/** The CloudFormation type of each declared user's custom resource. */
export const RESOURCE_TYPE = 'Custom::ConnectUserIdentity';

/** The properties of a `Custom::ConnectUserIdentity` resource, as CloudFormation sends them. */
export interface ConnectUserIdentityResourceProperties {
  /** The instance ID or instance ARN, as declared. */
  readonly InstanceId: string;
  /** The user's ID; absent when the user is named by `Username`. */
  readonly UserId?: string;
  /** The user's login name, resolved to a user ID at deploy time; absent when `UserId` is given. */
  readonly Username?: string;
  /** The declared identity fields only: an absent field is not managed. */
  readonly IdentityInfo: IdentityRecord;
}

/** Names of the attributes the handler returns, for `Fn::GetAtt`. */
export const ATTRIBUTES = {
  /** The resolved user ID. */
  userId: 'UserId',
  /** The user's ARN as Connect reports it. */
  userArn: 'UserArn',
} as const;

/**
 * The physical ID of a declared user: `<instance ID>/<user ID>`. Neither part is personal data, and a
 * change of either makes a new ID, which CloudFormation treats as a replacement.
 */
export function physicalResourceId(instanceId: string, userId: string): string {
  return `${instanceId}/${userId}`;
}

/** The environment variable that names the stack's work ledger table to the functions. */
export const LEDGER_TABLE_ENV = 'LEDGER_TABLE';
