/**
 * A Reason is built only from parts that cannot hold personal data: whatever an error's text says, only
 * its code, its HTTP status and the names of identity fields get through.
 */
import { InvalidParameterException, ResourceNotFoundException, ThrottlingException } from '@aws-sdk/client-connect';
import { describeSubject, errorCode, explainSdkError, fieldsNamedBy } from '../../core/failure-reasons';
import { DeadlineExceededError, PersistentFailureError } from '../../core/retry';

const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const USER = '87654321-2222-1234-1234-111234567891';
const SUBJECT = { instanceId: INSTANCE, userId: USER };
const VALUES = ['Haruto', 'NAKAMURA', 'haruto.n@example.com', '+14255550100', '4255550100'];

function invalidParameter(message: string) {
  return new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
}

describe('explainSdkError', () => {
  test.each([
    ['an echoed value', 'Invalid Email: haruto.n@example.com'],
    ['a re-cased value', 'LastName NAKAMURA is not allowed'],
    ['values in a list', '2 validation errors: [FirstName=Haruto], [Mobile=+14255550100]'],
    ['a value without its "+"', 'Mobile 4255550100 is not E.164'],
  ])('passes none of the text of a rejection with %s, only its code, status and field names', (_case, message) => {
    // GIVEN Connect's rejection of an update, whose message quotes values
    // WHEN it is explained for a Reason
    const reason = explainSdkError(invalidParameter(message), 'UpdateUserIdentityInfo', SUBJECT, ['Email', 'LastName', 'FirstName', 'Mobile']).message;

    // THEN the Reason names the user, the operation, the code, the status and the fields, and no value
    expect(reason).toMatch(
      new RegExp(`^user ${USER} in instance ${INSTANCE}: Amazon Connect rejected UpdateUserIdentityInfo \\(InvalidParameterException, HTTP 400\\); its message names \\w+`),
    );
    for (const value of VALUES) expect(reason.toLowerCase()).not.toContain(value.toLowerCase());
  });

  test('says which named fields are held values rather than declared ones', () => {
    // GIVEN a rejection naming Email and LastName, of a declaration of LastName only
    const error = invalidParameter('Invalid Email: haruto.n@example.com; Invalid LastName: x');

    // WHEN it is explained
    const reason = explainSdkError(error, 'UpdateUserIdentityInfo', SUBJECT, ['LastName']).message;

    // THEN Email is pointed out as the value Connect holds, with what to do
    expect(reason).toBe(
      `user ${USER} in instance ${INSTANCE}: Amazon Connect rejected UpdateUserIdentityInfo (InvalidParameterException, HTTP 400); ` +
        'its message names LastName, Email; Email is not declared here, so the value Connect holds was refused: declare Email to replace it',
    );
  });

  test('names a body it could not read by its parser error, without the parser\'s quote of it', () => {
    // GIVEN the SDK's error for a malformed body, whose message quotes the body
    const error = Object.assign(new SyntaxError('Unexpected token \'H\', ..."irstName":Haruto,"La"... is not valid JSON'), {
      $metadata: { httpStatusCode: 200 },
    });
    // THEN the Reason says the answer could not be read, and quotes nothing
    expect(explainSdkError(error, 'DescribeUser', SUBJECT).message).toBe(
      `user ${USER} in instance ${INSTANCE}: the answer to DescribeUser could not be read (SyntaxError, HTTP 200); deploy again`,
    );
  });

  test('keeps the wording of a missing user and a deadline, with the code', () => {
    const notFound = new ResourceNotFoundException({ message: `User haruto.n@example.com not found`, $metadata: { httpStatusCode: 404 } });
    expect(explainSdkError(notFound, 'DescribeUser', SUBJECT).message).toBe(`user ${USER} in instance ${INSTANCE} not found (DescribeUser: ResourceNotFoundException, HTTP 404)`);

    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    expect(explainSdkError(new DeadlineExceededError('DescribeUser', 7, throttled), 'DescribeUser', SUBJECT).message).toBe(
      `user ${USER} in instance ${INSTANCE}: DescribeUser still failed (ThrottlingException) after 7 attempts, the last answered with HTTP 429, ` +
        "when the invocation's time ran out; deploy again, or raise the handler's timeout",
    );
  });

  test('names the code of a network error, never Error, and says what to check', () => {
    // GIVEN a host name that did not resolve, four times
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND connect.eu-north-9.amazonaws.com'), { code: 'ENOTFOUND' });
    // WHEN it is explained
    const reason = explainSdkError(new PersistentFailureError('DescribeInstance', 4, dns), 'DescribeInstance', { instanceId: INSTANCE, region: 'eu-north-9' }).message;
    // THEN the Reason names the code and what to check
    expect(reason).toBe(
      `instance ${INSTANCE} in eu-north-9: DescribeInstance failed with ENOTFOUND after 4 attempts: the Amazon Connect endpoint's host name does not resolve; ` +
        "check the region of the instance ARN (or the handler's AWS_REGION), and that Amazon Connect is offered there",
    );
  });
});

describe('errorCode', () => {
  test.each([
    ['an SDK exception', new ThrottlingException({ message: 'x', $metadata: { httpStatusCode: 429 } }), 'ThrottlingException'],
    ['a Node.js system error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['a TLS error', Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }), 'CERT_HAS_EXPIRED'],
    ['an answer without an error type', Object.assign(new Error('x'), { name: 'Unknown', $metadata: { httpStatusCode: 429 } }), 'untyped error'],
    ['a name that is not an identifier', Object.assign(new Error('x'), { name: 'Invalid Email: haruto.n@example.com' }), 'unnamed error'],
    ['a code copied from an error body', Object.assign(new Error('x'), { name: 'Haruto', code: 'HARUTO', $metadata: { httpStatusCode: 400 } }), 'unnamed error'],
    ['a thrown string', 'Haruto', 'unnamed error'],
  ])('of %s', (_case, error, code) => {
    expect(errorCode(error)).toBe(code);
  });
});

describe('fieldsNamedBy', () => {
  test('finds the API names of fields standing on their own, in the order of the API', () => {
    expect(fieldsNamedBy(new Error('Invalid SecondaryEmail and Mobile; Email ok; FirstName.'))).toEqual(['FirstName', 'Email', 'SecondaryEmail', 'Mobile']);
    expect(fieldsNamedBy(new Error('Invalid SecondaryEmail, Emails, MobileNumber'))).toEqual(['SecondaryEmail']);
    expect(fieldsNamedBy('Email')).toEqual([]);
  });
});

describe('describeSubject', () => {
  test('prints a UserId only when it is ID-shaped, and never a Username', () => {
    expect(describeSubject(SUBJECT)).toBe(`user ${USER} in instance ${INSTANCE}`);
    expect(describeSubject({ instanceId: INSTANCE, userId: 'jane.doe@example.com' })).toBe(`the declared user in instance ${INSTANCE}`);
    expect(describeSubject({ instanceId: `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE}`, byUsername: true })).toBe(
      `the user named by Username in instance ${INSTANCE}`,
    );
    expect(describeSubject({ instanceId: 'not/an/instance', userId: USER })).toBe(`user ${USER} in the declared instance`);
  });

  test('prints an instance ID only when it has the shape of those Connect issues', () => {
    // GIVEN an email address typed as the instance ID (the API takes any 1 to 100 characters)
    expect(describeSubject({ instanceId: 'jane.doe@example.com', userId: USER })).toBe(`user ${USER} in the declared instance`);
    expect(describeSubject({ instanceId: 'jane.doe@example.com', region: 'us-east-1' })).toBe('the declared instance in us-east-1');
    expect(describeSubject({ instanceId: INSTANCE, region: 'us-east-1' })).toBe(`instance ${INSTANCE} in us-east-1`);
  });
});
