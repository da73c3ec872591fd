/**
 * How a declared identity is laid over what Connect holds: the one rule for the merged record, for the
 * values Connect holds that a write would send back, and for reading a username search. The per-user
 * handler, the roster stages, the drift check and the command-line tool all use it.
 */
import { UserIdentityInfo } from '@aws-sdk/client-connect';
import { acceptsField, IDENTITY_FIELDS, IdentityField, IdentityManagementType, IdentityRecord, Problem, validateIdentityInfo } from '../lib/identity-rules';

/**
 * The problems of the values Connect holds that a write would send back (fields not declared here):
 * Connect would refuse the whole record for one of them, so the undeclared field is named instead of
 * the declaration being blamed.
 */
export function heldValueProblems(record: IdentityRecord, declared: IdentityRecord, type: IdentityManagementType): Problem[] {
  return validateIdentityInfo(record, { identityManagementType: type }).filter((problem) => declared[problem.field as IdentityField] === undefined);
}

/**
 * The users a SearchUsers answer gives for a username: only exact matches with an ID count (a search
 * may match more loosely than asked).
 */
export function usersNamed(users: readonly { Username?: string; Id?: string }[] | undefined, username: string): string[] {
  return (users ?? []).filter((user) => user.Username === username && user.Id).map((user) => user.Id!);
}

/**
 * The record to send: what Connect holds now, less the fields this instance type will not take back,
 * with the declared fields laid over it. Also says which declared fields differ from Connect.
 */
export function mergeIdentity(
  current: UserIdentityInfo,
  declared: IdentityRecord,
  type: IdentityManagementType,
): { record: IdentityRecord; changedFields: IdentityField[] } {
  const record: IdentityRecord = {};
  const changedFields: IdentityField[] = [];
  for (const field of IDENTITY_FIELDS) {
    const held = current[field];
    const wanted = declared[field];
    if (wanted !== undefined) {
      record[field] = wanted;
      if (wanted !== (held ?? '')) changedFields.push(field);
    } else if (held && acceptsField(type, field)) {
      record[field] = held;
    }
  }
  return { record, changedFields };
}
