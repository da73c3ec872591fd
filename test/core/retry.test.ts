/**
 * The retry policy's ceilings, and the init-phase priming of the SDK.
 */
import { ConnectClient, ThrottlingException } from '@aws-sdk/client-connect';
import http = require('node:http');
import https = require('node:https');
import {
  backoffCeiling,
  DeadlineExceededError,
  DEFAULT_BACKOFF,
  PERSISTENT_ERROR_RETRIES,
  PersistentFailureError,
  retryReason,
  withRetries,
} from '../../core/retry';
import { primeSdk } from '../../lambda/runtime/sdk-priming';

describe('withRetries', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });

  test('uses the time left for a last attempt when the next delay would pass the deadline', async () => {
    // GIVEN a call throttled every time, a 500 ms deadline, and delays far longer than that
    let attempts = 0;
    const startedAt = Date.now();
    const attempt = withRetries(
      async () => {
        attempts++;
        throw throttled();
      },
      { operation: 'DescribeUser', deadline: startedAt + 500, signal: new AbortController().signal, backoff: { ...DEFAULT_BACKOFF, baseMs: 60_000, capMs: 60_000 } },
    );
    // THEN it gives up only once the budget is spent, after a last attempt
    await expect(attempt).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350);
  });

  test('fails at once for an error not worth retrying', async () => {
    let attempts = 0;
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const attempt = withRetries(
      async () => {
        attempts++;
        throw denied;
      },
      { operation: 'UpdateUserIdentityInfo', deadline: Date.now() + 5_000, signal: new AbortController().signal },
    );
    await expect(attempt).rejects.toBe(denied);
    expect(attempts).toBe(1);
  });
});

describe('persistent network errors', () => {
  const quick = { ...DEFAULT_BACKOFF, baseMs: 1, capMs: 1, maxCapMs: 1 };
  const networkError = (code: string) => Object.assign(new Error(`${code} connect.example`), { code });

  test.each(['ENOTFOUND', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT'])(
    'fails %s after %i retries, long before the deadline',
    async (code) => {
      // GIVEN a call that fails every time with an error that time will not cure, and a minute of budget
      let attempts = 0;
      const attempt = withRetries(
        async () => {
          attempts++;
          throw networkError(code);
        },
        { operation: 'DescribeInstance', deadline: Date.now() + 60_000, signal: new AbortController().signal, backoff: quick },
      );
      // THEN it gives up after a few retries, carrying the last error
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PersistentFailureError);
      expect(error).toMatchObject({ operation: 'DescribeInstance', attempts: PERSISTENT_ERROR_RETRIES + 1, lastError: { code } });
      expect(attempts).toBe(PERSISTENT_ERROR_RETRIES + 1);
    },
  );

  test('retries a persistent error that heals within its retries', async () => {
    let attempts = 0;
    const result = await withRetries(
      async () => {
        if (++attempts <= PERSISTENT_ERROR_RETRIES) throw networkError('ENOTFOUND');
        return 'resolved';
      },
      { operation: 'DescribeInstance', deadline: Date.now() + 60_000, signal: new AbortController().signal, backoff: quick },
    );
    expect(result).toBe('resolved');
  });

  test.each([
    ['ECONNRESET', 'network error'],
    ['EAI_AGAIN', 'network error'],
    ['ENOTFOUND', 'persistent network error'],
    ['ENETUNREACH', 'persistent network error'],
    ['CERT_NOT_YET_VALID', 'persistent network error'],
    ['EACCES', undefined],
  ])('classifies %s as %p', (code, reason) => {
    expect(retryReason(networkError(code))).toBe(reason);
  });
});

describe('backoffCeiling', () => {
  test('grows fourfold from 125 ms to the 2 s cap during a short wait', () => {
    // GIVEN the default policy WHEN attempts fail in quick succession
    const ceilings = [1, 2, 3, 4, 10].map((attempt) => backoffCeiling(DEFAULT_BACKOFF, attempt, attempt * 100));

    // THEN the ceilings are 125 ms, 500 ms, then 2 s
    expect(ceilings).toEqual([125, 500, 2_000, 2_000, 2_000]);
  });

  test('follows a sixth of the time waited past 12 s, up to 15 s', () => {
    // GIVEN many failed attempts WHEN the call has waited 12 s, 30 s, 60 s and 10 minutes
    const ceilings = [12_000, 30_000, 60_000, 600_000].map((waited) => backoffCeiling(DEFAULT_BACKOFF, 50, waited));

    // THEN the ceiling is 2 s, 5 s, 10 s, then at most 15 s
    expect(ceilings).toEqual([2_000, 5_000, 10_000, 15_000]);
  });

  test('keeps the exponential start even after a long wait', () => {
    // GIVEN a first failure long into the call (a slow first request) THEN the ceiling follows the wait
    expect(backoffCeiling(DEFAULT_BACKOFF, 1, 24_000)).toBe(4_000);
  });
});

describe('primeSdk', () => {
  afterEach(() => jest.restoreAllMocks());

  test('runs the handler operations without touching the network, and never rejects', async () => {
    // GIVEN the network is watched
    const httpRequest = jest.spyOn(http, 'request');
    const httpsRequest = jest.spyOn(https, 'request');

    // WHEN the SDK is primed
    await expect(primeSdk('eu-west-2')).resolves.toBeUndefined();

    // THEN no request left the process
    expect(httpRequest).not.toHaveBeenCalled();
    expect(httpsRequest).not.toHaveBeenCalled();
  });

  test('sends each of the handler\'s operations through the SDK, and reads a success of each and an error', async () => {
    // GIVEN the SDK's clients are watched
    const send = jest.spyOn(ConnectClient.prototype, 'send');

    // WHEN the SDK is primed
    await primeSdk('eu-west-2');

    // THEN the three operations went through a client, then one more whose answer was a throttling error
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      'DescribeInstanceCommand',
      'DescribeUserCommand',
      'UpdateUserIdentityInfoCommand',
      'DescribeInstanceCommand',
    ]);
    const outcomes = await Promise.allSettled(send.mock.results.map((result) => result.value as Promise<unknown>));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(outcomes[0]).toMatchObject({ value: { Instance: { IdentityManagementType: 'CONNECT_MANAGED' } } });
    expect(outcomes[3]).toMatchObject({ reason: expect.any(ThrottlingException) });
  });
});
