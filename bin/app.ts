#!/usr/bin/env node
// The example app: declares the identities of a roster of Amazon Connect agents. It synthesizes with no
// AWS credentials and no Docker:
//   npx cdk synth                                   the example roster, examples/roster.yaml (the documented example user)
//   npx cdk synth -c roster=examples/team.yaml      a small team, one agent named by Username
//   npx cdk synth -c roster=examples/team.csv       the same team, saved from a spreadsheet as CSV
//   npx cdk synth -c roster=PATH                    a roster file (.json, .yaml, .yml, .csv) or a directory of them
// A roster's problems fail the synth as CDK validation errors, one line each, as in any app.
import { createExampleApp } from './example-app';

createExampleApp();
