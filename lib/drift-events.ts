/**
 * What the drift check's event option listens to, named once for the construct (its EventBridge rule) and
 * the handler (which checks the events it gets). No `aws-cdk-lib` here: it is bundled into the handler.
 */

/** The Connect API calls, as CloudTrail names them, that can change a declared user's identity. */
export const USER_CHANGE_EVENT_NAMES = ['UpdateUserIdentityInfo', 'CreateUser', 'DeleteUser'] as const;

/** The environment variable that lists, comma-separated, the stack's own roles: their calls are not edits. */
export const OWN_ROLES_ENV = 'OWN_ROLE_ARNS';
