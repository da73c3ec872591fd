/**
 * The asset bucket, for end-to-end tests: a GetObject endpoint on 127.0.0.1 holding the files a
 * deploy publishes (as `cdk deploy` uploads a cloud assembly's file assets), answering the way the
 * SDK's S3 client reads it (a body, or an XML error with a code). Objects stay after later deploys, as
 * they do in the real bucket until `cdk gc` removes them; `remove` plays `cdk gc`.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { LocalService } from './local-server';

/** One GetObject as the emulator saw it. */
export interface S3Request {
  readonly bucket: string;
  readonly key: string;
  readonly status: number;
}

export class S3Emulator extends LocalService {
  readonly requests: S3Request[] = [];
  private readonly objects = new Map<string, Buffer>();
  private readonly denied = new Set<string>();
  /** The object ARN patterns IAM lets the stack's functions read; every object while never set. */
  private readable?: readonly string[];

  put(bucket: string, key: string, body: Buffer | string): void {
    this.objects.set(`${bucket}/${key}`, Buffer.from(body));
  }

  /** An object's body, or undefined. */
  get(bucket: string, key: string): Buffer | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  has(bucket: string, key: string): boolean {
    return this.objects.has(`${bucket}/${key}`);
  }

  /** Removes an object, as `cdk gc` removes an asset no template references. */
  remove(bucket: string, key: string): void {
    this.objects.delete(`${bucket}/${key}`);
  }

  /**
   * Lets GetObject read only the objects these `s3:GetObject` resources of IAM policies match
   * (`arn:aws:s3:::<bucket>/<key>`, a trailing `*` matching any rest), and answers AccessDenied for any
   * other, as S3 answers a role without the grant. The stack deployer sets them from the policies
   * deployed at each step of a deploy. The functions of a stack here share one identity, so these are
   * the handler's grants (the drift check's role is granted the same files).
   */
  allowReads(patterns: readonly string[]): void {
    this.readable = [...patterns];
  }

  /** Answers GetObject of this key with AccessDenied, as a role without the grant would get. */
  deny(bucket: string, key: string): void {
    this.denied.add(`${bucket}/${key}`);
  }

  /**
   * Uploads the file assets of a cloud assembly's stack, with their bucket names resolved for the
   * given account and region, as the CDK CLI publishes them.
   */
  publishAssets(cloudAssemblyDir: string, assetManifestFile: string, environment: { account: string; region: string; partition?: string }): void {
    const manifest = JSON.parse(readFileSync(path.join(cloudAssemblyDir, assetManifestFile), 'utf8'));
    for (const asset of Object.values<any>(manifest.files ?? {})) {
      if (asset.source?.packaging !== 'file') continue;
      const body = readFileSync(path.resolve(cloudAssemblyDir, asset.source.path));
      for (const destination of Object.values<any>(asset.destinations ?? {})) {
        const resolve = (text: string) =>
          text
            .replace(/\$\{AWS::AccountId\}/g, environment.account)
            .replace(/\$\{AWS::Region\}/g, environment.region)
            .replace(/\$\{AWS::Partition\}/g, environment.partition ?? 'aws');
        this.put(resolve(destination.bucketName), resolve(destination.objectKey), body);
      }
    }
  }

  protected handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    request.resume();
    // Path-style addressing: /<bucket>/<key>, which the SDK uses for an IP endpoint.
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [bucket, ...rest] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    const fail = (status: number, code: string) => {
      this.requests.push({ bucket, key, status });
      response.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    };
    if (request.method !== 'GET') return fail(405, 'MethodNotAllowed');
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return fail(403, 'AccessDenied');
    if (this.denied.has(`${bucket}/${key}`)) return fail(403, 'AccessDenied');
    if (this.readable && !this.readable.some((pattern) => grants(pattern, `arn:aws:s3:::${bucket}/${key}`))) return fail(403, 'AccessDenied');
    const body = this.objects.get(`${bucket}/${key}`);
    if (!body) return fail(404, 'NoSuchKey');
    this.requests.push({ bucket, key, status: 200 });
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  }
}

/** Whether an IAM resource pattern grants an object ARN: `*` matches any run of characters, `?` any one. */
function grants(pattern: string, arn: string): boolean {
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(arn);
}
