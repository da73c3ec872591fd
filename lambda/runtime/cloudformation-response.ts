/**
 * The one answer CloudFormation gets for an event: a PUT of a JSON document to the event's pre-signed
 * ResponseURL. The handler sends it itself rather than through CDK's provider framework, because that
 * framework logs whole events, and these events carry personal data.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { errorCode } from '../../core/failure-reasons';
import { sleep } from '../../core/retry';

/** The body CloudFormation expects in answer to a custom-resource event. */
export interface CloudFormationAnswer {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho?: boolean;
  readonly Data?: Record<string, string>;
}

/** CloudFormation refuses a response body of more than 4,096 bytes. */
export const MAX_ANSWER_BYTES = 4_096;

/** Marks a Reason that was cut to fit. */
const CUT_MARK = '...';

/**
 * The answer as the JSON body to PUT, at most {@link MAX_ANSWER_BYTES} bytes of UTF-8. A Reason too long
 * for that is cut between two characters as a reader sees them (an accent stays on its letter, an emoji
 * whole) and ends with "...". The size is measured on the serialized body, where a control character
 * takes six bytes (`\u0001`) and a character outside ASCII two to four.
 */
export function serializeAnswer(answer: CloudFormationAnswer): string {
  const whole = JSON.stringify(answer);
  if (Buffer.byteLength(whole) <= MAX_ANSWER_BYTES || !answer.Reason) return whole;
  const characters = Array.from(new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(answer.Reason), (part) => part.segment);
  const withReasonOf = (count: number) => JSON.stringify({ ...answer, Reason: characters.slice(0, count).join('') + CUT_MARK });
  // The longest prefix that fits, by bisection: serialized size grows with the number of characters kept.
  let fits = 0;
  let tooLong = characters.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (Buffer.byteLength(withReasonOf(middle)) <= MAX_ANSWER_BYTES) fits = middle;
    else tooLong = middle;
  }
  return withReasonOf(fits);
}

/** Options for {@link sendAnswer}. */
export interface SendOptions {
  /** Epoch milliseconds by which the last attempt must have ended. */
  readonly deadline: number;
  /** How many times to try the PUT in all. */
  readonly attempts?: number;
}

/**
 * PUTs the answer to the ResponseURL, retrying failures (network errors, non-2xx) while time allows.
 * Resolves to whether CloudFormation received it.
 */
export async function sendAnswer(responseUrl: string, answer: CloudFormationAnswer, options: SendOptions): Promise<{ delivered: boolean; attempts: number; lastStatus?: string }> {
  const body = serializeAnswer(answer);
  const maxAttempts = options.attempts ?? 5;
  let lastStatus: string | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const timeLeft = options.deadline - Date.now();
    if (timeLeft <= 0) return { delivered: false, attempts: attempt - 1, lastStatus };
    try {
      const status = await put(responseUrl, body, Math.min(timeLeft, 10_000));
      if (status >= 200 && status < 300) return { delivered: true, attempts: attempt, lastStatus: String(status) };
      lastStatus = `HTTP ${status}`;
    } catch (error) {
      lastStatus = errorCode(error);
    }
    const delay = Math.min(250 * 2 ** (attempt - 1), 2_000);
    if (attempt < maxAttempts && Date.now() + delay < options.deadline) await sleep(delay);
  }
  return { delivered: false, attempts: maxAttempts, lastStatus };
}

function put(url: string, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'http:' ? http : https;
    const request = transport.request(
      target,
      {
        method: 'PUT',
        // The URL is signed for an empty content type.
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('response PUT timed out'), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(body);
  });
}
