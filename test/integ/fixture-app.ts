/**
 * The CDK app of the integration tests' fixture (fixture.ts): deployed by `npm run integ` before the
 * tests and destroyed after them. With `CONNECT_INTEG_INSTANCE_ID`, the users go into that instance.
 */
import { App } from 'aws-cdk-lib';
import { ConnectFixtureStack, FIXTURE_STACK_NAME, INSTANCE_VARIABLE } from './fixture';

const app = new App();
new ConnectFixtureStack(app, FIXTURE_STACK_NAME, { instanceId: process.env[INSTANCE_VARIABLE] || undefined });
