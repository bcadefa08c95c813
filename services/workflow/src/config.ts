import { z } from 'zod';
import { envVars, parseEnv } from '@tthc/platform';

const schema = z.object({
  NODE_ENV: envVars.nodeEnv,
  LOG_LEVEL: envVars.logLevel,
  HOST: z.string().default('127.0.0.1'),
  // Only health, readiness and metrics are served.
  PORT: envVars.port(8082),
  KAFKA_BROKERS: envVars.kafkaBrokers,
  KAFKA_TOPIC_NAMESPACE: envVars.topicNamespace,
  KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency,
  MONGO_URL: envVars.mongoUrl,
  // Lets tests run several isolated instances against one broker.
  CONSUMER_GROUP: z.string().min(1).optional(),
});

export type WorkflowConfig = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkflowConfig {
  return parseEnv(schema, env, 'workflow');
}
