import * as path from 'node:path';
import { Aspects, Aws, CustomResource, Duration, Lazy, RemovalPolicy, Stack, Token, Validations, aws_dynamodb as dynamodb, aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import {
  chooseScope,
  connectStatements,
  estimatePolicySize,
  ManagedUser,
  policyDocument,
  PolicyScope,
  ROLE_POLICY_SIZE_LIMIT,
  StatementJson,
} from './connect-access-policy';
import { declarationKeyPrefix } from './declaration-file';
import { acknowledgeWildcardResources } from './policy-acknowledgements';
import { LEDGER_TABLE_ENV } from './resource-properties';

/** Where the build puts the bundled handler: beside `lib/` (and `build/`), in the package. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', 'assets', 'handler');

/**
 * What every function of the library runs: the one handler bundle (its export named by each function's
 * `handler`), on the Lambda runtime it is built and tested for, with a Lambda's longest timeout.
 */
export function handlerFunctionDefaults(): Pick<lambda.FunctionProps, 'runtime' | 'architecture' | 'code' | 'memorySize' | 'timeout'> {
  return {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    code: lambda.Code.fromAsset(HANDLER_ASSET_DIR),
    memorySize: 256,
    timeout: Duration.minutes(15),
  };
}

/** The construct ID of the one provider in each stack. Public contract: changing it replaces the function. */
const PROVIDER_ID = 'ConnectUserIdentityProvider';

/** CloudFormation resolves at most this many dynamic references in one template. */
const MAX_DYNAMIC_REFERENCES = 60;

const CONNECT_POLICY_NAME = 'ConnectUserIdentity';
const LOGS_POLICY_NAME = 'OwnLogGroup';
const LEDGER_POLICY_NAME = 'CurrentWork';


/**
 * How Lambda runs the functions' asynchronous invocations (CloudFormation's events, hand-overs, drift
 * checks), instead of its defaults (2 retries, events kept 6 hours):
 * - retries: 2. The handler never fails an invocation on purpose, except when CloudFormation could not be
 *   answered; a retry then sends the decided answer, and a retry after a crash takes the work over where
 *   the ledger says it got. The ledger makes a retry that is not needed do nothing.
 * - maximum event age: 10 minutes, below the 16 minutes CloudFormation waits for a single user's answer, so
 *   that an event Lambda could not run in time is dropped rather than run after CloudFormation gave up.
 */
export const ASYNC_INVOKE_SETTINGS = { retryAttempts: 2, maxEventAge: Duration.minutes(10) } as const;
/**
 * The construct ID of the policy the roster path adds, before the hash of the key prefix it grants. A
 * new prefix makes a new policy: CloudFormation creates it before the stages that depend on it and
 * deletes the one it replaces only once the update is complete, so the previous declaration files stay
 * readable through the update and through its rollback. Public contract like the provider's own.
 */
const ROSTER_POLICY_ID = 'RosterDeclarations';

/** Log settings of the library's functions. */
export interface ConnectUserIdentityLogOptions {
  /**
   * How long CloudWatch Logs keeps the function's log lines (they hold IDs, field names and counts, never
   * an identity value).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What CloudFormation does with the stateful resources the construct owns when they leave the stack
   * or the stack is deleted: a drift check's log group; the provider's log group and its work ledger (a
   * DynamoDB table of coordination state: IDs, counts, times). `RemovalPolicy.DESTROY` deletes them, for
   * a stack that comes and goes; `RemovalPolicy.RETAIN` keeps them all.
   * @default - log groups are retained (`RemovalPolicy.RETAIN`); the ledger, rebuilt by the next deploy, is deleted
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Settings of the stack's provider, given with
 * [ConnectUserIdentityProvider.configure](#connect-user-identity.ConnectUserIdentityProvider.configure).
 * They also apply to a `ConnectUserDriftCheck` of the stack, unless its own props say otherwise.
 */
export interface ConnectUserIdentityProviderProps extends ConnectUserIdentityLogOptions {}

const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** A log group of the library in this stack, and the settings its own construct gave it. */
interface ManagedLogGroup {
  readonly logGroup: logs.LogGroup;
  readonly own: ConnectUserIdentityLogOptions;
}

/**
 * The Lambda function behind every `ConnectUserIdentity` of a stack, with its role and log group.
 * There is one per stack however many users are declared; use
 * [ConnectUserIdentityProvider.of](#connect-user-identity.ConnectUserIdentityProvider.of) to find it, and
 * [ConnectUserIdentityProvider.configure](#connect-user-identity.ConnectUserIdentityProvider.configure) to
 * set its log retention and removal policy.
 */
export class ConnectUserIdentityProvider extends Construct {
  /** Finds the stack's provider, creating it on first use. */
  public static of(scope: Construct): ConnectUserIdentityProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof ConnectUserIdentityProvider ? existing : new ConnectUserIdentityProvider(stack, PROVIDER_ID);
  }

  /**
   * Sets the log retention and removal policy of the library's stateful resources in the stack of
   * `scope`: the provider's log group and ledger, and a drift check's log group unless its props set
   * their own. Call it once per stack, before or after declaring users (it creates the provider if the
   * stack has none yet). Two calls that give one setting different values fail the synth.
   *
   * @param scope any construct of the stack
   * @returns the stack's provider
   */
  public static configure(scope: Construct, props: ConnectUserIdentityProviderProps): ConnectUserIdentityProvider {
    const provider = ConnectUserIdentityProvider.of(scope);
    provider.applySettings(props);
    return provider;
  }

  /** How long one event may take: long enough to wait out Connect's throttling for a large deploy. */
  public static readonly TIMEOUT = Duration.minutes(15);

  /** The handler function; its ARN is the service token of every declared user. */
  public readonly function: lambda.Function;
  /** The handler's role: Connect rights on the declared users only, and its own log group. */
  public readonly role: iam.Role;
  /** The handler's log group, with a retention period. */
  public readonly logGroup: logs.LogGroup;
  /**
   * The work ledger: one item per custom resource (and drift check) saying which request is current, who
   * works on it and how far it got, so that an event or hand-over delivered twice or late does nothing.
   * It holds IDs, counts and times, never an identity value; items expire a week after their last write.
   */
  public readonly ledger: dynamodb.Table;

  private readonly users: ManagedUser[] = [];
  /** Declared users by `<instance ID>/<user ID or username>`, with where they were declared. */
  private readonly declarations = new Map<string, string>();
  /**
   * The scope decided for the users declared so far. Deciding it estimates the size of whole policy
   * documents; synthesis asks twice (wildcard acknowledgements, rendering), so it is kept until a user
   * is added.
   */
  private decidedScope?: PolicyScope;
  /** What the roster path needs beyond the per-user rights: its declaration files, and itself. */
  private rosterAccess?: { policy: iam.Policy; declarationFiles: iam.PolicyStatement; readable: Map<string, string> };
  /** The stack's last roster stage: the next one waits for it. */
  private lastStage?: CustomResource;
  /** Dynamic references in the declarations of the stack. */
  private dynamicReferences = 0;
  /** The settings given with `configure`. */
  private readonly settings: { logRetention?: logs.RetentionDays; removalPolicy?: RemovalPolicy } = {};
  /** Settings given twice with different values: synth errors. */
  private readonly settingConflicts: string[] = [];
  /** The library's log groups in the stack, which follow the settings. */
  private readonly logGroups: ManagedLogGroup[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: DEFAULT_LOG_RETENTION, removalPolicy: DEFAULT_REMOVAL_POLICY });
    this._manageLogGroup(this.logGroup, {});
    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      // Coordination data only, rebuilt by the next deploy: nothing to keep when the stack goes (unless
      // `configure` says otherwise).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.ledger).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'The ledger holds only which request of each resource is current and how far its work got (IDs, counts, times), for days; a backup would restore outdated coordination state.',
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads and updates the identity of the Amazon Connect users declared in this stack',
    });
    // The policies are rendered at synth, once every user of the stack is known, so that their scope
    // can follow their size. They stay inline in the role, so the function cannot run before them.
    (this.role.node.defaultChild as iam.CfnRole).policies = Lazy.any({ produce: () => this.renderPolicies() });

    this.function = new lambda.Function(this, 'Handler', {
      description: 'Applies the declared identities of Amazon Connect users (Custom::ConnectUserIdentity)',
      ...handlerFunctionDefaults(),
      handler: 'index.handler',
      timeout: ConnectUserIdentityProvider.TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      environment: { [LEDGER_TABLE_ENV]: this.ledger.tableName },
    });
    this.function.configureAsyncInvoke(ASYNC_INVOKE_SETTINGS);

    this.node.addValidation({ validate: () => this.settingConflicts });
    this.node.addValidation({
      validate: () =>
        this.dynamicReferences > MAX_DYNAMIC_REFERENCES
          ? [
              `the stack's declarations hold ${this.dynamicReferences} dynamic references ({{resolve:...}}); CloudFormation resolves at most ${MAX_DYNAMIC_REFERENCES} in a template: ` +
                'declare the others with literal values in a roster (their values then travel in a file asset, not the template), or split them across stacks',
            ]
          : [],
    });

    // Once every user of the stack is declared, the granted wildcards are known and can be acknowledged.
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node === this) this.acknowledgeWildcards();
      },
    });
  }

  /**
   * Grants the handler what it needs for one more declared user. Returns the construct path of an
   * earlier declaration of the same user in this stack, if any: two declarations would overwrite each
   * other on every deploy, in no set order.
   * @internal
   */
  public _manageUser(user: ManagedUser, declaredAt: string, username?: string): string | undefined {
    this.users.push(user);
    this.decidedScope = undefined;
    const userKey = user.userId ?? (username === undefined ? undefined : `username:${username}`);
    if (user.instanceId === undefined || userKey === undefined || Token.isUnresolved(userKey)) return undefined;
    // Instance IDs are compared without regard to case, as Connect compares them.
    const key = `${user.instanceId.toLowerCase()}/${userKey}`;
    const earlier = this.declarations.get(key);
    if (earlier === undefined) this.declarations.set(key, declaredAt);
    return earlier;
  }

  /**
   * Makes a log group of the library follow the stack's settings, where `own` (its construct's props)
   * leaves them open; now, and whenever `configure` changes them.
   * @internal
   */
  public _manageLogGroup(logGroup: logs.LogGroup, own: ConnectUserIdentityLogOptions): void {
    const managed = { logGroup, own };
    this.logGroups.push(managed);
    this.applyTo(managed);
  }

  /**
   * Counts dynamic references of a declaration, so that a stack that passes CloudFormation's limit
   * fails synth rather than deploy.
   * @internal
   */
  public _countDynamicReferences(count: number): void {
    this.dynamicReferences += count;
  }

  /**
   * Adds a roster stage: it runs after the stack's previous stage (stages share Connect's quota, so
   * they take turns), and the handler may read its declaration file (`readableAs`, an S3 object ARN
   * pattern) and invoke itself, to go on with a stage that takes longer than one invocation.
   * @internal
   */
  public _addRosterStage(stage: CustomResource, readableAs: string): void {
    const access = (this.rosterAccess ??= this.createRosterAccess());
    // The same pattern comes back as a new token from each stage: compare what it renders to.
    const rendered = JSON.stringify(Stack.of(this).resolve(readableAs));
    if (!access.readable.has(rendered)) {
      access.readable.set(rendered, readableAs);
      access.declarationFiles.addResources(readableAs);
    }
    stage.node.addDependency(access.policy);
    if (this.lastStage) stage.node.addDependency(this.lastStage);
    this.lastStage = stage;
    this.decidedScope = undefined;
  }

  /**
   * The Connect statements a role needs to list and read the stack's declared users (and, with `write`,
   * update them), at the scope the handler's own are granted: for a drift check.
   * @internal
   */
  public _connectStatementsFor(write: boolean): StatementJson[] {
    return connectStatements(this.users, this.connectPolicyScope, { write, list: true });
  }

  /**
   * The ARN patterns of the stack's roster declaration files, for `s3:GetObject`.
   * @internal
   */
  public get _declarationFilePatterns(): string[] {
    return this.rosterAccess ? [...this.rosterAccess.readable.values()] : [];
  }

  /**
   * Why a wildcard in a Connect statement or a declaration file pattern is granted, for cdk-nag.
   * @internal
   */
  public _wildcardReason(resource: string): string {
    if (resource.includes(':s3:::')) {
      return "The roster's declaration files in the asset bucket, current and previous (a rollback reads the previous one); the key prefix is this stack's alone.";
    }
    return resource.includes('instance/*')
      ? `The instance is only known at deploy time, or the stack declares users in too many instances to list each within IAM's ${ROLE_POLICY_SIZE_LIMIT}-character limit for a role's policies; the grant stays within one account and region, to reading and updating users (and reading instances).`
      : this.connectPolicyScope === 'user'
        ? 'Users of this instance are named by username, so their IDs are only known at deploy time; the grant is limited to the users of this one instance.'
        : `The stack declares more users than fit as single ARNs within IAM's ${ROLE_POLICY_SIZE_LIMIT}-character limit for a role's policies; the grant is limited to the users of this one instance.`;
  }

  /** The scope the Connect statements are granted at, decided from their rendered size. */
  public get connectPolicyScope(): PolicyScope {
    if (this.decidedScope === undefined) {
      const others =
        estimatePolicySize(this, LOGS_POLICY_NAME, this.logsPolicy()) +
        estimatePolicySize(this, LEDGER_POLICY_NAME, this.ledgerPolicy()) +
        (this.rosterAccess
          ? estimatePolicySize(this, String(Stack.of(this).resolve(this.rosterAccess.policy.policyName)), this.rosterAccess.policy.document)
          : 0);
      this.decidedScope = chooseScope(this, this.users, CONNECT_POLICY_NAME, others);
    }
    return this.decidedScope;
  }

  private applySettings(props: ConnectUserIdentityProviderProps): void {
    for (const [name, value] of [['logRetention', props.logRetention], ['removalPolicy', props.removalPolicy]] as const) {
      if (value === undefined) continue;
      const earlier = this.settings[name];
      if (earlier !== undefined && earlier !== value) {
        this.settingConflicts.push(
          `ConnectUserIdentityProvider.configure gave ${name} two values in this stack (${earlier} and ${value}): configure each stack once, or give the same value`,
        );
        continue;
      }
      (this.settings as Record<string, unknown>)[name] = value;
    }
    for (const managed of this.logGroups) this.applyTo(managed);
    if (this.settings.removalPolicy !== undefined) this.ledger.applyRemovalPolicy(this.settings.removalPolicy);
  }

  private applyTo({ logGroup, own }: ManagedLogGroup): void {
    const retention = own.logRetention ?? this.settings.logRetention ?? DEFAULT_LOG_RETENTION;
    // As logs.LogGroup renders it: INFINITE is a log group without RetentionInDays.
    (logGroup.node.defaultChild as logs.CfnLogGroup).retentionInDays = retention === logs.RetentionDays.INFINITE ? undefined : retention;
    logGroup.applyRemovalPolicy(own.removalPolicy ?? this.settings.removalPolicy ?? DEFAULT_REMOVAL_POLICY);
  }

  private createRosterAccess() {
    const declarationFiles = new iam.PolicyStatement({ sid: 'ReadRosterDeclarations', actions: ['s3:GetObject'] });
    const prefixHash = /^connect-user-roster-([0-9a-f]+)-$/.exec(declarationKeyPrefix(this))![1];
    const policy = new iam.Policy(this, `${ROSTER_POLICY_ID}${prefixHash}`, {
      roles: [this.role],
      statements: [
        declarationFiles,
        // A separate policy, because it names the function, which itself waits for the role.
        new iam.PolicyStatement({ sid: 'ContinueOwnWork', actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
      ],
    });
    return { policy, declarationFiles, readable: new Map<string, string>() };
  }

  private acknowledgeWildcards(): void {
    if (this.rosterAccess) {
      acknowledgeWildcardResources(
        this.rosterAccess.policy,
        [{ Sid: 'ReadRosterDeclarations', Effect: 'Allow', Action: 's3:GetObject', Resource: this._declarationFilePatterns }],
        (resource) => this._wildcardReason(resource),
      );
    }
    acknowledgeWildcardResources(this.role, connectStatements(this.users, this.connectPolicyScope), (resource) => this._wildcardReason(resource));
  }

  private logsPolicy() {
    const statement: StatementJson = {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: this.logGroup.logGroupArn,
    };
    return policyDocument([statement]);
  }

  /**
   * What deciding "is this the current work?" needs: the ledger's items (read, and conditional writes), and
   * whether CloudFormation still waits on one of the stack's resources.
   * @internal
   */
  public _ledgerStatements(): StatementJson[] {
    return [
      { Sid: 'CurrentWorkLedger', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: this.ledger.tableArn },
      { Sid: 'CloudFormationWaits', Effect: 'Allow', Action: 'cloudformation:DescribeStackResource', Resource: Aws.STACK_ID },
    ];
  }

  private ledgerPolicy() {
    return policyDocument(this._ledgerStatements());
  }

  private renderPolicies(): iam.CfnRole.PolicyProperty[] {
    const policies: iam.CfnRole.PolicyProperty[] = [
      { policyName: LOGS_POLICY_NAME, policyDocument: this.logsPolicy() },
      { policyName: LEDGER_POLICY_NAME, policyDocument: this.ledgerPolicy() },
    ];
    if (this.users.length > 0) {
      policies.push({
        policyName: CONNECT_POLICY_NAME,
        policyDocument: policyDocument(connectStatements(this.users, this.connectPolicyScope)),
      });
    }
    return policies;
  }
}
