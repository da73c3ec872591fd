/**
 * The contract of the roster deploy path, shared by the construct and the handler: what a stage's
 * declaration file holds, how a user is keyed, which stage a user falls in, and the fingerprint that
 * lets `cdk diff` name a changed user without showing a value.
 *
 * Like identity-rules, this module is bundled into the handler and must not import `aws-cdk-lib`.
 */
import { createHash } from 'node:crypto';
import { IdentityRecord, parseInstanceReference } from './identity-rules';

/** The CloudFormation type of a roster stage: one resource per stage of a roster, not per user. */
export const ROSTER_STAGE_RESOURCE_TYPE = 'Custom::ConnectUserRoster';

/** The `format` of a stage's declaration file; the handler refuses any other. */
export const DECLARATION_FORMAT = 'connect-user-roster/1';

/** One declared user, as a stage's declaration file holds it: the API's names and casing. */
export interface RosterDeclaration {
  /** The instance ID or ARN, as declared. */
  readonly InstanceId: string;
  readonly UserId?: string;
  readonly Username?: string;
  /** The declared fields only. */
  readonly IdentityInfo: IdentityRecord;
}

/** The JSON document of one stage: its users, sorted by {@link userKey}. */
export interface DeclarationDocument {
  readonly format: typeof DECLARATION_FORMAT;
  readonly declarations: RosterDeclaration[];
}

/** Where a stage's declaration file is deployed: an S3 object readable only by the handler's role. */
export interface DeclarationLocation {
  readonly Bucket: string;
  readonly Key: string;
}

/** The properties of a `Custom::ConnectUserRoster` resource, as CloudFormation sends them. */
export interface RosterStageResourceProperties {
  /** The stage's declaration file. Its key changes with its content, so any change is an Update. */
  readonly Declarations: DeclarationLocation;
  /**
   * `{ <instance ID>: { <user key>: <fingerprint> } }`: who this stage declares, and a fingerprint of
   * each declaration, so that `cdk diff` names exactly the users whose declaration changed. The handler
   * reads the values from the declaration file, never from here.
   */
  readonly Users: Record<string, Record<string, string>>;
  /** How long CloudFormation waits for the answer, in seconds (a string, as CloudFormation sends it). */
  readonly ServiceTimeout?: string;
  /**
   * `'true'` when users that Connect does not know are skipped and counted rather than failing the stage
   * (`skipUsersNotInConnect`); absent otherwise, so that a roster without the option keeps its template.
   * The drift check does not check skipped users either.
   */
  readonly SkipUsersNotInConnect?: 'true';
}

/** Whether a stage's properties (as CloudFormation sends them: strings) ask to skip users that Connect does not know. */
export function skipsUsersNotInConnect(properties: Partial<RosterStageResourceProperties> | undefined): boolean {
  const value = (properties as { SkipUsersNotInConnect?: unknown } | undefined)?.SkipUsersNotInConnect;
  return value === 'true' || value === true;
}

/**
 * How many users a stage holds at most, on average. At Connect's default quota (2 requests a second
 * for each API) a stage of 2,500 users takes about 1,250 s; CloudFormation waits at most an hour for a
 * custom resource, so a stage ends in time even when other callers use a third of the quota.
 */
export const STAGE_CAPACITY = 2_500;

/**
 * How many stages a roster of `userCount` users is split into: a power of two, so that when a roster
 * grows past a threshold each stage splits in two and the other users stay where they were.
 */
export function stageCount(userCount: number): number {
  let count = 1;
  while (userCount > count * STAGE_CAPACITY) count *= 2;
  return count;
}

/** 12 hex characters of a SHA-256: enough to tell a stack's users apart, too few to carry the input. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The bare instance ID of an instance ID or ARN (the string itself when it is neither). */
export function bareInstanceId(instanceId: string): string {
  return parseInstanceReference(instanceId)?.instanceId ?? instanceId;
}

/**
 * How a stage names a user, within its instance: the user ID, or `Username:` and the username's hash
 * (the same hash the roster's construct IDs use), so that neither a template nor a log shows a username.
 */
export function userKey(declaration: Pick<RosterDeclaration, 'InstanceId' | 'UserId' | 'Username'>): string {
  if (declaration.UserId !== undefined) return declaration.UserId;
  return `Username:${usernameHash(declaration.InstanceId, declaration.Username ?? '')}`;
}

/** The hash that stands for a username: of `<bare instance ID>/<username>`. */
export function usernameHash(instanceId: string, username: string): string {
  return shortHash(`${bareInstanceId(instanceId)}/${username}`);
}

/** The stage (0 to count − 1) a user falls in: by a hash of who the user is, never by position. */
export function stageOf(declaration: RosterDeclaration, count: number): number {
  if (count <= 1) return 0;
  const who = `${bareInstanceId(declaration.InstanceId).toLowerCase()}/${userKey(declaration)}`;
  return parseInt(createHash('sha256').update(who).digest('hex').slice(0, 8), 16) % count;
}

/**
 * A fingerprint of one user's declaration, for `cdk diff` only: it changes when the declaration does.
 * It is salted with the user's instance and key, so that equal declarations of different users differ;
 * like the username hash, it is not anonymization: a guess of every declared value can be checked
 * against it.
 */
export function fingerprint(declaration: RosterDeclaration): string {
  const info = declaration.IdentityInfo;
  const canonical = JSON.stringify([
    bareInstanceId(declaration.InstanceId),
    declaration.InstanceId,
    userKey(declaration),
    ...Object.keys(info)
      .sort()
      .map((field) => [field, info[field as keyof IdentityRecord]]),
  ]);
  return shortHash(`connect-user-roster/fingerprint\0${canonical}`);
}

/** Orders declarations by instance, then key: the order of a declaration file, and of the handler's work. */
export function compareDeclarations(a: RosterDeclaration, b: RosterDeclaration): number {
  const byInstance = compare(bareInstanceId(a.InstanceId), bareInstanceId(b.InstanceId));
  return byInstance !== 0 ? byInstance : compare(userKey(a), userKey(b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
