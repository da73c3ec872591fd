/**
 * Lambda's Invoke API, for end-to-end tests: the handler hands a long roster stage over to a new
 * invocation of itself (InvocationType Event). The emulator accepts it as Lambda does (202, payload
 * queued) and runs it through the CloudFormation driver, in a fresh process of its own, as a new
 * container would.
 */
import * as http from 'node:http';
import type { CloudFormationDriver, Invocation } from './cloudformation-driver';
import { LocalService } from './local-server';

/** One asynchronous invocation the emulator took, and how it ended. */
export interface AsyncInvocation {
  readonly functionName: string;
  readonly payload: unknown;
  /** Settles when the invocation has ended. */
  readonly ended: Promise<Invocation | Error>;
}

export class LambdaEmulator extends LocalService {
  readonly invocations: AsyncInvocation[] = [];
  /** Refuse the next `count` Invoke requests with this status (e.g. 429, as a throttled Invoke). */
  private refusals: number[] = [];

  /**
   * @param driverFor the driver that runs a function, by the function name in the request
   * @param timeoutMs the function's timeout
   */
  constructor(
    private readonly driverFor: (functionName: string) => CloudFormationDriver | undefined,
    private readonly timeoutMs: () => number,
  ) {
    super();
  }

  /** Refuses the next `count` invocations with `status`. */
  refuseNext(count: number, status = 429): void {
    this.refusals.push(...Array<number>(count).fill(status));
  }

  /** Waits until every invocation taken so far has ended. */
  async settled(): Promise<void> {
    for (let seen = 0; seen < this.invocations.length; seen = this.invocations.length) {
      await Promise.all(this.invocations.slice(seen).map((invocation) => invocation.ended));
    }
  }

  protected handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      const reply = (status: number, type?: string): void => {
        response.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) }).end(type ? JSON.stringify({ message: type }) : '');
      };
      if (request.method !== 'POST' || !match) return reply(404, 'ResourceNotFoundException');
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return reply(403, 'AccessDeniedException');
      const refusal = this.refusals.shift();
      if (refusal) return reply(refusal, refusal === 429 ? 'TooManyRequestsException' : 'ServiceException');
      if (request.headers['x-amz-invocation-type'] !== 'Event') return reply(400, 'InvalidParameterValueException');
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, 'InvalidRequestContentException');
      }
      const functionName = decodeURIComponent(match[1]);
      const driver = this.driverFor(functionName);
      if (!driver) return reply(404, 'ResourceNotFoundException');
      const ended = driver
        .invoke(payload as never, { mode: 'isolated', timeoutMs: this.timeoutMs() })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      this.invocations.push({ functionName, payload, ended });
      return reply(202);
    });
  }
}
