/**
 * MongoDB for the catalog's integration tests. Under the root jest config MONGO_URL is set by the
 * testkit globalSetup; under `packages/catalog/jest.config.js` it is found here: the test profile
 * of infra.sh if something answers on its port, otherwise `infra.sh up test` starts it. Nothing
 * here stops the stack, because other suites share it. Each caller gets its own database.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import mongoose, { type Connection } from 'mongoose';

const INFRA_SH = join(__dirname, '..', '..', '..', '..', 'infra', 'local', 'infra.sh');

function infra(command: 'env' | 'up'): string {
  const out = execFileSync('bash', [INFRA_SH, command, 'test'], {
    encoding: 'utf8',
    env: { ...process.env, INFRA_COMPONENTS: 'mongo' },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  const line = out.split('\n').find((entry) => entry.startsWith('MONGO_URL='));
  if (line === undefined) throw new Error(`infra.sh ${command} test printed no MONGO_URL`);
  return line.slice('MONGO_URL='.length).trim();
}

async function answers(url: string): Promise<boolean> {
  const conn = mongoose.createConnection(url, { serverSelectionTimeoutMS: 2000 });
  try {
    await conn.asPromise();
    return true;
  } catch {
    return false;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function testMongoUrl(): Promise<string> {
  const fromEnv = process.env.MONGO_URL?.trim();
  if (fromEnv) return fromEnv;
  const planned = infra('env');
  const url = (await answers(planned)) ? planned : infra('up');
  process.env.MONGO_URL = url;
  return url;
}

/** The same server with another database name. */
export function withDatabase(mongoUrl: string, database: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  readonly url: string;
  readonly conn: Connection;
  /** Drops this test's database (only it) and closes the connection. */
  drop(): Promise<void>;
}

export async function openTestDatabase(prefix: string): Promise<TestDatabase> {
  const url = withDatabase(await testMongoUrl(), uniqueDatabaseName(prefix));
  const conn = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000, autoIndex: false }).asPromise();
  return {
    url,
    conn,
    async drop() {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    },
  };
}
