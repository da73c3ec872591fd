/**
 * The retry policy's ceilings, and the init-phase priming of the SDK.
 */
import http = require('node:http');
import https = require('node:https');
import { backoffCeiling, DeadlineExceededError, DEFAULT_BACKOFF, withRetries } from '../../lambda/retry';
import { primeSdk } from '../../lambda/sdk-priming';

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
});
