// Runs only the catalog tests, without the monorepo's infrastructure globalSetup:
//   npx jest --config packages/catalog/jest.config.js
// The repository test then uses MONGO_URL, or starts the local test stack with infra.sh.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  // Workspace packages are read from source so a stale build never decides a test.
  moduleNameMapper: {
    '^@tthc/(contracts|calendar|ops|platform|testkit)$': '<rootDir>/../$1/src',
    '^@tthc/platform/errors$': '<rootDir>/../platform/src/errors',
  },
  testTimeout: 60000,
};
