#!/usr/bin/env node
// The example app: declares the identities of a roster of Amazon Connect agents. It synthesizes with no
// AWS credentials and no Docker:
//   npx cdk synth                                   the example roster, examples/roster.yaml
//   npx cdk synth -c roster=PATH                    a roster file (.json, .yaml, .yml) or a directory of them
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ConnectUserRoster, loadRoster, Roster, RosterError } from '../lib';

const DEFAULT_ROSTER = path.join(__dirname, '..', 'examples', 'roster.yaml');

const app = new App();
const rosterPath = String(app.node.tryGetContext('roster') ?? DEFAULT_ROSTER);

let roster: Roster;
try {
  roster = loadRoster(rosterPath);
} catch (error) {
  if (!(error instanceof RosterError)) throw error;
  // A roster's problems are the user's to fix: the list, without a stack trace.
  console.error(error.message);
  process.exit(1);
}

const stack = new Stack(app, 'ConnectUserIdentityExample', {
  description: 'Declares the identities of Amazon Connect users from a roster (ConnectUserIdentity example)',
});
new ConnectUserRoster(stack, 'Roster', { roster });
