/**
 * CloudFormation's read API for end-to-end tests of the drift check: DescribeStacks and GetTemplate
 * of one stack, over the AWS Query protocol the SDK speaks to CloudFormation (form-encoded requests,
 * XML answers). The stack deployer sets the stack's status and template as a deploy goes, so that a
 * check sees what it would see in the middle of a real deploy or rollback.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { LocalService } from './local-server';

/** The stack as CloudFormation describes it. */
export interface EmulatedStack {
  readonly stackId: string;
  readonly stackName: string;
  status: string;
  /** The template body of the deployed (or deploying) template. */
  templateBody: string;
  readonly createdAt: Date;
  updatedAt?: Date;
}

export class CloudFormationEmulator extends LocalService {
  /** Every action received, in order. */
  readonly requests: { action: string; status: number }[] = [];
  private stack?: EmulatedStack;

  /** Sets the stack's status, and its template when given (a new template marks an update). */
  setStack(stackId: string, status: string, templateBody?: string): void {
    if (!this.stack) {
      this.stack = { stackId, stackName: stackId.split('/')[1] ?? stackId, status, templateBody: templateBody ?? '{}', createdAt: new Date() };
      return;
    }
    this.stack.status = status;
    if (templateBody !== undefined) {
      this.stack.templateBody = templateBody;
      this.stack.updatedAt = new Date();
    }
  }

  get status(): string | undefined {
    return this.stack?.status;
  }

  protected handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action') ?? '';
      const reply = (status: number, body: string) => {
        this.requests.push({ action, status });
        response.writeHead(status, { 'content-type': 'text/xml' }).end(body);
      };
      const error = (status: number, code: string, message: string) =>
        reply(status, `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return error(403, 'AccessDenied', 'not signed');
      const stack = this.stack;
      const name = form.get('StackName');
      if (!stack || (name !== stack.stackId && name !== stack.stackName)) return error(400, 'ValidationError', 'Stack does not exist');
      const metadata = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
      switch (action) {
        case 'DescribeStacks':
          return reply(
            200,
            `<DescribeStacksResponse><DescribeStacksResult><Stacks><member>` +
              `<StackId>${escape(stack.stackId)}</StackId><StackName>${escape(stack.stackName)}</StackName>` +
              `<StackStatus>${stack.status}</StackStatus><CreationTime>${stack.createdAt.toISOString()}</CreationTime>` +
              (stack.updatedAt ? `<LastUpdatedTime>${stack.updatedAt.toISOString()}</LastUpdatedTime>` : '') +
              `</member></Stacks></DescribeStacksResult>${metadata}</DescribeStacksResponse>`,
          );
        case 'GetTemplate':
          return reply(
            200,
            `<GetTemplateResponse><GetTemplateResult><TemplateBody>${escape(stack.templateBody)}</TemplateBody>` +
              `<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable></GetTemplateResult>${metadata}</GetTemplateResponse>`,
          );
        default:
          return error(400, 'InvalidAction', `the emulator has no ${action}`);
      }
    });
  }
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
