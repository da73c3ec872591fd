/** Jest runs the TypeScript sources directly; the end-to-end suites load the bundled handler asset. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The build compiles lib/ in place; tests must load the TypeScript sources, not stale .js beside them.
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  testTimeout: 60_000,
};
