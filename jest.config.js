/** Jest runs the TypeScript sources directly; the end-to-end suites load the bundled handler asset. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The build compiles lib/ into build/, away from the sources; TypeScript still comes first, so that a
  // stray .js beside a source could never be what a test loads.
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  testTimeout: 60_000,
  // The end-to-end deploys mostly wait on Connect's (time-scaled) quota, not on the CPU: run suites side by side.
  maxWorkers: 4,
};
