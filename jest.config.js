// One jest run for the whole monorepo: the infrastructure is started once (globalSetup) and
// every package and service test shares it, isolated by unique topics, databases and queues.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/tests'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  // Tests read workspace packages from source so they never depend on a stale build.
  moduleNameMapper: {
    '^@tthc/(contracts|calendar|testkit|platform|catalog|metrics|ops|read-models)$': '<rootDir>/packages/$1/src',
    '^@tthc/catalog/storage$': '<rootDir>/packages/catalog/src/storage',
    '^@tthc/platform/errors$': '<rootDir>/packages/platform/src/errors',
  },
  globalSetup: '<rootDir>/packages/testkit/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/packages/testkit/src/jest/global-teardown.ts',
  // Keeps the files that share the three-broker cluster profile from waiting on each other.
  testSequencer: '<rootDir>/jest.sequencer.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
