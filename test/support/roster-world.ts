/**
 * Everything an end-to-end test of the roster deploy path runs against, on 127.0.0.1: the Connect
 * emulator, the asset bucket (S3), Lambda's Invoke API for the handler's hand-overs, the CloudFormation
 * driver running the bundled handler of the synthesized template, and a stack deployer playing
 * CloudFormation over whole templates. Each version of a stack is synthesized into a cloud assembly of
 * its own, as successive `cdk deploy` runs would produce them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadRoster, Roster } from '../../lib';
import { CloudFormationDriver, handlerAssetFromAssembly } from './cloudformation-driver';
import { ACCOUNT, ConnectEmulator, REGION } from './connect-emulator';
import { LambdaEmulator } from './lambda-emulator';
import { S3Emulator } from './s3-emulator';
import { StackDeployer, StackSource } from './stack-deployer';

/** A roster entry as a file holds it (the CLI's names). */
export interface RosterFileEntry {
  readonly InstanceId: string;
  readonly UserId?: string;
  readonly Username?: string;
  readonly IdentityInfo: Record<string, string>;
}

export interface RosterWorldOptions {
  /** k: Connect's rates are set k times faster by the test, and every time limit is divided by k. */
  readonly timeScale: number;
  readonly stackName?: string;
}

export class RosterWorld {
  readonly connect = new ConnectEmulator();
  readonly s3 = new S3Emulator();
  readonly lambda: LambdaEmulator;
  driver!: CloudFormationDriver;
  deployer!: StackDeployer;
  readonly stackName: string;
  private readonly workDir = mkdtempSync(path.join(tmpdir(), 'connect-roster-e2e-'));
  private versions = 0;

  constructor(private readonly options: RosterWorldOptions) {
    this.stackName = options.stackName ?? 'RosterE2E';
    this.lambda = new LambdaEmulator(
      () => this.driver,
      () => this.deployer.lambdaTimeoutMs,
    );
  }

  /** Synthesizes a version of the stack; the first one also starts the driver on its handler asset. */
  async synth(declare: (stack: Stack) => void): Promise<StackSource> {
    const outdir = path.join(this.workDir, `v${++this.versions}`);
    const app = new App({ outdir });
    declare(new Stack(app, this.stackName));
    app.synth();
    const source = { cloudAssemblyDir: outdir, stackName: this.stackName };
    if (!this.driver) await this.startOn(source);
    return source;
  }

  /** Writes a roster file (JSON, the CLI's format) and loads it as a user would. */
  roster(entries: RosterFileEntry[]): Roster {
    const dir = path.join(this.workDir, `roster-${this.versions + 1}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'agents.json');
    writeFileSync(file, JSON.stringify(entries));
    return loadRoster(file);
  }

  async stop(): Promise<void> {
    await this.lambda.settled();
    await this.driver?.stop();
    await Promise.all([this.connect.stop(), this.s3.stop(), this.lambda.stop()]);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async startOn(source: StackSource): Promise<void> {
    await Promise.all([this.connect.start(), this.s3.start(), this.lambda.start()]);
    const handler = handlerAssetFromAssembly(source.cloudAssemblyDir, source.stackName, 'Custom::ConnectUserRoster');
    this.driver = new CloudFormationDriver({
      handlerPath: handler.entry,
      environment: {
        ...this.connect.environment(),
        AWS_ENDPOINT_URL_S3: this.s3.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: this.lambda.endpoint,
      },
      stackName: this.stackName,
    });
    await this.driver.start();
    this.deployer = new StackDeployer({ driver: this.driver, s3: this.s3, account: ACCOUNT, region: REGION, timeScale: this.options.timeScale });
  }
}
