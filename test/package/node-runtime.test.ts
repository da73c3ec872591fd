import { Stack } from 'aws-cdk-lib';
import { ConnectUserIdentityProvider } from '../../lib';

test("the tests run on the Node.js major of the handler's Lambda runtime", () => {
  // GIVEN the runtime the library deploys the handler on
  const runtime = ConnectUserIdentityProvider.of(new Stack()).function.runtime.name;
  // WHEN the Node.js running the tests is named as a Lambda runtime
  const testedOn = `nodejs${process.versions.node.split('.')[0]}.x`;
  // THEN they are the same: the handler's unit tests run in this process, and the end-to-end driver
  // runs the bundled handler in processes of this same binary (process.execPath), the node dev
  // dependency's, which npm puts first on PATH for `npm test`
  expect(testedOn).toBe(runtime);
});
