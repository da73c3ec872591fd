import {
  acceptsField,
  containsDynamicReference,
  containsSecureStringReference,
  hasInstanceIdShape,
  isRegionName,
  isUserId,
  parseInstanceReference,
  validateIdentityInfo,
  validateInstanceReference,
  validateNoSecureStringReferences,
  validateUserReference,
} from '../../lib/identity-rules';

const fieldsOf = (problems: { field: string }[]) => problems.map((problem) => problem.field);
const INSTANCE_ID = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

describe('names', () => {
  test.each([
    ['FirstName', 255],
    ['LastName', 300],
  ])('%s accepts up to %i characters when the instance type is not known', (field, max) => {
    // GIVEN a name at the limit, and one over it
    const atLimit = validateIdentityInfo({ [field]: 'a'.repeat(max) });
    const overLimit = validateIdentityInfo({ [field]: 'a'.repeat(max + 1) });
    // THEN only the longer one is rejected, with its length and the limit
    expect(atLimit).toEqual([]);
    expect(fieldsOf(overLimit)).toEqual([field]);
    expect(overLimit[0].message).toContain(`is ${max + 1} characters long; at most ${max}`);
  });

  test('counts characters as code points, not UTF-16 units', () => {
    // GIVEN 255 characters outside the Basic Multilingual Plane (510 UTF-16 units)
    const name = '😀'.repeat(255);
    // THEN it is within the 255 limit
    expect(validateIdentityInfo({ FirstName: name })).toEqual([]);
    expect(fieldsOf(validateIdentityInfo({ FirstName: name + '😀' }))).toEqual(['FirstName']);
  });

  test('instances managed by Amazon Connect take 1 to 255 and 1 to 256 characters', () => {
    const options = { identityManagementType: 'CONNECT_MANAGED' as const };
    expect(validateIdentityInfo({ FirstName: 'a'.repeat(255), LastName: 'a'.repeat(256) }, options)).toEqual([]);
    expect(fieldsOf(validateIdentityInfo({ FirstName: '', LastName: 'a'.repeat(257) }, options))).toEqual(['FirstName', 'LastName']);
  });

  test('SAML instances take empty names and last names up to 300 characters', () => {
    const options = { identityManagementType: 'SAML' as const };
    expect(validateIdentityInfo({ FirstName: '', LastName: 'a'.repeat(300) }, options)).toEqual([]);
  });

  test('fails a decomposed name with a fix for a spreadsheet and one for code, without repeating it', () => {
    // GIVEN "José" with a combining acute accent
    const decomposed = 'Jose\u0301';
    const problems = validateIdentityInfo({ LastName: decomposed });
    // THEN the problem names the field, what to do in a spreadsheet and in code, and not the value
    expect(fieldsOf(problems)).toEqual(['LastName']);
    expect(problems[0].message).toContain('in a spreadsheet, retype the cell');
    expect(problems[0].message).toContain("in code, use value.normalize('NFC')");
    expect(problems[0].message).not.toContain('Jose');
    // AND the composed form passes
    expect(validateIdentityInfo({ LastName: decomposed.normalize('NFC') })).toEqual([]);
  });
});

describe('Mobile', () => {
  test.each(['+12', '+12065550100', '+' + '9'.repeat(15)])('accepts %s', (mobile) => {
    expect(validateIdentityInfo({ Mobile: mobile })).toEqual([]);
  });
  test.each(['', '+1', '12065550100', '+02065550100', '+' + '9'.repeat(16), '+1 206 555 0100', '+1206555010a'])(
    'fails %p',
    (mobile) => {
      expect(fieldsOf(validateIdentityInfo({ Mobile: mobile }))).toEqual(['Mobile']);
    },
  );
});

describe('SecondaryEmail', () => {
  test.each(['a@example.com', 'first.last+tag%x_y-z@mail.example.co', `a@b.${'c'.repeat(63)}`])('accepts %s', (email) => {
    expect(validateIdentityInfo({ SecondaryEmail: email })).toEqual([]);
  });
  test('accepts 265 characters and fails 266', () => {
    const at265 = `${'a'.repeat(265 - '@example.com'.length)}@example.com`;
    expect(validateIdentityInfo({ SecondaryEmail: at265 })).toEqual([]);
    expect(fieldsOf(validateIdentityInfo({ SecondaryEmail: 'a' + at265 }))).toEqual(['SecondaryEmail']);
  });
  test.each(['', 'plain', 'a@b', 'a@b.c', `a@b.${'c'.repeat(64)}`, 'a b@example.com', 'ü@example.com', 'a@example.com trailing'])(
    'fails %p',
    (email) => {
      expect(fieldsOf(validateIdentityInfo({ SecondaryEmail: email }))).toEqual(['SecondaryEmail']);
    },
  );
});

describe('Email', () => {
  test.each(['marym@example.com', 'a@b.c', 'ü@exämple.de'])('accepts %s', (email) => {
    expect(validateIdentityInfo({ Email: email })).toEqual([]);
  });
  test.each(['', 'marym', 'marym@', '@example.com', 'mary m@example.com', 'a@b@example.com', 'a@example', 'a@example.'])(
    'fails %p',
    (email) => {
      expect(fieldsOf(validateIdentityInfo({ Email: email }))).toEqual(['Email']);
    },
  );
});

describe('declarations', () => {
  test('fails an empty declaration', () => {
    expect(fieldsOf(validateIdentityInfo({}))).toEqual(['IdentityInfo']);
    expect(fieldsOf(validateIdentityInfo(undefined))).toEqual(['IdentityInfo']);
  });

  test('reports every problem at once', () => {
    const problems = validateIdentityInfo({ FirstName: 'e\u0301', Mobile: '5', SecondaryEmail: 'x', Email: 'y', Nickname: 'z' });
    expect(fieldsOf(problems).sort()).toEqual(['Email', 'FirstName', 'Mobile', 'Nickname', 'SecondaryEmail']);
  });

  test('fails values that are not strings', () => {
    expect(fieldsOf(validateIdentityInfo({ Mobile: 12065550100 }))).toEqual(['Mobile']);
  });

  test('leaves dynamic references and unresolved values for deploy time', () => {
    const problems = validateIdentityInfo(
      { Email: '{{resolve:secretsmanager:agents:SecretString:mary}}', Mobile: 'TOKEN' },
      { isUnresolved: (value) => value === 'TOKEN' },
    );
    expect(problems).toEqual([]);
    expect(containsDynamicReference('{{resolve:ssm:/agents/mary/email}}')).toBe(true);
    expect(containsDynamicReference('mary@example.com')).toBe(false);
  });

  test.each([
    ['SAML', ['Email']],
    ['EXISTING_DIRECTORY', ['FirstName', 'LastName', 'Email']],
    ['CONNECT_MANAGED', []],
  ] as const)('fails the fields a %s instance refuses', (type, refused) => {
    const problems = validateIdentityInfo(
      { FirstName: 'Mary', LastName: 'Major', Email: 'marym@example.com', Mobile: '+12065550100' },
      { identityManagementType: type },
    );
    expect(fieldsOf(problems)).toEqual(refused);
    for (const field of refused) expect(acceptsField(type, field)).toBe(false);
    expect(acceptsField(type, 'Mobile')).toBe(true);
  });
});

describe('IDs', () => {
  test('parses instance IDs and ARNs', () => {
    expect(parseInstanceReference('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111')).toEqual({ instanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' });
    expect(parseInstanceReference(`arn:aws-us-gov:connect:us-gov-west-1:123456789012:instance/${INSTANCE_ID}`)).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      account: '123456789012',
      instanceId: INSTANCE_ID,
    });
  });

  test.each([INSTANCE_ID, '00000000-0000-4000-8000-000000000000', INSTANCE_ID.toLowerCase(), `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE_ID}`])(
    'accepts the instance reference %s, shaped as Connect issues them',
    (value) => {
      expect(validateInstanceReference(value)).toEqual([]);
    },
  );

  test.each([
    '',
    'a/b',
    'a b',
    'a'.repeat(36),
    'abc',
    'jane.doe@example.com',
    'jdoe',
    'Mary Major',
    '+12065550142',
    '12345678-aaaa-bbbb-cccc-dddddddddddd1',
    ' 12345678-aaaa-bbbb-cccc-dddddddddddd',
    '12345678_aaaa_bbbb_cccc_dddddddddddd',
    'arn:aws:connect:us-east-1:123456789012:instance',
    'arn:aws:connect:us-east-1:1234:instance/abc',
    'arn:aws:connect:us-east-1:123456789012:instance/jane.doe@example.com',
    'arn:aws:s3:::bucket',
  ])('fails the instance reference %p without repeating it', (value) => {
    // GIVEN an instance reference that is neither a UUID-shaped ID nor an instance ARN ending in one
    const problems = validateInstanceReference(value);
    // THEN it is refused, and neither parsed nor repeated
    expect(fieldsOf(problems)).toEqual(['InstanceId']);
    expect(parseInstanceReference(value)).toBeUndefined();
    expect(hasInstanceIdShape(value.replace(/^.*\//, ''))).toBe(false);
    if (value.length > 3) expect(problems[0].message).not.toContain(value.replace(/^.*\//, '').trim());
  });

  test('requires exactly one of UserId and Username', () => {
    expect(validateUserReference('87654321-2222-1234-1234-111234567891', undefined)).toEqual([]);
    expect(validateUserReference(undefined, 'marym')).toEqual([]);
    expect(fieldsOf(validateUserReference(undefined, undefined))).toEqual(['UserId']);
    expect(fieldsOf(validateUserReference('u', 'marym'))).toEqual(['UserId']);
  });

  test.each([[''], ['a/b'], ['a b'], ['a'.repeat(257)]])('fails the user ID %p', (userId) => {
    expect(fieldsOf(validateUserReference(userId, undefined))).toEqual(['UserId']);
  });

  test.each([[''], ['mary major'], ['a'.repeat(101)]])('fails the username %p', (username) => {
    expect(fieldsOf(validateUserReference(undefined, username))).toEqual(['Username']);
  });

  test.each(['87654321-2222-1234-1234-111234567891', 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', '00000000-0000-4000-8000-000000000000'])(
    'accepts the user ID %s, which has the shape of a UUID',
    (userId) => {
      expect(isUserId(userId)).toBe(true);
      expect(validateUserReference(userId, undefined)).toEqual([]);
    },
  );

  test.each([
    'jane.doe@example.com',
    'jdoe',
    '12345678aaaabbbbccccdddddddddddd',
    '12345678-aaaa-bbbb-cccc-dddddddddd',
    '12345678-aaaa-bbbb-cccc-dddddddddddd1',
    '12345678_aaaa_bbbb_cccc_dddddddddddd',
    ' 12345678-aaaa-bbbb-cccc-dddddddddddd',
  ])('fails the user ID %p, suggesting username without repeating it', (userId) => {
    // GIVEN a UserId that is not a UUID (a login name or an email address in the wrong place)
    const problems = validateUserReference(userId, undefined);
    // THEN it is refused, with a message that says what an ID looks like and what to use instead
    expect(fieldsOf(problems)).toEqual(['UserId']);
    expect(problems[0].message).toContain('is not a Connect user ID');
    expect(problems[0].message).toContain('username');
    expect(problems[0].message).not.toContain(userId.trim());
    expect(isUserId(userId)).toBe(false);
  });
});

describe('regions of instance ARNs', () => {
  const arnIn = (region: string) => `arn:aws:connect:${region}:123456789012:instance/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111`;

  test.each(['us-east-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1', 'eu-central-2', 'ap-northeast-3', 'cn-northwest-1', 'il-central-1', 'us-isob-east-1', 'eusc-de-east-1'])(
    'accepts %s',
    (region) => {
      expect(isRegionName(region)).toBe(true);
      expect(validateInstanceReference(arnIn(region))).toEqual([]);
      expect(parseInstanceReference(arnIn(region))?.region).toBe(region);
    },
  );

  test.each(['us-east1', 'useast-1', 'US-EAST-1', 'us-east-01', 'us-east-', 'east-1', 'us-upper-1', ''])('fails %p, naming the region as the fault', (region) => {
    // GIVEN an instance ARN with a region that is not a region name
    const problems = validateInstanceReference(arnIn(region));
    // THEN the instance reference is refused, and the message says that the region is at fault
    expect(fieldsOf(problems)).toEqual(['InstanceId']);
    expect(problems[0].message).toContain('region is not a region name');
    expect(parseInstanceReference(arnIn(region))).toBeUndefined();
  });
});

describe('secure-string references', () => {
  test('fails a {{resolve:ssm-secure:...}} reference in any field, naming the field and the way out', () => {
    // GIVEN fields of which two hold a secure-string reference
    const problems = validateNoSecureStringReferences({
      InstanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      UserId: '{{resolve:ssm-secure:/connect/mary-id}}',
      Email: '{{resolve:ssm-secure:/connect/mary-email:3}}',
      Mobile: '{{resolve:ssm:/connect/mary-mobile}}',
      LastName: undefined,
    });
    // THEN those two are refused, with a message that names CloudFormation's limit and what to use instead
    expect(fieldsOf(problems)).toEqual(['UserId', 'Email']);
    expect(problems[0].message).toContain('CloudFormation does not support in custom resources');
    expect(problems[0].message).toContain('{{resolve:secretsmanager:...}}');
    expect(containsSecureStringReference('{{resolve:ssm-secure:/x}}')).toBe(true);
    expect(containsSecureStringReference('{{resolve:ssm:/x}}')).toBe(false);
  });
});
