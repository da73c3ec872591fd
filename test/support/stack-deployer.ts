/**
 * Plays CloudFormation at the level of a whole stack, for end-to-end tests of deploys that span many
 * resources: it compares a synthesized template with the one deployed before, publishes the assembly's
 * file assets to the S3 emulator, sends each custom resource its Create, Update or Delete through the
 * CloudFormation driver in dependency order (independent resources at once), waits for each answer at
 * most the resource's ServiceTimeout, and on a failure rolls back as CloudFormation does: an Update
 * back to the old properties for every resource it updated, a Delete for every resource it created.
 * Other resource types (the function, its role, its policies) are taken as deployed at once, but IAM
 * is played for the handler's reads of the asset bucket: the S3 emulator lets it read only what the
 * `s3:GetObject` statements of its role's policies grant, with CloudFormation's timing (a policy the new
 * template adds or changes is in force before the custom resources, which depend on it; one the new
 * template drops stays in force through the update and its rollback, and is deleted only in cleanup).
 *
 * Time-scaled: with `timeScale` k, Connect's rates are k times faster (set on the emulator by the test),
 * and every time limit here is divided by k: the Lambda timeout given, and each ServiceTimeout, which
 * is also what the handler is told in the event's properties.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationDriver, Invocation, RecordedPut, ResponseDocument } from './cloudformation-driver';
import { CloudFormationEmulator } from './cloudformation-emulator';
import type { LambdaEmulator } from './lambda-emulator';
import { S3Emulator } from './s3-emulator';

/** The resource types the handler serves. */
const CUSTOM_RESOURCE_TYPES = new Set(['Custom::ConnectUserIdentity', 'Custom::ConnectUserRoster']);

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

/** A synthesized stack to deploy: its cloud assembly and name. */
export interface StackSource {
  readonly cloudAssemblyDir: string;
  readonly stackName: string;
}

/** One custom-resource event of a deploy, and what came of it. */
export interface ResourceOperation {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: 'Create' | 'Update' | 'Delete';
  /** Whether it was sent while rolling back. */
  readonly rollback: boolean;
  readonly event: CloudFormationCustomResourceEvent;
  /** The answer CloudFormation took; a FAILED stand-in when none came within the ServiceTimeout. */
  readonly answer: ResponseDocument;
  /** Every PUT received for the event (exactly one is delivered when all is well). */
  readonly puts: RecordedPut[];
  /** The first invocation (the one CloudFormation made); later ones are the handler's own. */
  readonly invocation: Invocation | Error;
  readonly startedAt: number;
  readonly endedAt: number;
}

export type StackStatus = 'CREATE_COMPLETE' | 'UPDATE_COMPLETE' | 'ROLLBACK_COMPLETE' | 'UPDATE_ROLLBACK_COMPLETE' | 'ROLLBACK_FAILED' | 'UPDATE_ROLLBACK_FAILED';

export interface DeployResult {
  readonly status: StackStatus;
  readonly operations: ResourceOperation[];
  /** From the first event sent to the last answer taken (rollback included). */
  readonly wallMs: number;
}

interface DeployedResource {
  readonly type: string;
  readonly physicalId: string;
  /** The properties as CloudFormation sends them (resolved, time-scaled, without ServiceToken). */
  readonly properties: Record<string, unknown>;
}

export interface StackDeployerOptions {
  readonly driver: CloudFormationDriver;
  readonly s3: S3Emulator;
  readonly account: string;
  readonly region: string;
  /** k: every time limit is divided by it. @default 1 */
  readonly timeScale?: number;
  /** The function's timeout, before scaling. @default 900 s (the handler's) */
  readonly lambdaTimeoutMs?: number;
  /** Template parameters' values. */
  readonly parameters?: Record<string, string>;
  /** CloudFormation's read API, kept at the stack's status and template as deploys go. */
  readonly cloudFormation?: CloudFormationEmulator;
  /** Lambda's asynchronous queue, which CloudFormation's events go through (copies, retries). @default - straight to the driver */
  readonly lambda?: LambdaEmulator;
}

/** One stack's deployed state, and the deploys that change it. */
export class StackDeployer {
  /** What is deployed now, by logical ID (custom resources only). */
  private deployed = new Map<string, DeployedResource>();
  /** The S3 reads the deployed policies grant the handler's role, by the policy's logical ID. */
  private grants = new Map<string, string[]>();
  private readonly timeScale: number;

  constructor(private readonly options: StackDeployerOptions) {
    this.timeScale = options.timeScale ?? 1;
  }

  /** The Lambda timeout each invocation gets, scaled. */
  get lambdaTimeoutMs(): number {
    return Math.round((this.options.lambdaTimeoutMs ?? 900_000) / this.timeScale);
  }

  /** The physical ID of a deployed custom resource. */
  physicalId(logicalId: string): string | undefined {
    return this.deployed.get(logicalId)?.physicalId;
  }

  /**
   * Takes a state as deployed, without sending any event: for a test that starts from a stack deployed
   * long ago (its Connect state seeded to match).
   */
  assumeDeployed(source: StackSource): void {
    this.publish(source);
    this.grants = this.readGrantsOf(source);
    this.enforce(this.grants);
    this.setStatus('CREATE_COMPLETE', this.templateText(source));
    this.deployed = new Map();
    for (const [logicalId, resource] of this.customResources(source)) {
      this.deployed.set(logicalId, { type: resource.type, physicalId: `assumed-${logicalId}`, properties: resource.properties });
    }
  }

  /** Deploys `source` over what is deployed now, rolling back on failure. */
  async deploy(source: StackSource): Promise<DeployResult> {
    this.publish(source);
    const startedAt = Date.now();
    const first = this.deployed.size === 0;
    const previousTemplate = this.currentTemplate;
    this.setStatus(first ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', this.templateText(source));
    const target = this.customResources(source);
    const operations: ResourceOperation[] = [];
    const before = new Map(this.deployed);
    const grantsBefore = this.grants;
    const grantsAfter = this.readGrantsOf(source);
    // Until cleanup, a dropped policy is still attached; changed and added ones are already in force.
    this.enforce(new Map([...[...grantsBefore].filter(([id]) => !grantsAfter.has(id)), ...grantsAfter]));

    const toCreate = [...target.keys()].filter((id) => !before.has(id));
    const toUpdate = [...target.keys()].filter((id) => before.has(id) && JSON.stringify(before.get(id)!.properties) !== JSON.stringify(target.get(id)!.properties));
    const forward = await this.runInOrder([...toCreate, ...toUpdate], target, (logicalId) => {
      const resource = target.get(logicalId)!;
      const old = before.get(logicalId);
      const event = old
        ? this.options.driver.updateEvent(logicalId, old.physicalId, resource.properties, old.properties)
        : this.options.driver.createEvent(logicalId, resource.properties);
      return { event: { ...event, ResourceType: resource.type } as CloudFormationCustomResourceEvent, resource, rollback: false };
    });
    operations.push(...forward.operations);

    if (!forward.failed) {
      if (!first) this.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      // Cleanup: resources no longer in the template, and the old side of replacements.
      const removed = [...before.keys()].filter((id) => !target.has(id));
      const replaced = forward.operations.filter((op) => op.requestType === 'Update' && op.answer.PhysicalResourceId !== before.get(op.logicalId)!.physicalId);
      for (const op of forward.operations) {
        this.deployed.set(op.logicalId, { type: target.get(op.logicalId)!.type, physicalId: op.answer.PhysicalResourceId, properties: target.get(op.logicalId)!.properties });
      }
      const cleanup = await Promise.all([
        ...removed.map((id) => this.send({ ...this.options.driver.deleteEvent(id, before.get(id)!.physicalId, before.get(id)!.properties), ResourceType: before.get(id)!.type } as CloudFormationCustomResourceEvent, before.get(id)!, false)),
        ...replaced.map((op) => this.send({ ...this.options.driver.deleteEvent(op.logicalId, before.get(op.logicalId)!.physicalId, before.get(op.logicalId)!.properties), ResourceType: op.resourceType } as CloudFormationCustomResourceEvent, before.get(op.logicalId)!, false)),
      ]);
      operations.push(...cleanup);
      for (const id of removed) this.deployed.delete(id);
      this.grants = grantsAfter;
      this.enforce(grantsAfter);
      this.setStatus(first ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
      return { status: first ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE', operations, wallMs: Date.now() - startedAt };
    }
    this.setStatus(first ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS', first ? undefined : previousTemplate);

    // Rollback, dependents first: what was created is deleted; what was updated gets its old properties.
    const rolledBack: ResourceOperation[] = [];
    for (const op of [...forward.operations].reverse()) {
      const old = before.get(op.logicalId);
      const current = target.get(op.logicalId)!;
      if (op.requestType === 'Create' || (old && op.answer.PhysicalResourceId !== old.physicalId && op.answer.Status === 'SUCCESS')) {
        const event = this.options.driver.deleteEvent(op.logicalId, op.answer.PhysicalResourceId, current.properties);
        rolledBack.push(await this.send({ ...event, ResourceType: current.type } as CloudFormationCustomResourceEvent, current, true));
      } else if (old) {
        const event = this.options.driver.updateEvent(op.logicalId, op.answer.PhysicalResourceId, old.properties, current.properties);
        rolledBack.push(await this.send({ ...event, ResourceType: old.type } as CloudFormationCustomResourceEvent, old, true));
      }
    }
    operations.push(...rolledBack);
    // The policies roll back after the resources that depend on them.
    this.enforce(grantsBefore);
    const rollbackFailed = rolledBack.some((op) => op.answer.Status !== 'SUCCESS');
    this.deployed = first ? new Map() : before;
    const status: StackStatus = first ? (rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE') : rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE';
    this.setStatus(status);
    return {
      status,
      operations,
      wallMs: Date.now() - startedAt,
    };
  }

  /** Runs the given resources' events, each once its dependencies are done; stops starting on a failure. */
  private async runInOrder(
    logicalIds: string[],
    target: Map<string, DeployedResource & { dependsOn: string[] }>,
    eventFor: (logicalId: string) => { event: CloudFormationCustomResourceEvent; resource: DeployedResource; rollback: boolean },
  ): Promise<{ operations: ResourceOperation[]; failed: boolean }> {
    const pending = new Set(logicalIds);
    const done = new Set<string>([...target.keys()].filter((id) => !pending.has(id)));
    const running = new Map<string, Promise<ResourceOperation>>();
    const operations: ResourceOperation[] = [];
    let failed = false;
    while (pending.size > 0 || running.size > 0) {
      if (!failed) {
        for (const id of [...pending]) {
          if (target.get(id)!.dependsOn.every((dependency) => done.has(dependency) || !target.has(dependency))) {
            pending.delete(id);
            const { event, resource, rollback } = eventFor(id);
            running.set(id, this.send(event, resource, rollback));
          }
        }
      }
      if (running.size === 0) break;
      const finished = await Promise.race(running.values());
      running.delete(finished.logicalId);
      operations.push(finished);
      done.add(finished.logicalId);
      if (finished.answer.Status !== 'SUCCESS') failed = true;
    }
    return { operations, failed };
  }

  /** Sends one event and waits for its answer, at most the resource's (scaled) ServiceTimeout. */
  private async send(event: CloudFormationCustomResourceEvent, resource: DeployedResource, rollback: boolean): Promise<ResourceOperation> {
    const startedAt = Date.now();
    const waitMs = Number(resource.properties.ServiceTimeout ?? 3_600) * 1000;
    // CloudFormation invokes the function asynchronously: through Lambda's queue when there is one (copies,
    // retries), else straight.
    const invocation = this.options.lambda
      ? this.options.lambda.enqueue(this.options.driver.functionName, event).ended
      : this.options.driver.invoke(event, { mode: 'isolated', timeoutMs: this.lambdaTimeoutMs }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const delivered = () => this.options.driver.puts.find((put) => put.requestId === event.RequestId && put.status === 200);
    while (!delivered() && Date.now() - startedAt < waitMs) await new Promise((resolve) => setTimeout(resolve, 50));
    const put = delivered();
    if (!put) this.options.driver.giveUp(event);
    const answer: ResponseDocument =
      put?.body ??
      ({
        Status: 'FAILED',
        Reason: `CloudFormation received no answer within the ServiceTimeout (${waitMs} ms)`,
        PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'none',
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      } as ResponseDocument);
    return {
      logicalId: event.LogicalResourceId,
      resourceType: resource.type,
      requestType: event.RequestType,
      rollback,
      event,
      answer,
      puts: this.options.driver.puts.filter((each) => each.requestId === event.RequestId),
      invocation: await invocation,
      startedAt,
      endedAt: Date.now(),
    };
  }

  private template(source: StackSource): Template {
    return JSON.parse(this.templateText(source));
  }

  private templateText(source: StackSource): string {
    return readFileSync(path.join(source.cloudAssemblyDir, artifactOf(source).templateFile), 'utf8');
  }

  /** The template deployed now, as CloudFormation's GetTemplate returns it. */
  private currentTemplate?: string;

  private setStatus(status: string, templateBody?: string): void {
    if (templateBody !== undefined) this.currentTemplate = templateBody;
    this.options.cloudFormation?.setStack(this.options.driver.stackId, status, templateBody);
  }

  private publish(source: StackSource): void {
    const manifest = artifactOf(source).assetManifestFile;
    if (manifest) this.options.s3.publishAssets(source.cloudAssemblyDir, manifest, { account: this.options.account, region: this.options.region });
  }

  /** Lets the handler read from the asset bucket what these policies grant, and nothing else. */
  private enforce(grants: Map<string, string[]>): void {
    this.options.s3.allowReads([...grants.values()].flat());
  }

  /**
   * The `s3:GetObject` resources that the handler's role is granted, by the logical ID of the policy (or
   * role, for its inline policies) that grants them. The handler is the function whose ARN is the custom
   * resources' ServiceToken.
   */
  private readGrantsOf(source: StackSource): Map<string, string[]> {
    const resources = this.template(source).Resources ?? {};
    const getAtt = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    const handlers = new Set(
      Object.values(resources)
        .filter((resource) => CUSTOM_RESOURCE_TYPES.has(resource.Type))
        .map((resource) => getAtt(resource.Properties?.ServiceToken)),
    );
    const roles = new Set([...handlers].map((id) => (id ? getAtt(resources[id]?.Properties?.Role) : undefined)).filter((id) => id !== undefined));
    const grants = new Map<string, string[]>();
    const readsOf = (documents: unknown[]) =>
      documents
        .flatMap((document) => ((document as { Statement?: unknown[] }).Statement ?? []) as { Effect?: string; Action?: unknown; Resource?: unknown }[])
        .filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().some((action) => action === 's3:GetObject' || action === 's3:*' || action === '*'))
        .flatMap((statement) => [this.resolve(statement.Resource)].flat().map(String));
    for (const [logicalId, resource] of Object.entries(resources)) {
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::Role' && roles.has(logicalId)) {
        grants.set(logicalId, readsOf(((properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((policy) => policy.PolicyDocument)));
      } else if (resource.Type === 'AWS::IAM::Policy' && ((properties.Roles ?? []) as { Ref?: string }[]).some((role) => role.Ref !== undefined && roles.has(role.Ref))) {
        grants.set(logicalId, readsOf([properties.PolicyDocument]));
      }
    }
    return grants;
  }

  /** The stack's custom resources, with their properties resolved as CloudFormation would send them. */
  private customResources(source: StackSource): Map<string, DeployedResource & { dependsOn: string[] }> {
    const resources = new Map<string, DeployedResource & { dependsOn: string[] }>();
    for (const [logicalId, resource] of Object.entries(this.template(source).Resources ?? {})) {
      if (!CUSTOM_RESOURCE_TYPES.has(resource.Type)) continue;
      const { ServiceToken: _token, ...properties } = (this.resolve(resource.Properties ?? {}) as Record<string, unknown>) ?? {};
      if (properties.ServiceTimeout !== undefined) properties.ServiceTimeout = String(Math.max(1, Math.round(Number(properties.ServiceTimeout) / this.timeScale)));
      resources.set(logicalId, { type: resource.Type, physicalId: '', properties, dependsOn: [resource.DependsOn ?? []].flat() });
    }
    return resources;
  }

  /** Resolves the intrinsics a custom resource's properties use: pseudo parameters, parameters, Fn::Sub, Fn::Join. */
  private resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((each) => this.resolve(each));
    if (value === null || typeof value !== 'object') return value;
    const node = value as Record<string, unknown>;
    const pseudo: Record<string, string> = { 'AWS::AccountId': this.options.account, 'AWS::Region': this.options.region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    if (typeof node.Ref === 'string') {
      const resolved = pseudo[node.Ref] ?? this.options.parameters?.[node.Ref];
      if (resolved === undefined) throw new Error(`cannot resolve Ref ${node.Ref}`);
      return resolved;
    }
    if (typeof node['Fn::Sub'] === 'string') {
      return (node['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const resolved = pseudo[name] ?? this.options.parameters?.[name];
        if (resolved === undefined) throw new Error(`cannot resolve \${${name}}`);
        return resolved;
      });
    }
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(this.resolve(part))).join(delimiter);
    }
    if (node['Fn::GetAtt']) return node; // only the ServiceToken, which the driver replaces
    return Object.fromEntries(Object.entries(node).map(([key, each]) => [key, this.resolve(each)]));
  }
}

/** The template and asset manifest files of a stack in a cloud assembly. */
function artifactOf(source: StackSource): { templateFile: string; assetManifestFile?: string } {
  const manifest = JSON.parse(readFileSync(path.join(source.cloudAssemblyDir, 'manifest.json'), 'utf8'));
  const artifacts: Record<string, any> = manifest.artifacts ?? {};
  const [, stack] = Object.entries(artifacts).find(([id, artifact]) => artifact.type === 'aws:cloudformation:stack' && (id === source.stackName || artifact.properties?.stackName === source.stackName)) ?? [];
  if (!stack) throw new Error(`no stack ${source.stackName} in ${source.cloudAssemblyDir}`);
  const assets = (stack.dependencies ?? []).map((id: string) => artifacts[id]).find((artifact: any) => artifact?.type === 'cdk:asset-manifest');
  return { templateFile: stack.properties.templateFile, assetManifestFile: assets?.properties?.file };
}
