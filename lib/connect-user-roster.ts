/**
 * The roster construct: every entry of a roster declared in one stack, from a few agents to a whole
 * contact center.
 *
 * Entries whose values are all known at synth go to the roster deploy path: they are split into a few
 * stages (see roster-declarations.ts), and each stage is one custom resource whose declarations travel
 * in a file asset, never in the template. Stages run one after another, each paced to Connect's quota
 * by the handler. Entries holding a value only known at deploy time (a token or a dynamic reference,
 * which only CloudFormation can resolve) are declared one `ConnectUserIdentity` each, as before.
 */
import { Annotations, CustomResource, Duration, Stack, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { userArn as userArnOf } from './connect-access-policy';
import { ConnectUserIdentity, findPropProblems, isDeployTimeValue } from './connect-user-identity';
import { ConnectUserIdentityProvider } from './connect-user-identity-provider';
import { addDeclarationFile } from './declaration-file';
import { RosterDashboardProps, rosterDashboard } from './deploy-dashboard';
import { DEPLOY_PROGRESS_METRICS } from './deploy-progress-metrics';
import { hasInstanceIdShape, isUserId, parseInstanceReference } from './identity-rules';
import {
  bareInstanceId,
  compareDeclarations,
  DECLARATION_FORMAT,
  fingerprint,
  ROSTER_STAGE_RESOURCE_TYPE,
  RosterDeclaration,
  RosterStageResourceProperties,
  shortHash,
  stageCount,
  stageOf,
  userKey,
} from './roster-declarations';
import { duplicateProblem, formatProblem, instanceKeyOf, Roster, RosterEntry } from './roster';
import { declarationOf } from './roster/entry';

/** The template bytes of one staged user besides its key: indentation, quotes, fingerprint, line end. */
const TEMPLATE_BYTES_PER_USER = 26;
/** The template bytes a stack's rosters may take, out of CloudFormation's 1,000,000. */
const ROSTER_TEMPLATE_BUDGET = 900_000;


/**
 * The construct ID of an entry declared one resource per user (an entry with a value only known at
 * deploy time): derived from what names the user, never from the entry's position, so that reordering
 * a roster or adding to it replaces nobody.
 * - by UserId: `User-<instance ID>-<user ID>`;
 * - by Username: `UserByName-<instance ID>-<first 12 hex of sha256("<instance ID>/<username>")>`, so
 *   that the ID (and the logical ID, and the template) does not show the username.
 *
 * The instance ID is the bare ID also when the entry gives an ARN. An instance ID or user ID that is not
 * shaped like one Connect issues (a dynamic reference, or a login typed in the wrong field, which then
 * fails validation) is replaced by its hash.
 * Public contract: changing this function replaces every such user's resource.
 */
export function rosterConstructId(entry: Pick<RosterEntry, 'instanceId' | 'userId' | 'username'>): string {
  const instance = instanceKeyOf(entry.instanceId);
  // Only ID-shaped values enter a construct ID (and so a logical ID): anything else is hashed.
  const instancePart = hasInstanceIdShape(instance) ? instance : shortHash(instance);
  if (entry.userId !== undefined) {
    return `User-${instancePart}-${isUserId(entry.userId) ? entry.userId : shortHash(entry.userId)}`;
  }
  return `UserByName-${instancePart}-${shortHash(`${instance}/${entry.username ?? ''}`)}`;
}

/** Properties of a [ConnectUserRoster](#connect-user-identity.ConnectUserRoster). */
export interface ConnectUserRosterProps {
  /**
   * The roster to declare: `Roster.fromPath('agents.csv')`, or `Roster.fromUsers([...])`. Its problems,
   * if any, fail the synth, one validation error each.
   */
  readonly roster: Roster;
  /**
   * Whether an entry whose user Connect does not know at deploy time (no user with that UserId, or
   * with that Username, in its instance) is skipped rather than failing the deploy: for exports of a
   * whole department or group, where some people are not (yet) Connect users. Skipped users are counted
   * in the stage's answer and log (by user ID or username hash only), and are not checked for drift.
   * Every other failure still fails the stage. Entries declared one resource each (a value only known at
   * deploy time) are not concerned.
   * @default false - a user Connect does not know fails the stage, which names it
   */
  readonly skipUsersNotInConnect?: boolean;
}


/**
 * Declares every user of a roster, in one stack, whatever its size: a roster of 10,000 agents
 * synthesizes into a handful of resources.
 *
 * Users are deployed in stages of at most about 2,500, one stage after another; the handler paces its
 * calls to Connect's quota and writes only the users whose identity differs from the declaration. No
 * identity value or username of an entry appears in the template: they are deployed as a file asset
 * that only the handler reads, and the template names each user by ID (or by a hash of the username)
 * with a fingerprint of the declaration, so that `cdk diff` shows whose declaration changed.
 *
 * A user declared twice in one roster fails here, naming both entries; a user declared both here and
 * elsewhere in the stack fails synth, as any two declarations of one user do.
 */
export class ConnectUserRoster extends Construct {
  /**
   * How long CloudFormation waits for one stage: the most it allows a custom resource. The handler
   * works on in several invocations of its own, each within Lambda's 15 minutes.
   */
  public static readonly STAGE_TIMEOUT = Duration.hours(1);

  /** The roster's entries without problems, in the roster's order: the users it declares. */
  public readonly entries: RosterEntry[];
  /**
   * The entries declared one resource each, because a value of theirs is only known at deploy time
   * (a token or a dynamic reference).
   */
  public readonly deployTimeUsers: ConnectUserIdentity[];
  /** How many stages the other entries are deployed in. */
  public readonly stageCount: number;

  private readonly arns = new Map<string, string>();
  private readonly skipUsersNotInConnect: boolean;

  constructor(scope: Construct, id: string, props: ConnectUserRosterProps) {
    super(scope, id);
    this.entries = [...props.roster.entries];
    this.skipUsersNotInConnect = props.skipUsersNotInConnect === true;
    const provider = ConnectUserIdentityProvider.of(this);
    const skippedRows = props.roster.skippedRows ?? 0;
    if (skippedRows > 0) {
      Annotations.of(this).addInfo(`${skippedRows} row${skippedRows === 1 ? '' : 's'} of the roster declare${skippedRows === 1 ? 's' : ''} nothing in the columns its layout reads, and ${skippedRows === 1 ? 'is' : 'are'} skipped`);
    }
    const stack = Stack.of(this);

    const byUser = new Map<string, RosterEntry>();
    const staged: RosterDeclaration[] = [];
    // The roster's own problems, as CDK reports a prop mistake: one line each, at synth, all of them.
    const problems: string[] = (props.roster.problems ?? []).map(formatProblem);
    this.deployTimeUsers = [];
    for (const entry of this.entries) {
      // Instance IDs are compared without regard to case, as Connect compares them.
      const key = `${instanceKeyOf(entry.instanceId).toLowerCase()}/${entry.userId !== undefined ? `id:${entry.userId}` : `name:${entry.username}`}`;
      const earlier = byUser.get(key);
      // Entries that reach here unchecked (an object shaped like a Roster) are held to the roster's rules.
      if (earlier) {
        problems.push(formatProblem(duplicateProblem(entry, earlier)));
        continue;
      }
      byUser.set(key, entry);

      const values = [entry.instanceId, entry.userId, entry.username, ...Object.values(entry.identityInfo)];
      if (values.some((value) => value !== undefined && isDeployTimeValue(value))) {
        this.deployTimeUsers.push(
          new ConnectUserIdentity(this, rosterConstructId(entry), {
            instanceId: entry.instanceId,
            userId: entry.userId,
            username: entry.username,
            identityInfo: entry.identityInfo,
          }),
        );
        continue;
      }
      const reference = parseInstanceReference(entry.instanceId);
      const arnParts = {
        partition: reference?.partition ?? stack.partition,
        region: reference?.region ?? stack.region,
        account: reference?.account ?? stack.account,
      };
      const instance = bareInstanceId(entry.instanceId);
      const earlierDeclaration = provider._manageUser({ ...arnParts, instanceId: instance, userId: entry.userId }, `${this.node.path} (${entry.file}, entry ${entry.entry})`, entry.username);
      if (earlierDeclaration !== undefined) {
        this.node.addValidation({
          validate: () => [
            `${entry.file}: entry ${entry.entry} names the same user of the same instance as ${earlierDeclaration}; declare each user once per stack`,
          ],
        });
      }
      if (entry.userId !== undefined) this.arns.set(`${instance}/${entry.userId}`, userArnOf(arnParts, instance, entry.userId));
      for (const problem of findPropProblems(entry)) problems.push(`${entry.file}: entry ${entry.entry}: ${problem.field} ${problem.message}`);
      staged.push(declarationOf(entry));
    }

    if (problems.length > 0) {
      this.node.addValidation({ validate: () => problems });
      // A roster with errors is refused at synth: no declaration file is written, so that no value of it
      // (a name typed under InstanceId, say) reaches the cloud assembly.
      staged.length = 0;
    }

    // Each staged user is a line of the template (`"<key>": "<fingerprint>",`, indented): keep the
    // template under CloudFormation's 1,000,000 bytes, with room for the rest of the stack.
    const templateBytes = staged.reduce((sum, declaration) => sum + userKey(declaration).length + TEMPLATE_BYTES_PER_USER, 0);
    if (templateBytes > ROSTER_TEMPLATE_BUDGET) {
      this.node.addValidation({
        validate: () => [
          `the roster declares ${staged.length} users in stages, which take about ${templateBytes} bytes of the template: more than the ${ROSTER_TEMPLATE_BUDGET} a template of CloudFormation's 1,000,000 bytes leaves them; split the roster across stacks`,
        ],
      });
    }

    this.stageCount = stageCount(staged.length);
    const stages = Array.from({ length: this.stageCount }, () => [] as RosterDeclaration[]);
    for (const declaration of staged) stages[stageOf(declaration, this.stageCount)].push(declaration);
    stages.forEach((declarations, index) => {
      if (declarations.length > 0) this.addStage(provider, index, declarations);
    });
  }

  /**
   * The ARN of a user this roster declares by user ID, computed at synth. Users named by username, and
   * users whose instance is only known at deploy time, have no ARN here.
   * @param instanceId the instance ID or ARN, as in the roster
   * @param userId the user ID, as in the roster
   * @returns the user's ARN, or `undefined` when the roster declares no such user with a known ARN
   */
  public userArn(instanceId: string, userId: string): string | undefined {
    return this.arns.get(`${bareInstanceId(instanceId)}/${userId}`);
  }

  /**
   * A metric of the stack's roster deploys, which the stages publish once a minute while they work
   * (the stack's rosters together: their stages take turns). Summed over `period` (5 minutes unless told).
   * @param metricName one of `UsersDone`, `UsersTotal`, `UsersWritten`, `UsersUnchanged`, `UsersFailed`, `UsersSkipped`, `ThrottledRequests`, `UsersPerSecond`
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DEPLOY_PROGRESS_METRICS.namespace,
      metricName,
      dimensionsMap: { service: DEPLOY_PROGRESS_METRICS.service, StackName: Stack.of(this).stackName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** Users of the stage being deployed done so far: rises to `metricUsersTotal()` (stages run one after another). Maximum over `period`. */
  public metricUsersDone(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersDone, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Users the stage being deployed goes through (on an update, those whose declaration changed). Maximum over `period`. */
  public metricUsersTotal(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersTotal, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Users written, because a declared field differed. */
  public metricUsersWritten(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersWritten, props);
  }

  /** Users read and found to match their declaration: not written. */
  public metricUsersUnchanged(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersUnchanged, props);
  }

  /** Users that could not be applied: the stage then fails, naming each of them. */
  public metricUsersFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersFailed, props);
  }

  /** Users that Connect does not know, skipped because the roster skips them (`skipUsersNotInConnect`). */
  public metricUsersSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersSkipped, props);
  }

  /** Connect requests answered with a throttle: the pacer then slows down. */
  public metricThrottledRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.throttledRequests, props);
  }

  /** Users done per second, the deploy's current pace. Average over `period`. */
  public metricUsersPerSecond(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(DEPLOY_PROGRESS_METRICS.usersPerSecond, { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * Adds a CloudWatch dashboard of the stack's roster deploys: users done of total, what became of them,
   * pace and throttling, the stages' latest progress lines, and the drift check's results. Once per roster.
   * @returns the dashboard, construct ID `Dashboard` under the roster
   */
  public addDashboard(props: RosterDashboardProps = {}): cloudwatch.Dashboard {
    return rosterDashboard(this, 'Dashboard', this.entries.length, props);
  }

  private addStage(provider: ConnectUserIdentityProvider, index: number, declarations: RosterDeclaration[]): void {
    declarations.sort(compareDeclarations);
    // The ID names the stage, not the count: a roster that grows past a threshold keeps its stages (each
    // splits its users with a new one), so that a failed deploy rolls back with Updates that restore them.
    const stage = new Construct(this, `Stage${index + 1}`);
    const file = addDeclarationFile(stage, { format: DECLARATION_FORMAT, declarations });
    const users: RosterStageResourceProperties['Users'] = {};
    for (const declaration of declarations) {
      (users[bareInstanceId(declaration.InstanceId)] ??= {})[userKey(declaration)] = fingerprint(declaration);
    }
    const properties: Omit<RosterStageResourceProperties, 'ServiceTimeout'> = {
      Declarations: file.location,
      Users: users,
      ...(this.skipUsersNotInConnect ? { SkipUsersNotInConnect: 'true' as const } : {}),
    };
    const resource = new CustomResource(stage, 'Resource', {
      serviceToken: provider.function.functionArn,
      resourceType: ROSTER_STAGE_RESOURCE_TYPE,
      properties,
      serviceTimeout: ConnectUserRoster.STAGE_TIMEOUT,
    });
    provider._addRosterStage(resource, file.readableAs);
  }
}
