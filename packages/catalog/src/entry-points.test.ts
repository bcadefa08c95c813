// The pure entry point must not load storage or transport libraries, not even through another
// package: domain code imports it, and the lint rule only sees direct imports. Each of them is
// replaced by a module that fails when it is loaded (jest hoists these above the imports).
jest.mock('mongoose', () => {
  throw new Error('mongoose was loaded');
});
jest.mock('kafkajs', () => {
  throw new Error('kafkajs was loaded');
});
jest.mock('express', () => {
  throw new Error('express was loaded');
});
jest.mock('ioredis', () => {
  throw new Error('ioredis was loaded');
});
jest.mock('bullmq', () => {
  throw new Error('bullmq was loaded');
});
jest.mock('@tthc/platform', () => {
  throw new Error('@tthc/platform was loaded');
});

/* eslint-disable @typescript-eslint/no-require-imports -- loading is what is tested */
test('@tthc/catalog loads without mongoose, a transport or the platform package', () => {
  const catalog = require('./index') as typeof import('./index');
  expect(typeof catalog.loadSampleCatalog).toBe('function');
  expect(new catalog.ProcedureNotFoundError('x').status).toBe(404);
});

test('@tthc/catalog/storage is where mongoose comes in', () => {
  expect(() => require('./storage')).toThrow('mongoose was loaded');
});
