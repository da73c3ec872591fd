/**
 * CloudFormation's read API for end-to-end tests: DescribeStacks and GetTemplate of one stack, and
 * DescribeStackResource of its resources, over the AWS Query protocol the SDK speaks to CloudFormation
 * (form-encoded requests, XML answers). The stack deployer sets the stack's status and template as a
 * deploy goes, so that a drift check sees what it would see in the middle of a real deploy or rollback.
 * A resource's status follows the events CloudFormation sends it, as the driver reports them: a
 * resource waits (`<TYPE>_IN_PROGRESS`) for the answer to its latest event, and is COMPLETE or FAILED once
 * that answer came (or CloudFormation gave up waiting), whatever arrives for older events.
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

/** A resource of a stack as CloudFormation tracks it: the latest request it sent, and where it stands. */
export interface EmulatedResource {
  readonly requestId: string;
  readonly requestType: string;
  status: string;
  /** When the status was set (epoch ms): DescribeStackResource's LastUpdatedTimestamp. */
  since: number;
}

export class CloudFormationEmulator extends LocalService {
  /** Every action received, in order. */
  readonly requests: { action: string; status: number }[] = [];
  private stack?: EmulatedStack;
  private readonly resources = new Map<string, EmulatedResource>();

  /** CloudFormation sends an event to a resource: the resource now waits for its answer. */
  eventSent(stackId: string, logicalId: string, requestType: string, requestId: string): void {
    this.resources.set(`${stackId}|${logicalId}`, { requestId, requestType, status: `${requestType.toUpperCase()}_IN_PROGRESS`, since: Date.now() });
  }

  /** CloudFormation took an answer to an event (ignored unless it is the resource's latest), or gave up waiting (`FAILED`). */
  eventSettled(stackId: string, logicalId: string, requestId: string, status: 'SUCCESS' | 'FAILED'): void {
    const resource = this.resources.get(`${stackId}|${logicalId}`);
    if (!resource || resource.requestId !== requestId || !resource.status.endsWith('_IN_PROGRESS')) return;
    resource.status = `${resource.requestType.toUpperCase()}_${status === 'SUCCESS' ? 'COMPLETE' : 'FAILED'}`;
    resource.since = Date.now();
  }

  /** A resource as CloudFormation tracks it now. */
  resource(stackId: string, logicalId: string): EmulatedResource | undefined {
    const resource = this.resources.get(`${stackId}|${logicalId}`);
    return resource && { ...resource };
  }

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

  /** The template of the stack deployed (or being deployed) now. */
  get templateBody(): string | undefined {
    return this.stack?.templateBody;
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
      const metadata = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
      if (action === 'DescribeStackResource') {
        const stackName = form.get('StackName') ?? '';
        const logicalId = form.get('LogicalResourceId') ?? '';
        const resource = this.resources.get(`${stackName}|${logicalId}`);
        if (!resource) return error(400, 'ValidationError', `Resource ${logicalId} does not exist for stack ${stackName}`);
        return reply(
          200,
          `<DescribeStackResourceResponse><DescribeStackResourceResult><StackResourceDetail>` +
            `<StackId>${escape(stackName)}</StackId><LogicalResourceId>${escape(logicalId)}</LogicalResourceId>` +
            `<ResourceStatus>${resource.status}</ResourceStatus><LastUpdatedTimestamp>${new Date(resource.since).toISOString()}</LastUpdatedTimestamp>` +
            `</StackResourceDetail></DescribeStackResourceResult>${metadata}</DescribeStackResourceResponse>`,
        );
      }
      const stack = this.stack;
      const name = form.get('StackName');
      if (!stack || (name !== stack.stackId && name !== stack.stackName)) return error(400, 'ValidationError', 'Stack does not exist');
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
