import { randomBytes } from 'node:crypto';

/** A short unique name for topics, databases, queue prefixes and consumer groups. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The same MongoDB server URL with another database name. */
export function withDatabase(mongoUrl: string, db: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

export function requireEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through the root jest config, whose globalSetup starts the infrastructure`);
  return value;
}
