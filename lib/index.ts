export * from './connect-user-identity';
export { ConnectUserIdentityProvider } from './connect-user-identity-provider';
export { ROLE_POLICY_SIZE_BUDGET, ROLE_POLICY_SIZE_LIMIT } from './connect-access-policy';
export type { PolicyScope } from './connect-access-policy';
export { RESOURCE_TYPE, ATTRIBUTES } from './resource-properties';
export { IDENTITY_FIELDS } from './identity-rules';
export type { IdentityField, IdentityManagementType } from './identity-rules';
export * from './roster';
export * from './connect-user-roster';
