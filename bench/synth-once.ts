/**
 * One synth in a fresh process, as `cdk synth` runs an app:
 * `node synth-once.js <design> <roster file> <outdir> <limit|no-limit>`.
 * Run compiled to JavaScript (see compile.ts), like a published package, so that no TypeScript
 * compilation is timed. Prints one JSON line: the times of loading the libraries, of reading the
 * roster, and of building and synthesizing the app (the roster's reading included); or the error that
 * stopped the synth.
 */
import * as stacks from './stacks';

const [design, rosterFile, outdir, limit] = process.argv.slice(2);
if (!stacks.DESIGNS.includes(design as stacks.Design)) throw new Error(`usage: synth-once <${stacks.DESIGNS.join('|')}> <roster file> <outdir> <limit|no-limit>; got ${design}`);
const loadStart = Date.now();
stacks.loadLibrary(design as stacks.Design);
const loaded = Date.now();

/* eslint-disable @typescript-eslint/no-require-imports */
const { Roster } = require('../lib') as typeof import('../lib');
const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const synthStart = Date.now();
try {
  const roster = Roster.load(rosterFile);
  const rosterRead = Date.now();
  const app = stacks.benchApp(outdir, { resourceLimit: limit !== 'no-limit' });
  stacks.declare(new cdk.Stack(app, stacks.STACK_NAME), design as stacks.Design, roster);
  app.synth();
  const synthEnd = Date.now();
  process.stdout.write(`${JSON.stringify({ loadMs: loaded - loadStart, rosterMs: rosterRead - synthStart, synthMs: synthEnd - synthStart })}\n`);
} catch (error) {
  // The message only: CDK's own refusals (e.g. past 500 resources) say what stopped the synth.
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
}
