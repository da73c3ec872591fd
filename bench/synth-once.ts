/**
 * One synth in a fresh process, as `cdk synth` runs an app: `node synth-once.js <ours|theirs> <N> <outdir>`.
 * Run compiled to JavaScript (see compile.ts), like a published package, so that no TypeScript
 * compilation is timed. Prints one JSON line: the times of loading the library and of building and synthesizing the app.
 */
import * as stacks from './stacks';

const [library, count, outdir] = process.argv.slice(2);
if (library !== 'ours' && library !== 'theirs') throw new Error(`usage: synth-once <ours|theirs> <N> <outdir>; got ${library}`);
const loadStart = Date.now();
stacks.loadLibrary(library);
const loaded = Date.now();
const users = stacks.benchUsers(Number(count));

const synthStart = Date.now();
const app = stacks.benchApp(outdir);
stacks.buildStack(app, library, users);
app.synth();
const synthEnd = Date.now();

process.stdout.write(`${JSON.stringify({ loadMs: loaded - loadStart, synthMs: synthEnd - synthStart })}\n`);
