/**
 * The declaration a stack has deployed now, where the deploy path reads it: the stack's current template
 * (users declared one resource each) and the roster stages' declaration files it names. Each resource's
 * declaration has a version (a stage's file key, which changes with its content; a single user's
 * fingerprint), so that a check can tell which users' declarations changed since it last looked, and
 * the previous file of a stage can be read to tell which of its users changed.
 */
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { containsDynamicReference, hasInstanceIdShape, isUserId, parseInstanceReference } from '../../lib/identity-rules';
import { RESOURCE_TYPE } from '../../lib/resource-properties';
import { bareInstanceId, compareDeclarations, DeclarationLocation, fingerprint, ROSTER_STAGE_RESOURCE_TYPE, RosterDeclaration, skipsUsersNotInConnect } from '../../lib/roster-declarations';
import { DeclarationError } from '../../core/failure-reasons';
import { DeclarationFile, declarationId, readDeclarationFile, sameDeclaration } from '../runtime/declarations';
import { cloudFormationClient } from '../runtime/stack-state';

/** A declared user, and the resource that declares it. */
export interface DeclaredUser {
  readonly declaration: RosterDeclaration;
  /** The logical ID of its resource. */
  readonly resource: string;
  /** Its roster skips it while Connect does not know it (`skipUsersNotInConnect`): then it is no failure. */
  readonly skippedWhileNotInConnect?: boolean;
}

/** A declaration that cannot be checked as it is, with the fields at fault (no value). */
export interface InvalidDeclaration {
  readonly resource: string;
  readonly instanceId: string;
  readonly user: string;
  readonly fields: string;
}

/** What the stack declares now. */
export interface DeployedDeclaration {
  /** Users a check can compare, by instance key, each instance's list sorted as the stages sort it. */
  readonly instances: Map<string, DeclaredInstance>;
  /** Logical IDs of users whose declaration holds a value only CloudFormation resolves. */
  readonly notChecked: string[];
  readonly invalid: InvalidDeclaration[];
  /** Each resource's version. */
  readonly versions: Record<string, string>;
  /** Each stage's declaration file, to read an earlier version of it beside it. */
  readonly stageFiles: Record<string, DeclarationLocation>;
}

/** The users one instance declares. */
export interface DeclaredInstance {
  /** The instance as a call names it (bare ID), and its region. */
  readonly instanceId: string;
  readonly region: string;
  readonly users: DeclaredUser[];
  /** The versions of the resources that declare its users. */
  readonly versions: Record<string, string>;
}

/** How an instance is keyed in the ledger: its region and bare ID, in lower case (Connect compares IDs without case). */
export function instanceKey(declaration: Pick<RosterDeclaration, 'InstanceId'>, defaultRegion: string): string {
  const region = parseInstanceReference(declaration.InstanceId)?.region ?? defaultRegion;
  return `${region}/${bareInstanceId(declaration.InstanceId).toLowerCase()}`;
}

/** Parsed declaration files by location, for the life of the container: a file's key changes with its content. */
const fileCache = new Map<string, Promise<DeclarationFile>>();

/** Reads a declaration file once per container. */
export function cachedDeclarationFile(location: DeclarationLocation, region: string): Promise<DeclarationFile> {
  const key = `${location.Bucket}/${location.Key}`;
  let file = fileCache.get(key);
  if (!file) {
    file = readDeclarationFile(location, region, new AbortController().signal);
    fileCache.set(key, file);
    file.catch(() => fileCache.delete(key));
  }
  return file;
}

/** The stack's current template, read as the declaration deployed now. */
export async function deployedDeclaration(stackId: string, defaultRegion: string): Promise<DeployedDeclaration> {
  const got = await cloudFormationClient().send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }));
  let template: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  try {
    template = JSON.parse(got.TemplateBody ?? '{}');
  } catch {
    throw new DeclarationError('the deployed template is not JSON');
  }
  const [, partition, , region, account] = stackId.split(':');
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': partition };
  const resources = Object.entries(template.Resources ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const users: DeclaredUser[] = [];
  const notChecked: string[] = [];
  const invalid: InvalidDeclaration[] = [];
  const versions: Record<string, string> = {};
  const stageFiles: Record<string, DeclarationLocation> = {};
  for (const [logicalId, resource] of resources) {
    const properties = resource.Properties ?? {};
    if (resource.Type === ROSTER_STAGE_RESOURCE_TYPE) {
      const location = properties.Declarations as { Bucket?: unknown; Key?: unknown } | undefined;
      const bucket = substitute(location?.Bucket, pseudo);
      if (typeof bucket !== 'string' || typeof location?.Key !== 'string') throw new DeclarationError(`${logicalId}: its declaration file cannot be located`);
      const file = await cachedDeclarationFile({ Bucket: bucket, Key: location.Key }, region || defaultRegion);
      const bad = new Map(file.invalid.map((entry) => [entry.index, entry.problems]));
      const skipping = skipsUsersNotInConnect(properties);
      file.declarations.forEach((declaration, index) => {
        const problems = bad.get(index);
        if (!problems) users.push({ declaration, resource: logicalId, ...(skipping ? { skippedWhileNotInConnect: true } : {}) });
        else invalid.push({ resource: logicalId, ...nameOf(declaration), fields: [...new Set(problems.map((problem) => problem.field))].join(', ') });
      });
      versions[logicalId] = location.Key;
      stageFiles[logicalId] = { Bucket: bucket, Key: location.Key };
    } else if (resource.Type === RESOURCE_TYPE) {
      const declaration = literalDeclaration(properties);
      if (declaration) {
        users.push({ declaration, resource: logicalId });
        versions[logicalId] = fingerprint(declaration);
      } else notChecked.push(logicalId);
    }
  }
  const instances = new Map<string, DeclaredInstance>();
  for (const user of users) {
    const key = instanceKey(user.declaration, defaultRegion);
    let instance = instances.get(key);
    if (!instance) {
      instance = { instanceId: bareInstanceId(user.declaration.InstanceId), region: key.slice(0, key.indexOf('/')), users: [], versions: {} };
      instances.set(key, instance);
    }
    instance.users.push(user);
    instance.versions[user.resource] = versions[user.resource];
  }
  for (const instance of instances.values()) instance.users.sort((a, b) => compareDeclarations(a.declaration, b.declaration) || (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  return { instances, notChecked, invalid, versions, stageFiles };
}

/**
 * Which users of `instance` are declared as they were when the versions `covered` were current: those of a
 * resource whose version is the same, and those of a stage whose earlier file (read beside the current one)
 * declares them the same way. An earlier file that cannot be read makes every user of its stage changed.
 */
export async function unchangedSince(instance: DeclaredInstance, covered: Record<string, string> | undefined, stageFiles: Record<string, DeclarationLocation>, region: string): Promise<boolean[]> {
  if (!covered) return instance.users.map(() => false);
  const earlier = new Map<string, Promise<Map<string, RosterDeclaration> | undefined>>();
  const earlierOf = (resource: string) => {
    let file = earlier.get(resource);
    if (!file) {
      const current = stageFiles[resource];
      const key = covered[resource];
      file =
        current && key
          ? cachedDeclarationFile({ Bucket: current.Bucket, Key: key }, region).then(
              (read) => new Map(read.declarations.map((declaration) => [declarationId(declaration), declaration])),
              () => undefined,
            )
          : Promise.resolve(undefined);
      earlier.set(resource, file);
    }
    return file;
  };
  return Promise.all(
    instance.users.map(async (user) => {
      if (covered[user.resource] === undefined) return false;
      if (covered[user.resource] === instance.versions[user.resource]) return true;
      const before = (await earlierOf(user.resource))?.get(declarationId(user.declaration));
      return before !== undefined && sameDeclaration(before, user.declaration);
    }),
  );
}

/** `Fn::Sub` of pseudo parameters only (the asset bucket's name); anything else is left unresolved. */
function substitute(value: unknown, pseudo: Record<string, string>): unknown {
  if (typeof value === 'string') return value;
  const template = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof template !== 'string') return undefined;
  let unresolved = false;
  const resolved = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? ((unresolved = true), ''));
  return unresolved ? undefined : resolved;
}

/** A user resource's declaration when every value of it is a literal that needs no CloudFormation. */
function literalDeclaration(properties: Record<string, unknown>): RosterDeclaration | undefined {
  const literal = (value: unknown) => typeof value === 'string' && !containsDynamicReference(value);
  const info = properties.IdentityInfo as Record<string, unknown> | undefined;
  if (!literal(properties.InstanceId)) return undefined;
  if (properties.UserId !== undefined ? !literal(properties.UserId) : !literal(properties.Username)) return undefined;
  if (!info || typeof info !== 'object' || !Object.values(info).every(literal)) return undefined;
  return {
    InstanceId: properties.InstanceId as string,
    ...(properties.UserId !== undefined ? { UserId: properties.UserId as string } : { Username: properties.Username as string }),
    IdentityInfo: info as RosterDeclaration['IdentityInfo'],
  };
}

/** How a log line names a declaration that may be malformed: only parts shaped like IDs. */
function nameOf(declaration: Partial<RosterDeclaration> | undefined): { instanceId: string; user: string } {
  const instance = typeof declaration?.InstanceId === 'string' ? bareInstanceId(declaration.InstanceId) : undefined;
  return { instanceId: hasInstanceIdShape(instance) ? instance : 'the declared instance', user: isUserId(declaration?.UserId) ? declaration.UserId : 'a user' };
}
