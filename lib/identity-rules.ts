/**
 * The validation rules for a user's identity, written once and used twice: by the construct at
 * `cdk synth` for every literal value, and by the handler at deploy time for values that were only
 * known then (tokens, parameters, dynamic references).
 *
 * This module must stay free of `aws-cdk-lib` imports: it is bundled into the Lambda handler.
 * Messages never contain the value that was checked, only its field and what is wrong with it,
 * because identity values are personal data and these messages end up in logs and stack events.
 */

/** The fields of the Connect `UserIdentityInfo` structure, by their API names. */
export const IDENTITY_FIELDS = ['FirstName', 'LastName', 'Email', 'SecondaryEmail', 'Mobile'] as const;

/** One field of the Connect `UserIdentityInfo` structure. */
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

/** A user identity as the Connect API spells it; an absent key means "not declared". */
export type IdentityRecord = Partial<Record<IdentityField, string>>;

/** How a Connect instance manages identities (DescribeInstance's `IdentityManagementType`). */
export type IdentityManagementType = 'CONNECT_MANAGED' | 'SAML' | 'EXISTING_DIRECTORY';

/** One thing wrong with a declaration: which field, and a message that never repeats the value. */
export interface Problem {
  /** The API name of the field, e.g. `LastName` or `InstanceId`. */
  readonly field: string;
  /** What is wrong and what to do, without the value itself. */
  readonly message: string;
}

interface LengthLimit {
  readonly min: number;
  readonly max: number;
}

/**
 * Name lengths as the UserIdentityInfo reference documents them: the structure's own constraints
 * (0-255 and 0-300) hold for SAML and are the widest, so they are what synth can check; instances
 * whose identities Amazon Connect manages allow 1-255 and 1-256.
 */
const NAME_LIMITS: Record<'ANY' | IdentityManagementType, Record<'FirstName' | 'LastName', LengthLimit>> = {
  ANY: { FirstName: { min: 0, max: 255 }, LastName: { min: 0, max: 300 } },
  SAML: { FirstName: { min: 0, max: 255 }, LastName: { min: 0, max: 300 } },
  CONNECT_MANAGED: { FirstName: { min: 1, max: 255 }, LastName: { min: 1, max: 256 } },
  // EXISTING_DIRECTORY refuses names altogether, see REFUSED_FIELDS.
  EXISTING_DIRECTORY: { FirstName: { min: 0, max: 255 }, LastName: { min: 0, max: 300 } },
};

/**
 * Fields an instance type will not take from the API: SAML instances return an error for Email;
 * on EXISTING_DIRECTORY instances the directory owns names and Email.
 */
const REFUSED_FIELDS: Record<IdentityManagementType, readonly IdentityField[]> = {
  CONNECT_MANAGED: [],
  SAML: ['Email'],
  EXISTING_DIRECTORY: ['FirstName', 'LastName', 'Email'],
};

/** The API's pattern for Mobile: E.164, a `+`, a non-zero digit, then 1 to 14 more digits. */
const MOBILE_PATTERN = /^\+[1-9]\d{1,14}$/;

/** The API's documented pattern for SecondaryEmail (at most 265 characters), anchored at both ends. */
const SECONDARY_EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}$/;
const SECONDARY_EMAIL_MAX_LENGTH = 265;

/**
 * Email has no documented pattern, so this asks only that it look like an address: one `@`, no
 * white space, a dot in the domain. Connect itself has the last word at deploy time.
 */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const EMAIL_MAX_LENGTH = 265;

/**
 * The shape of the IDs Connect issues, user IDs and instance IDs alike: a UUID, 8-4-4-4-12 letters and
 * digits. The API would take an instance ID of any 1 to 100 characters, and a user ID of up to 256, but
 * Connect never issues anything else: a value of another shape is a typo, most often a login name, an
 * email address or a name in the wrong field or column. Such a value is refused, and never repeated in a
 * message, so that it reaches neither a template, nor an ARN, nor a construct ID, nor a log.
 */
const CONNECT_ID_PATTERN = /^[a-zA-Z0-9]{8}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{12}$/;
/** An example of the shape, for messages. */
const CONNECT_ID_EXAMPLE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
/** Username as Connect allows it: 1 to 100 of letters, digits, `_ - . @` (and `+` in practice). */
const USERNAME_PATTERN = /^[a-zA-Z0-9_.@+-]{1,100}$/;
/** `arn:<partition>:connect:<region>:<account>:instance/<id>`; the region is checked on its own. */
const INSTANCE_ARN_PATTERN = /^arn:(aws(?:-[a-z]+)*):connect:([^:]*):(\d{12}):instance\/([^\s/]+)$/;
/**
 * An AWS region name: an area (`us`, `eu`, `ap`, `cn`, `eusc`...), an optional sub-area (`gov`, `iso`,
 * `isob`, `de`...), a direction, and a number: `us-east-1`, `us-gov-west-1`, `ap-southeast-5`.
 */
const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]{2,4})?-(?:central|north|south|(?:north|south)?(?:east|west))-[1-9]\d?$/;
/** The dynamic reference CloudFormation resolves only in the properties of a few resource types. */
const SECURE_STRING_REFERENCE = '{{resolve:ssm-secure:';

/** Length as the API counts it: in Unicode code points, not UTF-16 units. */
function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/**
 * Whether a string holds a CloudFormation dynamic reference (`{{resolve:...}}`), which CloudFormation
 * replaces at deploy time. CDK does not treat these as tokens, so they must be recognised by hand.
 */
export function containsDynamicReference(value: string): boolean {
  return value.includes('{{resolve:');
}

/** How many dynamic references a string holds; CloudFormation allows 60 in a template. */
export function countDynamicReferences(value: string): number {
  return value.split('{{resolve:').length - 1;
}

/**
 * Whether a string holds a `{{resolve:ssm-secure:...}}` reference. CloudFormation refuses these in the
 * properties of custom resources, so a declaration holding one could never deploy.
 */
export function containsSecureStringReference(value: string): boolean {
  return value.includes(SECURE_STRING_REFERENCE);
}

/**
 * Checks that no value, of any field, is a secure-string dynamic reference. `fields` maps each field's
 * name, as messages should call it, to its value; values that are not strings are not looked at.
 */
export function validateNoSecureStringReferences(fields: Readonly<Record<string, unknown>>): Problem[] {
  return Object.entries(fields)
    .filter(([, value]) => typeof value === 'string' && containsSecureStringReference(value))
    .map(([field]) => ({
      field,
      message:
        'is a {{resolve:ssm-secure:...}} reference, which CloudFormation does not support in custom resources; ' +
        'keep the value in Secrets Manager and use {{resolve:secretsmanager:...}}, or pass a NoEcho parameter',
    }));
}

/** Whether a value has the shape of a Connect user ID (a UUID: 8-4-4-4-12 letters and digits). */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && CONNECT_ID_PATTERN.test(value);
}

/**
 * Whether a value has the shape of an instance ID as Connect issues them, the UUID shape of user IDs.
 * It is the rule for a declared instance ID (bare, or the last part of an instance ARN), and what
 * messages use to decide whether they may print one.
 */
export function hasInstanceIdShape(value: unknown): value is string {
  return typeof value === 'string' && CONNECT_ID_PATTERN.test(value);
}

/** Whether a value is an AWS region name such as `us-east-1` or `us-gov-west-1`. */
export function isRegionName(value: string): boolean {
  return REGION_PATTERN.test(value);
}

/** Parses an instance ID or instance ARN into its parts; `undefined` when it is neither. */
export function parseInstanceReference(
  value: string,
): { instanceId: string; partition?: string; region?: string; account?: string } | undefined {
  if (value.startsWith('arn:')) {
    const match = INSTANCE_ARN_PATTERN.exec(value);
    if (!match || !isRegionName(match[2]) || !hasInstanceIdShape(match[4])) return undefined;
    return { partition: match[1], region: match[2], account: match[3], instanceId: match[4] };
  }
  return hasInstanceIdShape(value) ? { instanceId: value } : undefined;
}

/** Checks an instance reference (ID or ARN). */
export function validateInstanceReference(value: unknown): Problem[] {
  if (typeof value !== 'string' || value.length === 0) {
    return [{ field: 'InstanceId', message: 'is required: give the instance ID or the instance ARN' }];
  }
  if (parseInstanceReference(value)) return [];
  const arn = INSTANCE_ARN_PATTERN.exec(value);
  let message =
    `is not a Connect instance ID, which is a UUID of 8-4-4-4-12 letters and digits (e.g. ${CONNECT_ID_EXAMPLE}), ` +
    'nor an instance ARN: copy it from the Amazon Connect console (the instance ARN, or its last part)';
  if (arn && !isRegionName(arn[2])) {
    message = 'is an instance ARN whose region is not a region name; write it like us-east-1, eu-central-2 or us-gov-west-1';
  } else if (arn) {
    message = `is an instance ARN whose last part is not an instance ID, which is a UUID of 8-4-4-4-12 letters and digits (e.g. ${CONNECT_ID_EXAMPLE})`;
  } else if (value.startsWith('arn:')) {
    message = 'is not an instance ARN of the form arn:<partition>:connect:<region>:<account>:instance/<instance ID>';
  }
  return [{ field: 'InstanceId', message }];
}

/** Checks the user reference: exactly one of a user ID and a username. */
export function validateUserReference(userId: unknown, username: unknown): Problem[] {
  if (userId === undefined && username === undefined) {
    return [{ field: 'UserId', message: 'is required: give the user ID, or the Username to look it up by' }];
  }
  if (userId !== undefined && username !== undefined) {
    return [{ field: 'UserId', message: 'and Username are both given: give only one of them' }];
  }
  if (userId !== undefined && !isUserId(userId)) {
    return [
      {
        field: 'UserId',
        message:
          'is not a Connect user ID, which is a UUID of 8-4-4-4-12 letters and digits (e.g. 87654321-2222-1234-1234-111234567891); ' +
          'to name a user by login name, give the username instead (the Username column or key of a roster)',
      },
    ];
  }
  if (username !== undefined && (typeof username !== 'string' || !USERNAME_PATTERN.test(username))) {
    return [
      { field: 'Username', message: 'must be 1 to 100 characters of letters, digits and _ - . @ +' },
    ];
  }
  return [];
}

function checkName(field: 'FirstName' | 'LastName', value: string, limit: LengthLimit): Problem[] {
  const problems: Problem[] = [];
  if (value !== value.normalize('NFC')) {
    problems.push({
      field,
      message:
        'is not in Unicode Normalization Form C: an accented letter is stored as a letter plus a separate accent mark, as text ' +
        'copied from some Mac apps, PDFs and web pages is. Retype the accented letters by hand (in a spreadsheet, retype the ' +
        "cell rather than pasting into it); in code, use value.normalize('NFC')",
    });
  }
  const length = codePointLength(value);
  if (length < limit.min || length > limit.max) {
    problems.push({
      field,
      message:
        limit.min > 0
          ? `is ${length} characters long; between ${limit.min} and ${limit.max} are allowed here`
          : `is ${length} characters long; at most ${limit.max} are allowed`,
    });
  }
  return problems;
}

function checkField(field: IdentityField, value: string, type: IdentityManagementType | 'ANY'): Problem[] {
  switch (field) {
    case 'FirstName':
    case 'LastName':
      return checkName(field, value, NAME_LIMITS[type][field]);
    case 'Mobile':
      return MOBILE_PATTERN.test(value)
        ? []
        : [{ field, message: 'is not an E.164 number: a "+", then 2 to 15 digits, the first not 0 (e.g. +12065550100)' }];
    case 'SecondaryEmail':
      return codePointLength(value) <= SECONDARY_EMAIL_MAX_LENGTH && SECONDARY_EMAIL_PATTERN.test(value)
        ? []
        : [
            {
              field,
              message:
                'does not match the API pattern: letters, digits and ._%+- before the "@", a domain, and a 2 to 63 letter top-level domain, 265 characters at most',
            },
          ];
    case 'Email':
      return codePointLength(value) <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(value)
        ? []
        : [{ field, message: 'does not look like an email address (name@domain.example, no spaces, 265 characters at most)' }];
  }
}

/** Options for {@link validateIdentityInfo}. */
export interface IdentityValidationOptions {
  /**
   * The instance's identity management type, when known (deploy time). Without it, only the rules
   * that hold for every type are checked (synth time).
   */
  readonly identityManagementType?: IdentityManagementType;
  /**
   * Says which values are not known yet and must be left for deploy time (tokens at synth).
   * Dynamic references are always left alone.
   */
  readonly isUnresolved?: (value: string) => boolean;
}

/**
 * Checks a declared identity and returns every problem found, not only the first.
 * Fields that are `undefined` are not declared and are not checked.
 */
export function validateIdentityInfo(info: unknown, options: IdentityValidationOptions = {}): Problem[] {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    return [{ field: 'IdentityInfo', message: `must be an object with one or more of ${IDENTITY_FIELDS.join(', ')}` }];
  }
  const problems: Problem[] = [];
  const record = info as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(IDENTITY_FIELDS as readonly string[]).includes(key) && record[key] !== undefined) {
      problems.push({ field: key, message: `is not an identity field; the fields are ${IDENTITY_FIELDS.join(', ')}` });
    }
  }
  const declared = IDENTITY_FIELDS.filter((field) => record[field] !== undefined);
  if (declared.length === 0) {
    problems.push({ field: 'IdentityInfo', message: `declares no field: declare at least one of ${IDENTITY_FIELDS.join(', ')}` });
  }
  const type = options.identityManagementType;
  for (const field of declared) {
    const value = record[field];
    if (typeof value !== 'string') {
      problems.push({ field, message: 'must be a string' });
      continue;
    }
    if (type && REFUSED_FIELDS[type].includes(field)) {
      problems.push({ field, message: refusalMessage(type) });
      continue;
    }
    if (containsDynamicReference(value) || options.isUnresolved?.(value)) continue;
    problems.push(...checkField(field, value, type ?? 'ANY'));
  }
  return problems;
}

function refusalMessage(type: IdentityManagementType): string {
  return type === 'SAML'
    ? 'cannot be set: the instance uses SAML for identity management, where Amazon Connect refuses Email; remove it from the declaration'
    : 'cannot be set: the instance uses an existing directory for identity management, which owns FirstName, LastName and Email; change it in the directory and remove it from the declaration';
}

/** Whether an instance of this type takes the field through the API. */
export function acceptsField(type: IdentityManagementType, field: IdentityField): boolean {
  return !REFUSED_FIELDS[type].includes(field);
}
