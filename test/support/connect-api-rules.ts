/**
 * The emulator's own reading of what UpdateUserIdentityInfo accepts, written from the Amazon Connect API
 * Reference and kept apart from the library's rules (lib/identity-rules.ts), so that a mistake in those
 * cannot hide in the tests: where the two differ, the emulator behaves as the reference says.
 *
 * From the reference, UpdateUserIdentityInfo (POST /users/{InstanceId}/{UserId}/identity-info):
 * - InstanceId: length 1 to 100. UserId: required, no constraint given. IdentityInfo: required.
 * - Errors: InvalidParameterException (400), InvalidRequestException (400), ResourceNotFoundException
 *   (404), ThrottlingException (429), InternalServiceException (500).
 *
 * From the reference, UserIdentityInfo:
 * - "For Amazon Connect instances that are created with the EXISTING_DIRECTORY identity management type,
 *   FirstName, LastName, and Email cannot be updated from within Amazon Connect."
 * - Email: "If you are using SAML for identity management and include this parameter, an error is
 *   returned." No length or pattern is given.
 * - FirstName: "Inputs must be in Unicode Normalization Form C (NFC)"; length 0 to 255. LastName: the
 *   same, length 0 to 300. Both are also called "required if you are using Amazon Connect or SAML for
 *   identity management"; the structure is shared with CreateUser, where that clearly holds, and the
 *   reference does not say that an update must repeat the names, so presence is not enforced here.
 *   "The FirstName and LastName length constraints below apply only to instances using SAML [...]. If
 *   you are using Amazon Connect for identity management, the length constraints are 1-255 for
 *   FirstName, and 1-256 for LastName."
 * - Mobile: pattern `\+[1-9]\d{1,14}$`.
 * - SecondaryEmail: pattern `(?=^.{0,265}$)[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}`.
 *
 * The reference prints the service model's patterns, which are not implicitly anchored: a value passes
 * when the pattern matches somewhere in it. Mobile's is anchored only at its end, SecondaryEmail's only at
 * its start (by the look-ahead), and that is how they are applied here. Lengths count Unicode code points.
 */
import type { IdentityManagementType } from '../../lib/identity-rules';

/** The fields of UserIdentityInfo, by their API names. */
export const API_IDENTITY_FIELDS = ['FirstName', 'LastName', 'Email', 'SecondaryEmail', 'Mobile'] as const;
export type ApiIdentityField = (typeof API_IDENTITY_FIELDS)[number];

/** Fields that the identity provider or the directory owns on an instance type: the API may not write them. */
export const FIELDS_OWNED_ELSEWHERE: Record<IdentityManagementType, readonly ApiIdentityField[]> = {
  CONNECT_MANAGED: [],
  SAML: ['Email'],
  EXISTING_DIRECTORY: ['FirstName', 'LastName', 'Email'],
};

/** One value UpdateUserIdentityInfo refuses, and why. */
export interface ApiViolation {
  readonly field: string;
  /** The value refused (test data: the emulator echoes it when told to, as services do). */
  readonly value: unknown;
  /** Why, in the emulator's words. */
  readonly rule: string;
}

const MOBILE_PATTERN = /\+[1-9]\d{1,14}$/;
const SECONDARY_EMAIL_PATTERN = /(?=^.{0,265}$)[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}/;

const NAME_LENGTHS: Record<'FirstName' | 'LastName', Record<'SAML' | 'CONNECT_MANAGED', [number, number]>> = {
  FirstName: { SAML: [0, 255], CONNECT_MANAGED: [1, 255] },
  LastName: { SAML: [0, 300], CONNECT_MANAGED: [1, 256] },
};

function codePoints(value: string): number {
  return [...value].length;
}

/** Every value of an UpdateUserIdentityInfo body's IdentityInfo that the API would refuse on an instance of `type`. */
export function findApiViolations(identityInfo: unknown, type: IdentityManagementType): ApiViolation[] {
  if (identityInfo === null || typeof identityInfo !== 'object' || Array.isArray(identityInfo)) {
    return [{ field: 'IdentityInfo', value: identityInfo, rule: 'is required and must be a structure' }];
  }
  const info = identityInfo as Record<string, unknown>;
  const violations: ApiViolation[] = [];
  for (const field of API_IDENTITY_FIELDS) {
    const value = info[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      violations.push({ field, value, rule: 'must be a string' });
      continue;
    }
    if (FIELDS_OWNED_ELSEWHERE[type].includes(field)) {
      violations.push({ field, value, rule: `cannot be updated on a ${type} instance` });
      continue;
    }
    if (field === 'FirstName' || field === 'LastName') {
      if (value !== value.normalize('NFC')) violations.push({ field, value, rule: 'must be in Unicode Normalization Form C' });
      const [min, max] = NAME_LENGTHS[field][type === 'SAML' ? 'SAML' : 'CONNECT_MANAGED'];
      if (codePoints(value) < min || codePoints(value) > max) violations.push({ field, value, rule: `must be ${min} to ${max} characters long` });
    } else if (field === 'Mobile' && !MOBILE_PATTERN.test(value)) {
      violations.push({ field, value, rule: `must match ${MOBILE_PATTERN.source}` });
    } else if (field === 'SecondaryEmail' && !SECONDARY_EMAIL_PATTERN.test(value)) {
      violations.push({ field, value, rule: `must match ${SECONDARY_EMAIL_PATTERN.source}` });
    }
  }
  return violations;
}
