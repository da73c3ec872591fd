/**
 * An Amazon Connect endpoint whose host name does not resolve (a region without Connect, a mistyped
 * endpoint) will not resolve a minute later either: the handler fails after a few attempts, with a Reason
 * that names the error code and what to check, instead of retrying for its whole budget. The name lookup
 * is answered inside the handler's process (as a resolver answering NXDOMAIN), so no query leaves it.
 */
import { randomUUID } from 'node:crypto';
import { ConnectUserIdentity } from '../../lib';
import { CloudFormationDriver } from '../support/cloudformation-driver';
import { useEndToEnd } from '../support/end-to-end';
import { expectNoPersonalData } from '../support/end-to-end';

const INSTANCE = randomUUID();
const USER = randomUUID();
const e2e = useEndToEnd({
  Agent: (stack) => new ConnectUserIdentity(stack, 'Agent', { instanceId: INSTANCE, userId: USER, identityInfo: { lastName: 'Lindqvist-Moreau' } }),
});

/** Run in the handler's process before it loads: every name under `.test` (RFC 2606) is unknown. */
const UNKNOWN_TEST_NAMES = `
const dns = require('node:dns');
const lookup = dns.lookup;
dns.lookup = (hostname, options, callback) => {
  if (!String(hostname).endsWith('.test')) return lookup(hostname, options, callback);
  const error = Object.assign(new Error('getaddrinfo ENOTFOUND ' + hostname), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
  process.nextTick(typeof options === 'function' ? options : callback, error);
};
`;

test('fails after 3 retries when the endpoint\'s host name does not resolve, naming ENOTFOUND', async () => {
  // GIVEN a handler whose Connect endpoint has a name that does not resolve
  const driver = new CloudFormationDriver({
    handlerPath: e2e.templates.Agent.handler.entry,
    environment: { ...e2e.emulator.environment(), AWS_ENDPOINT_URL_CONNECT: 'http://connect.eu-north-9.test:8080' },
    timeoutMs: 20_000,
  });
  await driver.start();
  const template = e2e.templates.Agent;

  // WHEN CloudFormation creates the declaration
  const event = driver.createEvent(template.logicalId('Agent'), template.properties('Agent'));
  const invocation = await (await driver.prepare(event, { setup: UNKNOWN_TEST_NAMES })).release();
  await driver.stop();

  // THEN it answered FAILED once, after four attempts, naming the code and what to check
  expect(invocation.outcome).toBe('returned');
  expect(invocation.puts.map((put) => put.body)).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason:
        `instance ${INSTANCE} in us-east-1: DescribeInstance failed with ENOTFOUND after 4 attempts: the Amazon Connect endpoint's host name does not resolve; ` +
        "check the region of the instance ARN (or the handler's AWS_REGION), and that Amazon Connect is offered there",
    }),
  ]);
  expectNoPersonalData(invocation);
});
