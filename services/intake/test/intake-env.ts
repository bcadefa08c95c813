import { requireEnv } from '@tthc/testkit';

/** Intake's configuration against the test infrastructure, in its own topic and Redis namespace. */
export function intakeTestEnv(namespace: string, apiKeys: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    REDIS_URL: requireEnv('REDIS_URL'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: namespace,
    API_KEYS: apiKeys,
    ...overrides,
  };
}
