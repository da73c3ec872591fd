/**
 * The one answer CloudFormation gets for an event: a PUT of a JSON document to the event's pre-signed
 * ResponseURL. The handler sends it itself rather than through CDK's provider framework, because that
 * framework logs whole events, and these events carry personal data.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { sleep } from './retry';

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

/** CloudFormation keeps at most 4 KiB of a response; the Reason is cut well before that. */
const MAX_REASON_LENGTH = 1_000;

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
  const reason = answer.Reason && answer.Reason.length > MAX_REASON_LENGTH ? `${answer.Reason.slice(0, MAX_REASON_LENGTH - 3)}...` : answer.Reason;
  const body = JSON.stringify({ ...answer, Reason: reason });
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
      lastStatus = error instanceof Error ? error.name : 'error';
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
