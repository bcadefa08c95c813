import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The pure entry point must not load storage or transport libraries, not even through another
// package: domain code imports it, and the lint rule only sees direct imports. A fresh Node
// process loads the built entry (the test command builds first) and reports every module file
// it pulled in, so nothing is replaced or mocked.
const INFRA = ['mongoose', 'mongodb', 'kafkajs', 'express', 'ioredis', 'bullmq'];

function loadedBy(entry: string): string[] {
  const file = join(__dirname, '..', 'dist', `${entry}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: build the workspace first (npm test does)`);
  const script = `require(${JSON.stringify(file)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

const reached = (files: string[], name: string) => files.some((f) => f.includes(`/node_modules/${name}/`));
const platformLoaded = (files: string[]) => files.some((f) => /\/packages\/platform\/dist\/(?!errors\.js$)/.test(f));

test('when @tthc/catalog is loaded, then no storage or transport library and nothing of the platform but its errors comes with it', () => {
  const files = loadedBy('index');
  expect(files.some((f) => f.endsWith('/packages/catalog/dist/index.js'))).toBe(true);
  expect(INFRA.filter((name) => reached(files, name))).toEqual([]);
  expect(platformLoaded(files)).toBe(false);
});

test('when @tthc/catalog/storage is loaded, then mongoose comes in there', () => {
  expect(reached(loadedBy('storage'), 'mongoose')).toBe(true);
});
