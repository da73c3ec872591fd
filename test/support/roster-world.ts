/**
 * Everything an end-to-end test of the roster deploy path runs against, on 127.0.0.1: the Connect
 * emulator, the asset bucket (S3), Lambda's Invoke API for the handler's hand-overs, the CloudFormation
 * driver running the bundled handler of the synthesized template, and a stack deployer playing
 * CloudFormation over whole templates. Each version of a stack is synthesized into a cloud assembly of
 * its own, as successive `cdk deploy` runs would produce them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadRoster, Roster } from '../../lib';
import { bareInstanceId } from '../../lib/roster-declarations';
import { IdentityRecord } from '../../lib/identity-rules';
import { createHash, randomUUID } from 'node:crypto';
import { CloudFormationDriver, handlerAssetFromAssembly, Invocation } from './cloudformation-driver';
import { CloudFormationEmulator } from './cloudformation-emulator';
import { ACCOUNT, CONNECT_DEFAULT_QUOTAS, CONNECT_OPERATIONS, ConnectEmulator, ConnectOperation, EmulatedUser, RateLimit, REGION, scaledQuotas } from './connect-emulator';
import { DeployedRule, EventBridgeEmulator } from './event-bridge';
import { AsyncInvocation, AsyncInvokeSettings, LAMBDA_DEFAULT_ASYNC_SETTINGS, LambdaEmulator } from './lambda-emulator';
import { LedgerEmulator } from './ledger-emulator';
import { findLeaks, Leak, secretsOfEvent } from './personal-data';
import { S3Emulator } from './s3-emulator';
import { DeployResult, StackDeployer, StackSource } from './stack-deployer';

/** A roster entry as a file holds it (the CLI's names). */
export interface RosterFileEntry {
  readonly InstanceId: string;
  readonly UserId?: string;
  readonly Username?: string;
  readonly IdentityInfo: Record<string, string>;
}

/**
 * Connect's default quotas with a 15-minute Lambda, played ten times faster, as the whole-center suites run
 * it: every operation's rate times ten (UpdateUserIdentityInfo 20 a second, DescribeUser 100, ...), bursts
 * as they are. `ratePerSecond` and `burst` are UpdateUserIdentityInfo's, the operation a first deploy waits on.
 */
export const TIME_SCALED_DEFAULT_QUOTA = {
  timeScale: 10,
  ratePerSecond: CONNECT_DEFAULT_QUOTAS.UpdateUserIdentityInfo.ratePerSecond * 10,
  burst: CONNECT_DEFAULT_QUOTAS.UpdateUserIdentityInfo.burst,
  quotas: scaledQuotas(CONNECT_DEFAULT_QUOTAS, 10),
} as const;

export interface RosterWorldOptions {
  /** k: Connect's rates are set k times faster by the test, and every time limit is divided by k. */
  readonly timeScale: number;
  readonly stackName?: string;
  /** Values of the template's parameters (secrets too: none may leak). */
  readonly parameters?: Record<string, string>;
  /**
   * How unkind Lambda's delivery is (copies of every event a random time later, in AWS time, divided by the
   * time scale): for CloudFormation's events, hand-overs and drift checks alike. @default no copies
   */
  readonly duplicates?: { readonly share: number; readonly delayMs: readonly [number, number] };
  /** The handler's Lambda timeout, before scaling. @default 900 s, the handler's */
  readonly lambdaTimeoutMs?: number;
  /** How far Connect's clock is ahead of this machine's (negative: behind). @default 0 */
  readonly connectClockOffsetMs?: number;
}

/** A template resource, as the world reads it. */
type TemplateResources = Record<string, { Type: string; Properties?: Record<string, any> }>;

export class RosterWorld {
  readonly connect: ConnectEmulator;
  readonly s3 = new S3Emulator();
  readonly cloudFormation = new CloudFormationEmulator();
  readonly ledger = new LedgerEmulator();
  readonly lambda: LambdaEmulator;
  driver!: CloudFormationDriver;
  /** Drivers of the stack's drift check functions, by whether they correct. */
  private readonly checkDrivers = new Map<boolean, CloudFormationDriver>();
  /** The bundled handler the first synthesized version deploys. */
  private handlerPath = '';
  deployer!: StackDeployer;
  readonly stackName: string;
  /** Every identity value and username of the rosters and of Connect's users: none may leak. */
  readonly secrets = new Set<string>();
  /** Each function's asynchronous-invocation settings, as the first synthesized template gives them. */
  private readonly asyncSettings = new Map<string, AsyncInvokeSettings>();
  private readonly workDir = mkdtempSync(path.join(tmpdir(), 'connect-roster-e2e-'));
  /** The first synthesized template's resources: the functions' environments and roles. */
  private firstTemplate: TemplateResources = {};
  private versions = 0;
  private emulatorsStarted?: Promise<void>;

  /** EventBridge, once `deliverCloudTrailEvents` started it. */
  eventBridge?: EventBridgeEmulator;
  /** Each role of the first synthesized template: its logical ID's ARN and its access key. */
  private readonly roles = new Map<string, { arn: string; accessKeyId: string }>();

  constructor(private readonly options: RosterWorldOptions) {
    this.connect = new ConnectEmulator({ clockOffsetMs: options.connectClockOffsetMs });
    this.stackName = options.stackName ?? 'RosterE2E';
    for (const value of Object.values(options.parameters ?? {})) this.secrets.add(value);
    this.lambda = new LambdaEmulator(
      (functionName) => [this.driver, ...this.checkDrivers.values()].find((driver) => driver?.functionName === functionName),
      () => this.deployer.lambdaTimeoutMs,
      (functionName) => this.asyncSettings.get(functionName) ?? LAMBDA_DEFAULT_ASYNC_SETTINGS,
      { timeScale: options.timeScale, duplicates: options.duplicates },
    );
  }

  /** Synthesizes a version of the stack; the first one also starts the driver on its handler asset. */
  async synth(declare: (stack: Stack) => void): Promise<StackSource> {
    return this.synthApp((outdir) => {
      const app = new App({ outdir });
      declare(new Stack(app, this.stackName));
      return app;
    });
  }

  /** Synthesizes a version from an app that `build` makes (with a stack of this world's name) in `outdir`. */
  async synthApp(build: (outdir: string) => App): Promise<StackSource> {
    const outdir = path.join(this.workDir, `v${++this.versions}`);
    build(outdir).synth();
    const source = { cloudAssemblyDir: outdir, stackName: this.stackName };
    if (!this.driver) await this.startOn(source);
    return source;
  }

  /**
   * Throttles every Connect operation with a token bucket of its own, as Connect does: each at its own quota
   * (`{ quotas }`), or all at one (`{ ratePerSecond, burst }`).
   */
  throttleConnect(limit: { readonly quotas: Readonly<Record<ConnectOperation, RateLimit>> } | RateLimit): void {
    for (const operation of CONNECT_OPERATIONS) {
      const quota = 'quotas' in limit ? limit.quotas[operation] : limit;
      this.connect.throttle(operation, { ratePerSecond: quota.ratePerSecond, burst: quota.burst });
    }
  }

  /** Adds a user to Connect, and remembers its values and username as secrets. */
  seedUser(instanceId: string, user: { id?: string; username: string; identityInfo?: IdentityRecord }): EmulatedUser {
    this.secrets.add(user.username);
    for (const value of Object.values(user.identityInfo ?? {})) if (value) this.secrets.add(value);
    return this.connect.addUser(instanceId, user);
  }

  /**
   * Adds the Connect user of every roster entry, on the entry's instance, with the entry's user ID and
   * Username (else `agent.<index>`), holding what `held` gives for it.
   */
  seedRoster(entries: readonly RosterFileEntry[], held: (entry: RosterFileEntry, index: number) => IdentityRecord): EmulatedUser[] {
    return entries.map((entry, index) =>
      this.seedUser(entry.InstanceId, { id: entry.UserId, username: entry.Username ?? `agent.${index}`, identityInfo: held(entry, index) }),
    );
  }

  /** Writes a roster file (JSON, the CLI's format) and loads it as a user would. */
  roster(entries: RosterFileEntry[]): Roster {
    for (const entry of entries) {
      if (entry.Username) this.secrets.add(entry.Username);
      for (const value of Object.values(entry.IdentityInfo)) if (value) this.secrets.add(value);
    }
    const dir = path.join(this.workDir, `roster-${this.versions + 1}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'agents.json');
    writeFileSync(file, JSON.stringify(entries));
    return loadRoster(file);
  }

  /**
   * Where any invocation of a deploy (the first of each event, and every hand-over) left an identity
   * value, a username or a ResponseURL: in its output, its answer's Reason or physical ID. Empty when
   * none did.
   */
  async leaksOf(result: DeployResult): Promise<Leak[]> {
    await this.lambda.settled();
    const invocations: Invocation[] = [
      ...result.operations.map((op) => op.invocation).filter((each): each is Invocation => !(each instanceof Error)),
      ...(await Promise.all(this.lambda.invocations.map((each) => each.ended))).filter((each): each is Invocation => !(each instanceof Error)),
    ];
    const events = result.operations.map((op) => op.event);
    const secrets = [...this.secrets, ...events.flatMap(secretsOfEvent)];
    return invocations.flatMap((invocation) => findLeaks({ ...invocation, puts: this.driver.puts }, secrets));
  }

  /**
   * Runs the stack's drift check as its schedule (or a person with `aws lambda invoke`) would: a fresh
   * container of the check function, with the environment its template gives it (`correct` chooses
   * CORRECT_DRIFT), answering with its summary. Hand-overs run through the Lambda emulator.
   */
  async checkDrift(options: { correct: boolean; payload?: Record<string, unknown>; crashAfterMs?: number }): Promise<Invocation> {
    const driver = await this.checkDriver(options.correct);
    return driver.invoke((options.payload ?? { action: 'check-drift' }) as never, { mode: 'isolated', timeoutMs: this.deployer.lambdaTimeoutMs, crashAfterMs: options.crashAfterMs });
  }

  /** The access key the drift check's function signs Connect requests with (its role's session). */
  async checkAccessKeyId(correct: boolean): Promise<string> {
    await this.checkDriver(correct);
    const check = Object.entries(this.firstTemplate).find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Handler === 'index.checkDrift');
    return this.roleOf(check![1].Properties!.Role['Fn::GetAtt'][0]).accessKeyId;
  }

  /** What the drift checks know now, from the ledger: each instance's fact and pass, by instance key. */
  async checkKnowledge(): Promise<Record<string, { covered?: { asOf: number; exceptions: Record<string, unknown> }; pass?: Record<string, unknown> }>> {
    const item = (await this.ledger.items()).find((each) => each.key === `check#${this.driver.stackId}`);
    return item?.state.instances ?? {};
  }

  /**
   * Starts a check as its schedule does: an asynchronous invocation through Lambda's queue (copies, retries,
   * late delivery), with the payload the schedule's rule sends (`full` for the full re-read's rule).
   * Resolves to the first run; `lambda.settled()` waits for the rest.
   */
  async scheduleCheck(options: { correct: boolean; full?: boolean; intervalSeconds?: number; scheduledAt?: Date; eventId?: string }): Promise<AsyncInvocation> {
    await this.checkDriver(options.correct);
    const payload = {
      action: 'check-drift',
      ...(options.full ? { full: true } : {}),
      scheduledAt: (options.scheduledAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventId: options.eventId ?? randomUUID(),
      intervalSeconds: options.intervalSeconds ?? 900 / this.options.timeScale,
    };
    return this.lambda.enqueue(this.checkFunctionName(options.correct), payload);
  }

  /**
   * From now on, CloudTrail's record of every Connect call that changes a user reaches EventBridge `delayMs`
   * later (AWS time, scaled), and the deployed template's rules send the matching ones to the drift check.
   */
  deliverCloudTrailEvents(options: { delayMs: readonly [number, number] }): EventBridgeEmulator {
    const k = this.options.timeScale;
    const bridge = new EventBridgeEmulator({
      account: ACCOUNT,
      delayMs: [options.delayMs[0] / k, options.delayMs[1] / k],
      rules: () => this.deployedRules(),
      invoke: (functionName, event) => void this.lambda.enqueue(functionName, event),
    });
    this.connect.onTrail((event) => bridge.put(event));
    this.eventBridge = bridge;
    return bridge;
  }

  /** The EventBridge rules with a pattern in the deployed template, targeting the drift check. */
  private deployedRules(): DeployedRule[] {
    const body = this.cloudFormation.templateBody;
    if (!body) return [];
    const resources = JSON.parse(body).Resources as TemplateResources;
    const rules: DeployedRule[] = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Events::Rule' || !resource.Properties?.EventPattern) continue;
      const target = resource.Properties.Targets?.[0]?.Arn?.['Fn::GetAtt']?.[0];
      const fn = resources[target];
      if (fn?.Properties?.Handler !== 'index.checkDrift') continue;
      const correct = fn.Properties.Environment?.Variables?.CORRECT_DRIFT === 'true';
      if (!this.checkDrivers.has(correct)) continue;
      rules.push({ logicalId, pattern: this.resolve(resource.Properties.EventPattern, resources) as Record<string, unknown>, functionName: this.checkFunctionName(correct) });
    }
    return rules;
  }

  /** A template value with the intrinsics the functions' environments and rules use resolved as the world deploys them. */
  private resolve(value: unknown, resources: TemplateResources): unknown {
    if (Array.isArray(value)) return value.map((each) => this.resolve(each, resources));
    if (value === null || typeof value !== 'object') return value;
    const node = value as Record<string, any>;
    if (typeof node.Ref === 'string') {
      if (node.Ref === 'AWS::StackId') return this.driver.stackId;
      if (node.Ref === 'AWS::StackName') return this.stackName;
      if (resources[node.Ref]?.Type === 'AWS::DynamoDB::Table') return this.ledger.environment().LEDGER_TABLE;
      return undefined;
    }
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [logicalId, attribute] = node['Fn::GetAtt'];
      return attribute === 'Arn' && resources[logicalId]?.Type === 'AWS::IAM::Role' ? this.roleOf(logicalId).arn : undefined;
    }
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'];
      return (parts as unknown[]).map((part) => String(this.resolve(part, resources))).join(delimiter);
    }
    return Object.fromEntries(Object.entries(node).map(([key, each]) => [key, this.resolve(each, resources)]));
  }

  /** A role of the template, as the world deploys it: its ARN, and the access key its sessions sign with. */
  private roleOf(logicalId: string): { arn: string; accessKeyId: string } {
    let role = this.roles.get(logicalId);
    if (!role) {
      role = {
        arn: `arn:aws:iam::${ACCOUNT}:role/${this.stackName}-${logicalId}`,
        accessKeyId: `ASIA${createHash('sha256').update(logicalId).digest('hex').slice(0, 16).toUpperCase()}`,
      };
      this.roles.set(logicalId, role);
    }
    return role;
  }

  /** The access key of a function's role, which Connect (and its trail) knows as that role's session. */
  private credentialsOf(resources: TemplateResources, functionLogicalId: string, functionName: string): Record<string, string> {
    const roleId = resources[functionLogicalId]?.Properties?.Role?.['Fn::GetAtt']?.[0];
    if (typeof roleId !== 'string') return {};
    const role = this.roleOf(roleId);
    this.connect.assignPrincipal(role.accessKeyId, {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.arn.split('/').pop()}/${functionName}`,
      issuerArn: role.arn,
    });
    return { AWS_ACCESS_KEY_ID: role.accessKeyId };
  }

  /** The driver of the stack's drift check function, started on first use, with the environment its template gives it. */
  private async checkDriver(correct: boolean): Promise<CloudFormationDriver> {
    let driver = this.checkDrivers.get(correct);
    if (!driver) {
      const functionName = this.checkFunctionName(correct);
      const template = this.firstTemplate;
      const check = Object.entries(template).find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Handler === 'index.checkDrift');
      const variables: Record<string, string> = {};
      for (const [name, value] of Object.entries<unknown>(check?.[1].Properties?.Environment?.Variables ?? {})) {
        const resolved = this.resolve(value, template);
        if (typeof resolved === 'string') variables[name] = resolved;
      }
      driver = new CloudFormationDriver({
        handlerPath: this.handlerPath,
        handlerExport: 'checkDrift',
        functionName,
        stackName: this.stackName,
        cloudFormation: this.cloudFormation,
        ledger: this.ledger,
        environment: {
          ...this.environment(),
          ...variables,
          ...(check ? this.credentialsOf(template, check[0], functionName) : {}),
          STACK_ID: this.driver.stackId,
          STACK_NAME: this.stackName,
          CORRECT_DRIFT: String(correct),
        },
      });
      await driver.start();
      this.checkDrivers.set(correct, driver);
    }
    return driver;
  }

  /**
   * The writes to Connect (since `since`) that sent what no current declaration holds: a write is current
   * when, at the moment Connect received it, an event was in progress (sent, not yet answered) whose
   * declaration (a roster stage's file, or a single declaration's properties) declares that user with
   * exactly the values the write sent for the declared fields. Empty when every write followed the declaration CloudFormation was deploying at the time.
   */
  staleWrites(results: readonly DeployResult[], since = 0): string[] {
    const windows: { from: number; to: number; declared: Map<string, Record<string, string>> }[] = [];
    for (const op of results.flatMap((result) => result.operations)) {
      if (op.requestType === 'Delete') continue;
      let declarations: RosterFileEntry[];
      if (op.resourceType === 'Custom::ConnectUserRoster') {
        const location = (op.event.ResourceProperties as unknown as { Declarations: { Bucket: string; Key: string } }).Declarations;
        declarations = (JSON.parse(this.s3.get(location.Bucket, location.Key)!.toString('utf8')) as { declarations: RosterFileEntry[] }).declarations;
      } else {
        // A single declaration's values are its properties.
        declarations = [op.event.ResourceProperties as unknown as RosterFileEntry];
      }
      const declared = new Map(declarations.filter((each) => each.UserId).map((each) => [`${bareInstanceId(each.InstanceId)}/${each.UserId}`, each.IdentityInfo]));
      const answeredAt = this.driver.puts.find((put) => put.requestId === op.event.RequestId && put.status === 200)?.receivedAt ?? op.endedAt;
      windows.push({ from: op.startedAt, to: answeredAt, declared });
    }
    const stale: string[] = [];
    for (const write of this.connect.requestsFor('UpdateUserIdentityInfo')) {
      if (write.receivedAt < since) continue;
      const [, , instance, user] = write.path.split('/');
      const sent = (write.body as { IdentityInfo?: Record<string, string> } | undefined)?.IdentityInfo ?? {};
      const current = windows.some((window) => {
        const declared = window.declared.get(`${instance}/${user}`);
        return write.receivedAt >= window.from && write.receivedAt <= window.to && declared !== undefined && Object.entries(declared).every(([field, value]) => sent[field] === value);
      });
      if (!current) stale.push(`a write of user ${user} at ${new Date(write.receivedAt).toISOString()} sent what no declaration in progress then held`);
    }
    return stale;
  }

  /**
   * The events of the deploys whose answers disagree: CloudFormation took more than one answer (every
   * PUT answered 200) with a different status, reason or physical ID. Empty when each event got one answer,
   * or answers that agree.
   */
  disagreeingAnswers(results: readonly DeployResult[]): string[] {
    return results
      .flatMap((result) => result.operations)
      .filter((op) => {
        const bodies = this.driver.puts.filter((put) => put.requestId === op.event.RequestId && put.status === 200).map((put) => JSON.stringify([put.body?.Status, put.body?.Reason, put.body?.PhysicalResourceId]));
        return new Set(bodies).size > 1;
      })
      .map((op) => `${op.requestType} of ${op.logicalId}${op.rollback ? ' (rollback)' : ''}`);
  }

  async stop(): Promise<void> {
    this.eventBridge?.stop();
    await this.lambda.settled();
    await this.driver?.stop();
    for (const driver of this.checkDrivers.values()) await driver.stop();
    await Promise.all([this.connect.stop(), this.s3.stop(), this.lambda.stop(), this.cloudFormation.stop(), this.ledger.stop()]);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /**
   * Starts the emulators, for a test that calls Connect before the first synth (the first synth starts
   * them otherwise).
   */
  startEmulators(): Promise<void> {
    this.emulatorsStarted ??= Promise.all([this.connect.start(), this.s3.start(), this.lambda.start(), this.cloudFormation.start(), this.ledger.start()]).then(() => undefined);
    return this.emulatorsStarted;
  }

  private async startOn(source: StackSource): Promise<void> {
    await this.startEmulators();
    // The handler serves both resource types; find it through whichever the first version declares.
    const template = readFileSync(path.join(source.cloudAssemblyDir, `${source.stackName}.template.json`), 'utf8');
    const handler = handlerAssetFromAssembly(source.cloudAssemblyDir, source.stackName, template.includes('"Custom::ConnectUserRoster"') ? 'Custom::ConnectUserRoster' : 'Custom::ConnectUserIdentity');
    this.handlerPath = handler.entry;
    this.firstTemplate = JSON.parse(template).Resources as TemplateResources;
    this.driver = new CloudFormationDriver({
      handlerPath: handler.entry,
      environment: { ...this.environment(), ...this.credentialsOf(this.firstTemplate, handler.functionLogicalId, `${this.stackName}-ConnectUserIdentityHandler`) },
      stackName: this.stackName,
      cloudFormation: this.cloudFormation,
      ledger: this.ledger,
    });
    await this.driver.start();
    const resources = JSON.parse(template).Resources as Record<string, { Type: string; Properties?: Record<string, any> }>;
    this.asyncSettings.set(this.driver.functionName, asyncSettingsOf(resources, handler.functionLogicalId));
    const check = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Handler === 'index.checkDrift');
    if (check) for (const correct of [false, true]) this.asyncSettings.set(this.checkFunctionName(correct), asyncSettingsOf(resources, check[0]));
    this.deployer = new StackDeployer({
      driver: this.driver,
      s3: this.s3,
      cloudFormation: this.cloudFormation,
      lambda: this.lambda,
      account: ACCOUNT,
      region: REGION,
      timeScale: this.options.timeScale,
      lambdaTimeoutMs: this.options.lambdaTimeoutMs,
      parameters: this.options.parameters,
    });
  }

  private checkFunctionName(correct: boolean): string {
    return `${this.stackName}-DriftCheck${correct ? 'Correcting' : ''}`;
  }

  /** What every function of the stack runs with: the emulators' endpoints and dummy credentials. */
  private environment(): Record<string, string> {
    return {
      ...this.connect.environment(),
      AWS_ENDPOINT_URL_S3: this.s3.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: this.lambda.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: this.cloudFormation.endpoint,
      ...this.ledger.environment(),
    };
  }
}

/** A function's asynchronous-invocation settings, from the template's EventInvokeConfig (Lambda's defaults without one). */
function asyncSettingsOf(resources: Record<string, { Type: string; Properties?: Record<string, any> }>, functionLogicalId: string): AsyncInvokeSettings {
  const config = Object.values(resources).find((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig' && resource.Properties?.FunctionName?.Ref === functionLogicalId);
  return {
    retryAttempts: config?.Properties?.MaximumRetryAttempts ?? LAMBDA_DEFAULT_ASYNC_SETTINGS.retryAttempts,
    maxEventAgeSeconds: config?.Properties?.MaximumEventAgeInSeconds ?? LAMBDA_DEFAULT_ASYNC_SETTINGS.maxEventAgeSeconds,
  };
}
