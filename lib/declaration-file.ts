/**
 * A roster stage's declaration file as a CDK file asset: written into the cloud assembly at synth,
 * published by `cdk deploy` to the environment's asset bucket, and read there by the handler. The
 * identity values travel this way so that the template, `cdk diff` and the CloudFormation console
 * never hold them.
 *
 * The object key is chosen here rather than left to CDK's content hash alone: every declaration file of
 * a stack starts with the same prefix, so that the handler's role can read the previous files too. A
 * rollback runs the previous declaration, whose file the current role policy must still allow.
 *
 * The prefix is the stack's alone, because what it hashes is what CloudFormation tells stacks apart by:
 * the stack's name, unique in an account and region (the asset bucket's scope), and for a nested stack
 * its place in its parent. Two stacks of one construct path deployed under two names (`Agents` as
 * `Agents-staging` and `Agents-prod`) get two prefixes, so neither's grant reads the other's files.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, FileAssetPackaging, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DeclarationDocument, DeclarationLocation, shortHash } from './roster-declarations';

/** A declaration file as deployed: where it is, and the resource to grant `s3:GetObject` on. */
export interface DeployedDeclarationFile {
  readonly location: DeclarationLocation;
  /** The ARN pattern covering this stack's declaration files, current and previous. */
  readonly readableAs: string;
}

const EXTENSION = '.json';

/**
 * The key prefix of a stack's declaration files, the same on every synth of that stack. Its hash is of
 * {@link deployedStackIdentity}, marked so that it never equals an earlier version's hash of a construct
 * path (a stack named `Agents` at the path `Agents`).
 */
export function declarationKeyPrefix(scope: IConstruct): string {
  return `connect-user-roster-${shortHash(`stack-name\0${deployedStackIdentity(Stack.of(scope))}`)}-`;
}

/**
 * What tells a deployed stack apart from every other stack that can share its asset bucket: a top-level
 * stack's name, which CDK requires to be literal and CloudFormation requires to be unique in an account
 * and region; for a nested stack (whose own name CloudFormation makes up at deploy time), the name of
 * the top-level stack it is deployed in, and its construct path below it, which is fixed for its
 * life (a nested stack that moves is a new one).
 */
export function deployedStackIdentity(stack: Stack): string {
  let top = stack;
  while (top.nestedStackParent) top = top.nestedStackParent;
  if (Token.isUnresolved(top.stackName)) {
    throw new Error(`${stack.node.path}: a roster needs a stack whose name is known at synth, to keep its declaration files apart from other stacks'`);
  }
  return stack === top ? top.stackName : `${top.stackName}${stack.node.path.slice(top.node.path.length)}`;
}

/** Writes the document into the cloud assembly and registers it as a file asset of the stack. */
export function addDeclarationFile(scope: IConstruct, document: DeclarationDocument): DeployedDeclarationFile {
  const stack = Stack.of(scope);
  const stage = Stage.of(scope);
  if (!stage) throw new Error(`${scope.node.path}: a roster must be declared within an App or a Stage`);
  const content = JSON.stringify(document);
  const prefix = declarationKeyPrefix(scope);
  const contentHash = createHash('sha256').update(content).digest('hex');
  const sourceHash = `${prefix}${contentHash}`;

  const fileName = `asset.${sourceHash}${EXTENSION}`;
  const staged = path.join(stage.assetOutdir, fileName);
  if (!fs.existsSync(staged)) {
    fs.mkdirSync(stage.assetOutdir, { recursive: true });
    fs.writeFileSync(staged, content);
  }
  const location = stack.synthesizer.addFileAsset({
    sourceHash,
    fileName: path.relative(stage.outdir, staged),
    packaging: FileAssetPackaging.FILE,
    displayName: `${scope.node.path} declarations`,
  });

  const objectKey = location.objectKey;
  const bucketArn = `arn:${Aws.PARTITION}:s3:::${location.bucketName}`;
  const suffix = `${contentHash}${EXTENSION}`;
  const readableAs =
    !Token.isUnresolved(objectKey) && objectKey.endsWith(suffix)
      ? `${bucketArn}/${objectKey.slice(0, -suffix.length)}*`
      : // A synthesizer that hides the key: grant this very file (a rollback may then be refused the old one).
        `${bucketArn}/${objectKey}`;
  return { location: { Bucket: location.bucketName, Key: objectKey }, readableAs };
}
