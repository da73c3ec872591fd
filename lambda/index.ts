/**
 * The handler bundle's entry points, one per function (each function's `Handler` names its export):
 * - `handler`: the custom resources' function (custom-resource/);
 * - `checkDrift`: the drift check's function (drift-check/).
 * The Connect-facing code they share with the command-line tool is in core/.
 */
import { primeSdk } from './runtime/sdk-priming';

// In a Lambda container, the SDK is warmed during init rather than on the first event. Elsewhere (a
// test that imports the handler) there is no init phase to use, and priming would only add calls to a
// mocked client.
if (process.env.AWS_LAMBDA_FUNCTION_NAME && process.env.AWS_REGION) void primeSdk(process.env.AWS_REGION);

export { handler } from './custom-resource/handler';
export { checkDrift } from './drift-check/drift-check';
