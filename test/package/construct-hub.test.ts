/**
 * What Construct Hub reads from package.json to list the library and show it in every language (the
 * compiled assembly and the README's examples are checked in package.test.ts, after the build).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The open-source licences Construct Hub lists packages under. */
const LISTED_LICENSES = ['Apache-2.0', 'MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'EPL-1.0', 'EPL-2.0', 'MPL-2.0', 'CDDL-1.0', 'CDDL-1.1'];

describe('package.json, as Construct Hub reads it', () => {
  test('is marked as an AWS CDK construct library, under a licence Construct Hub lists, with the licence text shipped', () => {
    expect(PACKAGE.keywords).toContain('awscdk');
    expect(LISTED_LICENSES).toContain(PACKAGE.license);
    expect(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  test('describes the library, its source and its stability', () => {
    expect(PACKAGE.description.length).toBeGreaterThan(40);
    expect(PACKAGE.repository).toEqual({ type: 'git', url: expect.stringMatching(/^https:\/\/.+\.git$/) });
    expect(PACKAGE.author?.name).toEqual(expect.any(String));
    expect(['experimental', 'stable', 'deprecated', 'external', 'locked']).toContain(PACKAGE.stability);
  });

  test('is a jsii library for every language Construct Hub shows, with a name in each', () => {
    const targets = PACKAGE.jsii.targets;
    expect(targets.python).toEqual({ distName: expect.any(String), module: expect.stringMatching(/^[a-z_][a-z0-9_]*$/) });
    expect(targets.java).toEqual({ package: expect.any(String), maven: { groupId: expect.any(String), artifactId: expect.any(String) } });
    expect(targets.dotnet).toEqual({ namespace: expect.any(String), packageId: expect.any(String) });
    expect(targets.go).toEqual({ moduleName: expect.any(String) });
    expect(PACKAGE.types).toMatch(/\.d\.ts$/);
    expect(PACKAGE.files).toContain('.jsii');
  });

  test('takes the CDK as peer dependencies, by which Construct Hub tells the CDK major version', () => {
    expect(PACKAGE.peerDependencies).toEqual({ 'aws-cdk-lib': expect.stringMatching(/^\^2\./), constructs: expect.stringMatching(/^\^10\./) });
    expect(PACKAGE.dependencies).not.toHaveProperty(['aws-cdk-lib']);
    expect(PACKAGE.dependencies).not.toHaveProperty(['constructs']);
  });

  test("requires the README's TypeScript examples to compile, with a fixture that gives them a stack", () => {
    expect(PACKAGE.jsiiRosetta).toEqual({ strict: true });
    const fixture = path.join(ROOT, 'rosetta', 'default.ts-fixture');
    expect(existsSync(fixture)).toBe(true);
    expect(readFileSync(fixture, 'utf8')).toMatch(/const stack = this;\s+\/\/\/ here/);
  });
});
