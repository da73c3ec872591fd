/**
 * The assertion every end-to-end scenario relies on must itself catch a leak wherever it happens: in
 * the logs, in a Reason, in a physical ID, in either Unicode form, and of the ResponseURL's signature.
 */
import type { CloudFormationCustomResourceUpdateEvent } from 'aws-lambda';
import type { Invocation, RecordedPut } from './cloudformation-driver';
import { expectNoPersonalData } from './end-to-end';
import { findLeaks, secretsOfEvent } from './personal-data';

const SIGNATURE = 'ab12'.repeat(16);
const RESPONSE_URL = `http://127.0.0.1:9/arn%3Aaws%3Acloudformation%7CAgent%7Crequest-1?X-Amz-Credential=AKIAEXAMPLE%2Fus-east-1&X-Amz-Signature=${SIGNATURE}`;

const EVENT: CloudFormationCustomResourceUpdateEvent = {
  RequestType: 'Update',
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:handler',
  ResponseURL: RESPONSE_URL,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Agents/1',
  RequestId: 'request-1',
  LogicalResourceId: 'Agent',
  PhysicalResourceId: 'instance-1/user-1',
  ResourceType: 'Custom::ConnectUserIdentity',
  ResourceProperties: { ServiceToken: 'token', InstanceId: 'instance-1', Username: 'gquintero', IdentityInfo: { LastName: 'Núñez' } },
  OldResourceProperties: { ServiceToken: 'token', InstanceId: 'instance-1', IdentityInfo: { Mobile: '+14255550100' } },
};

function invocation(parts: { stdout?: string; stderr?: string; reason?: string; physicalId?: string }): Invocation {
  const body = { Status: 'FAILED' as const, Reason: parts.reason, PhysicalResourceId: parts.physicalId ?? 'instance-1/user-1', StackId: '', RequestId: '', LogicalResourceId: '' };
  const put: RecordedPut = { requestId: 'request-1', contentType: undefined, raw: JSON.stringify(body), body, status: 200, receivedAt: 0 };
  return {
    event: EVENT,
    mode: 'in-process',
    outcome: 'returned',
    stdout: parts.stdout ?? '',
    stderr: parts.stderr ?? '',
    output: `${parts.stdout ?? ''}${parts.stderr ?? ''}`,
    durationMs: 1,
    puts: [put],
    answer: body,
  };
}

test('the secrets of an event are its identity values, old and new, its username and its ResponseURL', () => {
  expect(secretsOfEvent(EVENT)).toEqual(
    expect.arrayContaining(['Núñez', '+14255550100', 'gquintero', RESPONSE_URL, SIGNATURE, 'AKIAEXAMPLE/us-east-1', 'X-Amz-Signature']),
  );
});

test('a clean invocation passes', () => {
  expectNoPersonalData(invocation({ stdout: '{"message":"identity updated","changedFields":["LastName"]}', reason: 'user user-1: LastName is not NFC' }));
});

test.each([
  ['stdout', { stdout: 'hello gquintero' }, 'gquintero'],
  ['stderr, in the other Unicode form', { stderr: 'Nu\u0301n\u0303ez' }, 'Nu\u0301n\u0303ez'],
  ['a Reason, a phone number without its "+"', { reason: 'bad number 14255550100' }, '14255550100'],
  ['a physical ID', { physicalId: 'instance-1/gquintero' }, 'gquintero'],
  ['stdout, the signature', { stdout: `url was ...${SIGNATURE}` }, SIGNATURE],
  ['a Reason, in upper case', { reason: 'Invalid LastName: NÚÑEZ' }, 'Núñez'],
  ['stderr, in lower case', { stderr: 'last name núñez refused' }, 'Núñez'],
  ['a Reason, re-cased and quoted', { reason: 'user "GQUINTERO" refused' }, 'gquintero'],
])('fails on a leak in %s', (_where, parts, secret) => {
  expect(findLeaks(invocation(parts), secretsOfEvent(EVENT)).map((leak) => leak.secret)).toContain(secret);
  expect(() => expectNoPersonalData(invocation(parts))).toThrow();
});

test('finds a re-cased value only where it stands apart from other letters, and an exact one anywhere', () => {
  // GIVEN short secrets that are also parts of ordinary words
  const secrets = ['Obi', 'Straße'];
  // THEN a log that names the Mobile field holds no leak of "Obi", but "OBI" alone and "xObiy" are leaks
  expect(findLeaks(invocation({ stdout: '{"changedFields":["Mobile"]}' }), secrets)).toEqual([]);
  expect(findLeaks(invocation({ stdout: 'name: OBI' }), secrets).map((leak) => leak.secret)).toEqual(['Obi']);
  expect(findLeaks(invocation({ stdout: 'xObiy' }), secrets).map((leak) => leak.secret)).toEqual(['Obi']);
  // AND a value whose upper case is longer ("ß" becomes "SS") is found in upper case
  expect(findLeaks(invocation({ reason: 'Invalid LastName: STRASSE' }), secrets).map((leak) => leak.secret)).toEqual(['Straße']);
});

test('fails on a leak of a value given besides the event\'s', () => {
  expect(() => expectNoPersonalData(invocation({ stderr: 'held Mobile 555-0100' }), ['555-0100'])).toThrow();
});
