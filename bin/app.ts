#!/usr/bin/env node
// The example app: declares the identity of the documented example user. It synthesizes with no AWS
// credentials and no Docker: `npx cdk synth`.
import { App, Stack } from 'aws-cdk-lib';
import { ConnectUserIdentity } from '../lib';

const app = new App();
const stack = new Stack(app, 'ConnectUserIdentityExample', {
  description: 'Declares the identity of an Amazon Connect user (ConnectUserIdentity example)',
});

new ConnectUserIdentity(stack, 'MaryMajor', {
  instanceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  userId: '87654321-2222-1234-1234-111234567891',
  identityInfo: {
    firstName: 'Mary',
    lastName: 'Major',
    email: 'marym@example.com',
  },
});
