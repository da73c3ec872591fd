/**
 * Reads a roster stage's declaration file from the asset bucket, and works out which of its users a
 * deploy must look at: all of them on Create, and on Update only those whose declaration is new or
 * differs from the previous file's.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Problem, validateIdentityInfo, validateInstanceReference, validateUserReference } from '../../lib/identity-rules';
import { DECLARATION_FORMAT, DeclarationLocation, RosterDeclaration, userKey, bareInstanceId } from '../../lib/roster-declarations';
import { DeclarationError } from '../../core/failure-reasons';

const clients = new Map<string, S3Client>();

function s3Client(region: string): S3Client {
  let client = clients.get(region);
  if (!client) {
    client = new S3Client({ region, maxAttempts: 4, requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000 } });
    clients.set(region, client);
  }
  return client;
}

/** A declaration of the file that cannot be applied as it is, with why (IDs and fields only). */
export interface InvalidDeclaration {
  readonly index: number;
  readonly problems: Problem[];
}

/** A declaration file, read and checked. */
export interface DeclarationFile {
  readonly declarations: RosterDeclaration[];
  /** Declarations that fail the shared rules (a file written by hand, or by another version). */
  readonly invalid: InvalidDeclaration[];
}

/**
 * Reads and checks the file at `location`. Throws a DeclarationError, whose message names the key and
 * never the content, when the file cannot be read or is not a declaration file.
 */
export async function readDeclarationFile(location: DeclarationLocation, region: string, signal: AbortSignal): Promise<DeclarationFile> {
  let text: string;
  try {
    const response = await s3Client(region).send(new GetObjectCommand({ Bucket: location.Bucket, Key: location.Key }), { abortSignal: signal });
    text = (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (signal.aborted) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const why =
      name === 'NoSuchKey'
        ? 'is not in the asset bucket (was it removed by `cdk gc`? keep previous roster files through a rollback: see the README)'
        : name === 'AccessDenied'
          ? "cannot be read: access denied (the handler's role may read only this stack's declaration files)"
          : `cannot be read (${name})`;
    throw new DeclarationError(`the declaration file ${location.Key} ${why}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new DeclarationError(`the declaration file ${location.Key} is not valid JSON`);
  }
  const declarations = (document as { format?: unknown; declarations?: unknown })?.declarations;
  if ((document as { format?: unknown })?.format !== DECLARATION_FORMAT || !Array.isArray(declarations)) {
    throw new DeclarationError(`the declaration file ${location.Key} is not a ${DECLARATION_FORMAT} document`);
  }
  const invalid: InvalidDeclaration[] = [];
  declarations.forEach((declaration: Record<string, unknown>, index) => {
    const problems = [
      ...validateInstanceReference(declaration?.InstanceId),
      ...validateUserReference(declaration?.UserId, declaration?.Username),
      ...validateIdentityInfo(declaration?.IdentityInfo),
    ];
    if (problems.length > 0) invalid.push({ index, problems });
  });
  return { declarations: declarations as RosterDeclaration[], invalid };
}

/** A declaration's identity within a stage: its bare instance ID and its user key. */
export function declarationId(declaration: RosterDeclaration): string {
  return `${bareInstanceId(declaration.InstanceId).toLowerCase()}/${userKey(declaration)}`;
}

/** Whether two declarations of one user declare the same thing. */
export function sameDeclaration(a: RosterDeclaration, b: RosterDeclaration): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(declaration: RosterDeclaration): unknown[] {
  const info = declaration.IdentityInfo ?? {};
  return [
    declaration.InstanceId,
    declaration.UserId ?? null,
    declaration.Username ?? null,
    ...Object.keys(info)
      .sort()
      .map((field) => [field, info[field as keyof typeof info]]),
  ];
}

/**
 * The indexes of the declarations of `current` that a deploy must apply: all of them without a
 * previous file, else those that are new or changed since it. A user removed from the roster is left
 * as it is, as a deleted declaration always is.
 */
export function changedDeclarations(current: RosterDeclaration[], previous: RosterDeclaration[] | undefined): number[] {
  if (!previous) return current.map((_, index) => index);
  const before = new Map(previous.map((declaration) => [declarationId(declaration), declaration]));
  const changed: number[] = [];
  current.forEach((declaration, index) => {
    const earlier = before.get(declarationId(declaration));
    if (!earlier || !sameDeclaration(earlier, declaration)) changed.push(index);
  });
  return changed;
}
