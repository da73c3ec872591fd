/**
 * The library as it is published: compiled by jsii, documented by jsii-docgen, packed by npm, and
 * installed into a project that `cdk init app --language typescript` generates, which then synthesizes
 * on the machine's own Node.js.
 *
 * The build and the pack run in this repository (the tarball must carry its bundled dependencies from
 * node_modules); every other step runs in a temporary directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RESOURCE_TYPE } from '../../lib';
import { ROSTER_STAGE_RESOURCE_TYPE } from '../../lib/roster-declarations';
import { consumerEnvironment, machineNode, run, runOrFail } from './commands';
import { readmeBlock } from '../support/readme-examples';

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const MINUTES = 60_000;

/** The scripts npm runs when a package is installed; npm 11 blocks them and warns about each one. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'connect-user-identity-package-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the build', () => {
  let buildOutput: string;

  beforeAll(() => {
    buildOutput = runOrFail('npm', ['run', 'build'], { cwd: ROOT }).output;
  }, 5 * MINUTES);

  test('jsii compiles the library with no error and no warning, into an assembly of its public types', () => {
    // GIVEN the build, `npm run build` (jsii --fail-on-warnings: any warning fails it)
    // THEN jsii reports a clean compilation
    expect(buildOutput).toMatch(/Errors: 0 \| Warnings: 0/);
    // AND the assembly describes this package and its constructs, for every target language
    const assembly = JSON.parse(readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
    expect(assembly.name).toBe(PACKAGE.name);
    expect(assembly.version).toBe(PACKAGE.version);
    expect(Object.keys(assembly.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
    expect(Object.keys(assembly.types)).toEqual(
      expect.arrayContaining([`${PACKAGE.name}.ConnectUserIdentity`, `${PACKAGE.name}.ConnectUserIdentityProps`, `${PACKAGE.name}.ConnectUserRoster`, `${PACKAGE.name}.Roster`]),
    );
  });

  test('API.md is the reference jsii-docgen generates from the assembly', () => {
    // GIVEN the reference generated afresh from the assembly the build wrote
    const fresh = path.join(work, 'API.md');
    runOrFail('npx', ['jsii-docgen', '--output', fresh], { cwd: ROOT });
    // THEN the checked-in API.md is the same, so it documents the API as it is
    const checkedIn = readFileSync(path.join(ROOT, 'API.md'), 'utf8');
    if (readFileSync(fresh, 'utf8') !== checkedIn) {
      throw new Error('API.md is stale: regenerate it with `npm run docgen`, and commit it');
    }
  });

  test("the README's TypeScript examples compile, as Construct Hub compiles them to show each in every language", () => {
    // GIVEN the assembly the build wrote, which carries the README
    const tablet = path.join(work, 'readme-examples.tabl.json');
    // WHEN jsii-rosetta compiles each TypeScript example in it, in strict mode (any error fails it), inside
    // rosetta/default.ts-fixture
    runOrFail('npx', ['jsii-rosetta', 'extract', '--strict', '--cache-to', tablet], { cwd: ROOT, timeoutMs: 5 * MINUTES });
    // THEN every example of the README was compiled, and compiled without error
    const snippets = Object.values(JSON.parse(readFileSync(tablet, 'utf8')).snippets) as { location: { api: { api: string } }; didCompile?: boolean }[];
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/^[ \t]*```ts\b/gm)].length;
    expect(examples).toBeGreaterThan(0);
    expect(snippets.filter((snippet) => snippet.location.api.api === 'moduleReadme')).toHaveLength(examples);
    expect(snippets.filter((snippet) => snippet.didCompile !== true)).toEqual([]);
  }, 5 * MINUTES);

  test("the README's Python examples use the names of the Python package jsii generates", () => {
    // GIVEN the code of the Python package, generated from the assembly
    const outdir = path.join(work, 'dist');
    runOrFail('npx', ['jsii-pacmak', '--code-only', '--targets', 'python', '--outdir', outdir, '--no-npmignore'], { cwd: ROOT });
    const pythonModule: string = PACKAGE.jsii.targets.python.module;
    const packageInit = path.join(outdir, 'python', 'src', pythonModule, '__init__.py');
    // AND the README's Python examples
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/^```python\n([\s\S]*?)^```/gm)].map((match) => match[1]);
    expect(examples.length).toBeGreaterThan(0);
    // WHEN Python reads each of them
    const problems = examples.flatMap((example, index) => {
      const file = path.join(work, `readme-example-${index + 1}.py`);
      writeFileSync(file, example);
      const found: string[] = JSON.parse(
        runOrFail('python3', [path.join(__dirname, 'python-names.py'), file, packageInit, pythonModule], { cwd: work }).stdout,
      );
      return found.map((problem) => `example ${index + 1}: ${problem}`);
    });
    // THEN each is valid Python and imports, constructs and calls only what the package has
    expect(problems).toEqual([]);
  }, 3 * MINUTES);

  describe('the packed tarball', () => {
    let tarball: string;
    let files: string[];

    beforeAll(() => {
      // The build above is what `prepack` would run again.
      const packed = JSON.parse(runOrFail('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT }).stdout);
      tarball = path.join(work, packed[0].filename);
      files = packed[0].files.map((file: { path: string }) => file.path);
    }, 2 * MINUTES);

    test('carries the compiled library, the handler bundle, the assembly, the docs and the bundled dependencies', () => {
      // GIVEN the tarball's file list
      // THEN what a consumer's app loads, reads or is owed is in it
      expect(files).toEqual(
        expect.arrayContaining([
          PACKAGE.main,
          PACKAGE.types,
          'assets/handler/index.js',
          PACKAGE.bin['connect-user-identity'],
          '.jsii',
          'README.md',
          'API.md',
          'CHANGELOG.md',
          'LICENSE',
          'package.json',
          // Every runtime dependency: none is a jsii library, so each must travel bundled.
          ...Object.keys(PACKAGE.dependencies).map((name) => `node_modules/${name}/package.json`),
        ]),
      );
    });

    test('holds compiled code of the present sources only, none left from a module that moved or went', () => {
      // GIVEN the compiled files in the tarball
      const compiled = files.filter((file) => file.startsWith('build/'));
      expect(compiled.length).toBeGreaterThan(0);
      // THEN each has its TypeScript source in lib/
      const orphans = compiled.filter((file) => !existsSync(path.join(ROOT, file.replace(/^build\//, 'lib/').replace(/(\.d)?\.ts$|\.js$/, '.ts'))));
      expect(orphans).toEqual([]);
    });

    test('leaves out the sources, tests, benches, examples and the packages for other languages', () => {
      // GIVEN the tarball's file list
      // THEN nothing in it is a TypeScript source, a test, a bench, or another language's package
      const unwanted = files.filter(
        (file) =>
          !file.startsWith('node_modules/') &&
          (/\.ts$/.test(file) && !/\.d\.ts$/.test(file) ||
            /^(lib|core|lambda|cli|test|bench|bin|scripts|examples|dist|cdk\.out)\//.test(file) ||
            /\.(py|java|cs|go|tgz)$/.test(file) ||
            /(^|\/)(tsconfig[^/]*\.json|jest\.config\.js|cdk\.json)$/.test(file)),
      );
      expect(unwanted).toEqual([]);
    });

    test('declares no script that npm runs on install', () => {
      // GIVEN the package.json the tarball carries
      const packed = JSON.parse(runOrFail('tar', ['-xOzf', tarball, 'package/package.json'], { cwd: work }).stdout);
      // THEN it has none of the scripts a consumer's npm would run, or block and warn about
      expect(Object.keys(packed.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    });

    test("a fresh `cdk init app` project installs it, synthesizes a user, a roster and the README's quick start on the machine's Node.js, and reports a roster's mistakes without a stack trace", () => {
      // GIVEN a project as the CLI generates it today (`cdk init app --language typescript`), on the
      // machine's own Node.js: the lowest this library supports is what synth must work on
      const node = machineNode();
      const nodeMajor = Number(runOrFail(node, ['-p', 'process.versions.node'], { cwd: work }).stdout.split('.')[0]);
      expect(nodeMajor).toBeGreaterThanOrEqual(Number(/\d+/.exec(PACKAGE.engines.node)![0]));
      const env = consumerEnvironment();
      const project = path.join(work, 'agents');
      mkdirSync(project);
      runOrFail(node, [require.resolve('aws-cdk/bin/cdk'), 'init', 'app', '--language', 'typescript', '--generate-only'], { cwd: project, env });
      const generated = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
      expect(generated.devDependencies).toEqual(expect.objectContaining({ typescript: expect.stringMatching(/^~?7\./), tsx: expect.any(String) }));

      // WHEN the tarball is installed beside the project's own dependencies
      const install = runOrFail('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env, timeoutMs: 5 * MINUTES });
      // THEN npm has no install script of this package to warn about
      expect(install.output).not.toMatch(new RegExp(`install-scripts\\s+${PACKAGE.name}@`));

      // WHEN the stack declares a user by hand and a roster loaded from a YAML file
      writeFileSync(
        path.join(project, 'agents.yaml'),
        [
          '- IdentityInfo: { FirstName: John, LastName: Stiles, Mobile: "+12065550100" }',
          '  UserId: 87654321-2222-1234-1234-111234567892',
          '  InstanceId: a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
          '- IdentityInfo: { FirstName: Richard, LastName: Roe }',
          '  Username: rroe',
          '  InstanceId: a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
          '',
        ].join('\n'),
      );
      writeFileSync(path.join(project, 'lib', 'agents-stack.ts'), CONSUMER_STACK);
      // AND, in the same app (one synth), what a newcomer following this README's quick start writes: its
      // agents.csv, and its program as the entry point `cdk init app` generated (named after the
      // directory), which then also declares the generated project's stack
      writeFileSync(path.join(project, 'agents.csv'), readmeBlock('example', 'quick-start-roster').text);
      writeFileSync(
        path.join(project, 'bin', 'agents.ts'),
        `${readmeBlock('example', 'quick-start-app').text}\nimport { AgentsStack } from '../lib/agents-stack';\nnew AgentsStack(app, 'AgentsStack');\n`,
      );
      // AND the app is synthesized as the project's README says, which type-checks it with the
      // project's TypeScript first (cdk.json's app command)
      runOrFail('npx', ['cdk', 'synth', '--quiet', '--no-notices'], { cwd: project, env, timeoutMs: 5 * MINUTES });

      // THEN the template declares the user, the roster's two users in a stage, and one handler on the
      // Lambda runtime the library chose
      const template = JSON.parse(readFileSync(path.join(project, 'cdk.out', 'AgentsStack.template.json'), 'utf8'));
      const resources = Object.values(template.Resources) as { Type: string; Properties: Record<string, unknown> }[];
      expect(resources.filter((resource) => resource.Type === RESOURCE_TYPE)).toHaveLength(1);
      const stages = resources.filter((resource) => resource.Type === ROSTER_STAGE_RESOURCE_TYPE);
      expect(stages).toHaveLength(1);
      const stageUsers = Object.values(stages[0].Properties.Users as Record<string, Record<string, string>>).flatMap((users) => Object.keys(users));
      expect(stageUsers).toHaveLength(2);
      const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function');
      expect(functions).toHaveLength(1);
      expect(functions[0].Properties.Runtime).toBe('nodejs24.x');

      // AND the quick start's two users are in a stage, checked for drift, with an alarm that takes missing data as no drift
      const quickStart = JSON.parse(readFileSync(path.join(project, 'cdk.out', 'ContactCenter.template.json'), 'utf8'));
      const quickStartResources = Object.values(quickStart.Resources) as { Type: string; Properties: Record<string, unknown> }[];
      const quickStartStages = quickStartResources.filter((resource) => resource.Type === ROSTER_STAGE_RESOURCE_TYPE);
      expect(quickStartStages).toHaveLength(1);
      expect(Object.values(quickStartStages[0].Properties.Users as Record<string, Record<string, string>>).flatMap((users) => Object.keys(users))).toHaveLength(2);
      // (its incremental schedule, and the daily full re-read's)
      expect(quickStartResources.filter((resource) => resource.Type === 'AWS::Events::Rule').map((rule) => rule.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)', 'rate(1 day)']);
      expect(quickStartResources.filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties.TreatMissingData)).toEqual(['notBreaching']);

      // WHEN agents.csv is the README's spreadsheet with four mistakes
      writeFileSync(path.join(project, 'agents.csv'), readmeBlock('example', 'spreadsheet-mistakes').text);
      const failed = run('npx', ['cdk', 'synth', '--quiet', '--no-notices'], { cwd: project, env, timeoutMs: 5 * MINUTES });

      // THEN the synth fails, printing each of the four problems the README shows exactly once
      expect(failed.status).not.toBe(0);
      const shown = readmeBlock('output', 'spreadsheet-errors')
        .text.split('\n')
        .filter((line) => line.startsWith('  ['))
        .map((line) => line.trim());
      expect(shown).toHaveLength(4);
      const printed = failed.output.split('\n').map((line) => line.trim());
      expect(shown.map((line) => printed.filter((each) => each === line).length)).toEqual([1, 1, 1, 1]);
      // AND no stack trace: no frame, and no path into the library
      expect(failed.output).not.toMatch(/^\s+at /m);
      expect(failed.output).not.toContain(`node_modules/${PACKAGE.name}/`);

      // WHEN the package's command-line tool is run as its README says, on the machine's Node.js
      const help = runOrFail('npx', ['connect-user-identity', '--help'], { cwd: project, env });
      const check = runOrFail('npx', ['connect-user-identity', 'check', 'agents.yaml'], { cwd: project, env });
      // THEN it runs from the installed package, with only the package's declared dependencies
      expect(help.stdout).toMatch(/^Usage: connect-user-identity \[options\] \[command\]\n/);
      expect(help.stdout).toMatch(/\n  export \[options\] /);
      expect(check.stdout).toBe('The roster agents.yaml has no problem: 2 users in 1 file.\n');
    }, 10 * MINUTES);
  });
});

/** The generated project's stack, declaring what a consumer of this library would. */
const CONSUMER_STACK = `import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ConnectUserIdentity, ConnectUserRoster, Roster } from '${PACKAGE.name}';

export class AgentsStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    new ConnectUserIdentity(this, 'MaryMajor', {
      instanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      userId: '87654321-2222-1234-1234-111234567891',
      identityInfo: { firstName: 'Mary', lastName: 'Major', email: 'marym@example.com' },
    });
    new ConnectUserRoster(this, 'Team', { roster: Roster.fromPath(path.join(__dirname, '..', 'agents.yaml')) });
  }
}
`;
