/**
 * What every end-to-end suite sets up: stacks synthesized with the construct into a temporary cloud
 * assembly, the handler asset that assembly references, a Connect emulator and a CloudFormation driver
 * that runs that handler against it. Properties for events come from the synthesized templates, so a
 * scenario sends exactly what the construct emits.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConnectUserIdentity } from '../../lib';
import { IdentityRecord } from '../../lib/identity-rules';
import {
  CloudFormationDriver,
  customResourcesOf,
  DeclaredResource,
  handlerAssetFromAssembly,
  HandlerAsset,
  Invocation,
  InvocationMode,
  Properties,
  ResponseDocument,
} from './cloudformation-driver';
import { ConnectEmulator, EmulatedUser, RequestRecord } from './connect-emulator';
import { findLeaks, secretsOfEvent } from './personal-data';

/** One synthesized stack, read back from the cloud assembly. */
export interface SynthesizedTemplate {
  readonly stackName: string;
  /** The handler asset the stack's custom resources are served by. */
  readonly handler: HandlerAsset;
  /** The stack's Custom::ConnectUserIdentity resources, as in the template. */
  readonly resources: DeclaredResource[];
  /** The logical ID of the declaration at `constructPath` (relative to the stack, e.g. `Agent`). */
  logicalId(constructPath: string): string;
  /**
   * The properties CloudFormation sends for the declaration at `constructPath`: those of the template,
   * with each `{ Ref: <parameter> }` replaced by the parameter's value, as CloudFormation resolves it.
   */
  properties(constructPath: string, parameters?: Record<string, string>): Properties;
}

/**
 * Synthesizes one stack per entry of `stacks` into `outdir` (one app, so one staged handler asset) and
 * reads the templates back.
 */
export function synthesizeTemplates<K extends string>(outdir: string, stacks: Record<K, (stack: Stack) => void>): Record<K, SynthesizedTemplate> {
  const app = new App({ outdir });
  const declared = Object.entries<(stack: Stack) => void>(stacks).map(([stackName, declare]) => {
    const stack = new Stack(app, stackName);
    declare(stack);
    return { stackName, stack };
  });
  app.synth();

  const templates = {} as Record<K, SynthesizedTemplate>;
  for (const { stackName, stack } of declared) {
    const logicalIds = new Map<string, string>();
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof ConnectUserIdentity)) continue;
      const cfn = construct.node.findChild('Resource').node.defaultChild as CfnElement;
      logicalIds.set(construct.node.path.slice(stack.node.path.length + 1), stack.resolve(cfn.logicalId));
    }
    const resources = customResourcesOf(outdir, stackName);
    const logicalId = (constructPath: string) => {
      const id = logicalIds.get(constructPath);
      if (!id) throw new Error(`${stackName} declares nothing at ${constructPath}; it has ${[...logicalIds.keys()].join(', ')}`);
      return id;
    };
    templates[stackName as K] = {
      stackName,
      handler: handlerAssetFromAssembly(outdir, stackName),
      resources,
      logicalId,
      properties: (constructPath, parameters = {}) => {
        const id = logicalId(constructPath);
        const resource = resources.find((each) => each.logicalId === id);
        if (!resource) throw new Error(`${stackName}'s template has no custom resource ${id}`);
        return resolveParameters(resource.properties, parameters) as Properties;
      },
    };
  }
  return templates;
}

/** Replaces `{ Ref: name }` by `parameters[name]`, everywhere; fails on a reference it cannot resolve. */
function resolveParameters(value: unknown, parameters: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((each) => resolveParameters(each, parameters));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'Ref') {
    const name = String(entries[0][1]);
    if (!(name in parameters)) throw new Error(`no value given for the parameter ${name}`);
    return parameters[name];
  }
  if (entries.some(([key]) => key.startsWith('Fn::'))) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return Object.fromEntries(entries.map(([key, each]) => [key, resolveParameters(each, parameters)]));
}

/** The parts of an answer a scenario checks. */
export type AnswerSummary = Pick<ResponseDocument, 'Status' | 'Reason' | 'PhysicalResourceId' | 'NoEcho' | 'Data'>;

/** The operation and status of each request, e.g. `DescribeUser 200`, for compact assertions. */
export function calls(records: readonly RequestRecord[]): string[] {
  return records.map((record) => `${record.operation} ${record.status ?? 'unanswered'}`);
}

/** An end-to-end suite's fixtures, filled in by the hooks {@link useEndToEnd} registers. */
export class EndToEnd<K extends string> {
  /** Its error messages quote the values they refuse, as real services' do: no Reason or log may pass them on. */
  readonly emulator = new ConnectEmulator({ echoValues: 'verbatim' });
  driver!: CloudFormationDriver;
  templates!: Record<K, SynthesizedTemplate>;
  /** Every value seeded in the emulator (identity values, usernames): none may show up in any output. */
  private readonly seeded = new Set<string>();

  /** Adds a user to the emulator, and remembers its identity values and username as secrets. */
  seedUser(instanceId: string, user: { id?: string; username: string; identityInfo?: IdentityRecord }): EmulatedUser {
    this.seeded.add(user.username);
    for (const value of Object.values(user.identityInfo ?? {})) if (value) this.seeded.add(value);
    return this.emulator.addUser(instanceId, user);
  }

  /** A user's identity as Connect holds it now. */
  identityOf(instanceId: string, userId: string): IdentityRecord {
    return this.emulator.user(instanceId, userId).identityInfo;
  }

  /** How many requests the emulator has received; pass it to {@link requestsSince}. */
  mark(): number {
    return this.emulator.requests.length;
  }

  /** The requests received since `mark` (scenarios run one at a time within a suite). */
  requestsSince(mark: number): RequestRecord[] {
    return this.emulator.requests.slice(mark);
  }

  /**
   * Invokes the handler with `event` (in process unless told otherwise), then asserts that its output,
   * Reasons and physical IDs hold no identity value, username or ResponseURL: of the event, nor any
   * value seeded in the emulator.
   */
  async play(event: CloudFormationCustomResourceEvent, options: { mode?: InvocationMode; timeoutMs?: number } = {}): Promise<Invocation> {
    const invocation = await this.driver.invoke(event, { mode: options.mode ?? 'in-process', timeoutMs: options.timeoutMs });
    expectNoPersonalData(invocation, this.seeded);
    return invocation;
  }

  /**
   * Invokes the handler with each of `events` at the same moment, each in its own cold container (an
   * isolated process), as CloudFormation sends the Creates of a new stack's resources at once and Lambda
   * starts a container for each: the containers start first (a few at a time, which is not timed), then
   * all are released together. Makes the same assertion on each as {@link play}.
   */
  async playTogether(events: CloudFormationCustomResourceEvent[], options: { timeoutMs?: number } = {}): Promise<Invocation[]> {
    const prepared = await Promise.all(events.map((event) => this.driver.prepare(event, { timeoutMs: options.timeoutMs })));
    const invocations = await Promise.all(prepared.map((invocation) => invocation.release()));
    for (const invocation of invocations) expectNoPersonalData(invocation, this.seeded);
    return invocations;
  }

  /**
   * Asserts that the invocation returned and CloudFormation took exactly one answer (after `puts` PUTs in
   * all, 1 unless a delivery failure was injected), for this event; returns the parts a scenario checks.
   */
  answerOf(invocation: Invocation, { puts = 1 }: { puts?: number } = {}): AnswerSummary {
    expect(invocation.outcome).toBe('returned');
    expect(invocation.puts).toHaveLength(puts);
    const delivered = invocation.puts.filter((put) => put.status === 200);
    expect(delivered).toHaveLength(1);
    const answer = delivered[0].body!;
    expect(answer).toMatchObject({
      StackId: invocation.event.StackId,
      RequestId: invocation.event.RequestId,
      LogicalResourceId: invocation.event.LogicalResourceId,
    });
    const { Status, Reason, PhysicalResourceId, NoEcho, Data } = answer;
    return { Status, Reason, PhysicalResourceId, NoEcho, Data };
  }
}

/**
 * Registers the hooks of an end-to-end suite: before all, synthesizes `stacks` in a temporary directory,
 * starts the emulator and a driver running the handler asset of the synthesized assembly; after each
 * test, checks that the emulator met no bug of its own; after all, stops both and removes the directory.
 */
export function useEndToEnd<K extends string>(stacks: Record<K, (stack: Stack) => void>, options: { timeoutMs?: number } = {}): EndToEnd<K> {
  const e2e = new EndToEnd<K>();
  let workDir: string | undefined;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'connect-e2e-'));
    e2e.templates = synthesizeTemplates(path.join(workDir, 'cdk.out'), stacks);
    const entries = new Set(Object.values<SynthesizedTemplate>(e2e.templates).map((template) => template.handler.entry));
    if (entries.size !== 1) throw new Error(`the synthesized stacks reference ${entries.size} different handler assets`);
    await e2e.emulator.start();
    e2e.driver = new CloudFormationDriver({
      handlerPath: [...entries][0],
      environment: e2e.emulator.environment(),
      timeoutMs: options.timeoutMs ?? 20_000,
    });
    await e2e.driver.start();
  });

  afterEach(() => {
    expect(e2e.emulator.internalErrors).toEqual([]);
  });

  afterAll(async () => {
    await e2e.driver?.stop();
    await e2e.emulator.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  return e2e;
}

/**
 * Asserts that an invocation's output and answers hold none of the secrets of its own event, nor any of
 * `alsoSecret` (for example every value seeded in the emulator, which the handler reads back).
 */
export function expectNoPersonalData(invocation: Invocation, alsoSecret: Iterable<string> = []): void {
  expect(findLeaks(invocation, [...secretsOfEvent(invocation.event), ...alsoSecret])).toEqual([]);
}
