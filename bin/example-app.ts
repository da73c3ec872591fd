// The example app's stack, apart from its entry point so that tests synthesize exactly what
// `npx cdk synth` prints.
import * as path from 'node:path';
import { App, AppProps, Stack } from 'aws-cdk-lib';
import { ConnectUserRoster, Roster } from '../lib';

/** The roster used when none is given with `-c roster=PATH`: the documented example user. */
export const DEFAULT_ROSTER = path.join(__dirname, '..', 'examples', 'roster.yaml');

/** The name of the example stack. */
export const EXAMPLE_STACK_NAME = 'ConnectUserIdentityExample';

/**
 * Builds the example app: one stack declaring the roster named by the `roster` context value. A roster
 * with problems fails the app's synth, one validation error per problem.
 */
export function createExampleApp(props: AppProps = {}): { app: App; stack: Stack } {
  const app = new App(props);
  const roster = Roster.fromPath(String(app.node.tryGetContext('roster') ?? DEFAULT_ROSTER));
  const stack = new Stack(app, EXAMPLE_STACK_NAME, {
    description: 'Declares the identities of Amazon Connect users from a roster (ConnectUserIdentity example)',
  });
  new ConnectUserRoster(stack, 'Roster', { roster });
  return { app, stack };
}
