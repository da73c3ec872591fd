import { CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { userArn } from './connect-access-policy';
import { ConnectUserIdentityProvider } from './connect-user-identity-provider';
import {
  containsDynamicReference,
  countDynamicReferences,
  IdentityField,
  IdentityRecord,
  parseInstanceReference,
  Problem,
  validateIdentityInfo,
  validateInstanceReference,
  validateNoSecureStringReferences,
  validateUserReference,
} from './identity-rules';
import { ATTRIBUTES, ConnectUserIdentityResourceProperties, RESOURCE_TYPE } from './resource-properties';

/**
 * The identity fields to declare for a user. A field left out is not managed: Connect keeps whatever
 * value it holds, on every deploy and when the field is later removed from the declaration.
 */
export interface UserIdentityInfo {
  /**
   * First name, in Unicode NFC; at most 255 characters (at least 1 on instances whose identities
   * Amazon Connect manages). Not settable on instances that use an existing directory.
   * @default - not managed
   */
  readonly firstName?: string;
  /**
   * Last name, in Unicode NFC; at most 300 characters (1 to 256 on instances whose identities Amazon
   * Connect manages). Not settable on instances that use an existing directory.
   * @default - not managed
   */
  readonly lastName?: string;
  /**
   * Email address. Not settable on instances that use SAML or an existing directory.
   * @default - not managed
   */
  readonly email?: string;
  /**
   * Secondary email address, which gets the user's notifications other than password resets.
   * @default - not managed
   */
  readonly secondaryEmail?: string;
  /**
   * Mobile number in E.164 form, e.g. `+12065550100`.
   * @default - not managed
   */
  readonly mobile?: string;
}

/** Properties of a [ConnectUserIdentity](#connect-user-identity.ConnectUserIdentity). */
export interface ConnectUserIdentityProps {
  /**
   * The Amazon Connect instance: its ID, a UUID as Connect issues them (such as
   * `a1b2c3d4-5678-90ab-cdef-EXAMPLE11111`), or its ARN. With an ARN, the instance's region and account
   * are taken from it; with an ID, the stack's. Any other value fails the synth (or the deploy, when only
   * known then), without being repeated.
   */
  readonly instanceId: string;
  /**
   * The ID of an existing user of the instance.
   * @default - the user is found by `username` at deploy time; one of the two is required
   */
  readonly userId?: string;
  /**
   * The login name of an existing user, looked up in the instance at deploy time. The handler then
   * needs to search the instance's users, and is granted rights on all of the instance's users.
   * @default - the user is named by `userId`; one of the two is required
   */
  readonly username?: string;
  /** The identity to declare; at least one field. */
  readonly identityInfo: UserIdentityInfo;
}

/** Maps the API's field names to the construct's props, for synth-time messages. */
const PROP_NAMES: Record<string, string> = {
  InstanceId: 'instanceId',
  UserId: 'userId',
  Username: 'username',
  IdentityInfo: 'identityInfo',
  FirstName: 'identityInfo.firstName',
  LastName: 'identityInfo.lastName',
  Email: 'identityInfo.email',
  SecondaryEmail: 'identityInfo.secondaryEmail',
  Mobile: 'identityInfo.mobile',
};

/** The construct's prop for each field of the API's `UserIdentityInfo`. */
export const IDENTITY_FIELD_PROPS: Readonly<Record<IdentityField, keyof UserIdentityInfo>> = {
  FirstName: 'firstName',
  LastName: 'lastName',
  Email: 'email',
  SecondaryEmail: 'secondaryEmail',
  Mobile: 'mobile',
};

/** Whether a value is only known at deploy time: a CDK token or a CloudFormation dynamic reference. */
export function isDeployTimeValue(value: string): boolean {
  return Token.isUnresolved(value) || containsDynamicReference(value);
}

/**
 * Declares the identity of an existing Amazon Connect user — first and last name, email, secondary
 * email, mobile — so that every deploy makes Connect match the declaration.
 *
 * Only the declared fields are managed; the others keep their values. Deleting the construct leaves
 * the user's identity as it is. All the declarations of a stack share one handler function.
 */
export class ConnectUserIdentity extends Construct {
  /** The user's ARN. */
  public readonly userArn: string;
  /** The user's ID: the declared one, or the one found by username at deploy time. */
  public readonly userId: string;
  /** The bare instance ID, also when an ARN was given (a token when only known at deploy time). */
  public readonly instanceId: string;

  constructor(scope: Construct, id: string, props: ConnectUserIdentityProps) {
    super(scope, id);
    this.node.addValidation({ validate: () => validateProps(props) });

    const stack = Stack.of(this);
    const instanceKnown = typeof props.instanceId === 'string' && !isDeployTimeValue(props.instanceId);
    const reference = instanceKnown ? parseInstanceReference(props.instanceId) : undefined;
    const arnParts = {
      partition: reference?.partition ?? stack.partition,
      region: reference?.region ?? stack.region,
      account: reference?.account ?? stack.account,
    };

    const provider = ConnectUserIdentityProvider.of(this);
    const earlier = provider._manageUser({ ...arnParts, instanceId: reference?.instanceId, userId: props.userId }, this.node.path, props.username);
    if (earlier !== undefined) {
      const field = props.userId !== undefined ? 'userId' : 'username';
      this.node.addValidation({
        validate: () => [`${field} names the same user of the same instance as ${earlier}; declare each user once per stack`],
      });
    }

    const values = [props.instanceId, props.userId, props.username, ...Object.values(props.identityInfo ?? {})];
    provider._countDynamicReferences(values.reduce((count, value) => count + (typeof value === 'string' ? countDynamicReferences(value) : 0), 0));

    const properties: ConnectUserIdentityResourceProperties = {
      InstanceId: props.instanceId,
      UserId: props.userId,
      Username: props.username,
      IdentityInfo: toRecord(props.identityInfo),
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.function.functionArn,
      resourceType: RESOURCE_TYPE,
      properties,
      // CloudFormation gives up waiting soon after the handler's own time-out, not after an hour.
      serviceTimeout: ConnectUserIdentityProvider.TIMEOUT.plus(Duration.minutes(1)),
    });

    this.instanceId = reference?.instanceId ?? props.instanceId;
    this.userId = props.userId ?? resource.getAttString(ATTRIBUTES.userId);
    this.userArn =
      reference && props.userId !== undefined
        ? userArn(arnParts, reference.instanceId, props.userId)
        : resource.getAttString(ATTRIBUTES.userArn);
  }
}

function toRecord(info: UserIdentityInfo | undefined): IdentityRecord {
  const record: IdentityRecord = {};
  for (const [field, prop] of Object.entries(IDENTITY_FIELD_PROPS) as [IdentityField, keyof UserIdentityInfo][]) {
    const value = info?.[prop];
    if (value !== undefined) record[field] = value;
  }
  return record;
}

/** Every problem with the known values of the props, worded for the construct's user. */
export function validateProps(props: ConnectUserIdentityProps): string[] {
  return findPropProblems(props).map((problem) => `${PROP_NAMES[problem.field] ?? problem.field} ${problem.message}`);
}

/**
 * Every problem with the known values of the props, with fields by their API names (`InstanceId`,
 * `LastName`): the checks of {@link validateProps}, for callers that speak the API's vocabulary
 * (roster files).
 */
export function findPropProblems(props: ConnectUserIdentityProps): Problem[] {
  const known = (value: unknown) => (typeof value === 'string' && isDeployTimeValue(value) ? undefined : value);
  const info = props.identityInfo as unknown;
  const declared = info !== null && typeof info === 'object' ? toRecord(info as UserIdentityInfo) : {};
  const problems: Problem[] = [
    ...validateNoSecureStringReferences({ InstanceId: props.instanceId, UserId: props.userId, Username: props.username, ...declared }),
  ];
  if (props.instanceId === undefined || known(props.instanceId) !== undefined) {
    problems.push(...validateInstanceReference(props.instanceId));
  }
  const userProblems = validateUserReference(props.userId, props.username);
  // A token passes; only the presence rules (one of userId and username) apply to it.
  problems.push(
    ...userProblems.filter(
      (problem) =>
        !(problem.field === 'UserId' && props.userId !== undefined && props.username === undefined && known(props.userId) === undefined) &&
        !(problem.field === 'Username' && known(props.username) === undefined),
    ),
  );
  const extraKeys =
    info !== null && typeof info === 'object'
      ? Object.keys(info).filter((key) => !(Object.values(IDENTITY_FIELD_PROPS) as string[]).includes(key)).map((key) => ({
          field: `identityInfo.${key}`,
          message: `is not an identity field; the fields are ${Object.values(IDENTITY_FIELD_PROPS).join(', ')}`,
        }))
      : [];
  problems.push(...extraKeys);
  problems.push(
    ...validateIdentityInfo(info !== null && typeof info === 'object' ? toRecord(info as UserIdentityInfo) : info, {
      isUnresolved: isDeployTimeValue,
    }),
  );
  return problems;
}
