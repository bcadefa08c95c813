import { z } from 'zod';
import { DEFAULT_CALENDAR_PATH } from '@tthc/calendar';
import { apiKeysEnv, envVars, parseEnv, requireApiKeysInProduction, withDevKeyFallback } from '@tthc/platform';

const seconds = (fallback: number) => z.coerce.number().positive().max(10 * 365 * 86400).default(fallback);

const schema = z
  .object({
    ...apiKeysEnv,
    LOG_LEVEL: envVars.logLevel,
    HOST: z.string().default('127.0.0.1'),
    // Health, readiness, metrics and the calendar reload.
    PORT: envVars.port(8082),
    KAFKA_BROKERS: envVars.kafkaBrokers,
    KAFKA_TOPIC_NAMESPACE: envVars.topicNamespace,
    KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency,
    MONGO_URL: envVars.mongoUrl,
    // The unknown-subject sweep is a BullMQ job scheduler, so one instance runs it at a time.
    REDIS_URL: envVars.redisUrl,
    // BullMQ key prefix; lets several environments (or test files) share one Redis.
    QUEUE_PREFIX: z.string().min(1).default('tthc'),
    // Lets tests run several isolated instances against one broker.
    CONSUMER_GROUP: z.string().min(1).optional(),
    // The national calendar used until a version is applied with `calendar:apply`.
    CALENDAR_FILE: z.string().min(1).default(DEFAULT_CALENDAR_PATH),
    // Agency or province calendars (packages/calendar README, "agency profiles"); none by default.
    AGENCY_PROFILES_FILE: z.string().min(1).optional(),
    // How often stored calendar versions are looked for; POST /v1/admin/calendar/reload skips the wait.
    CALENDAR_POLL_SECONDS: seconds(30),
    // How often facts of subjects without a reception are looked for.
    UNKNOWN_SWEEP_SECONDS: seconds(300),
    // A portal may send a dossier's later facts before its reception; after this long they are
    // dead-lettered. The law sets no such period: one day is a choice.
    UNKNOWN_DOSSIER_GRACE_SECONDS: seconds(86_400),
  })
  .superRefine(requireApiKeysInProduction);

export type WorkflowConfig = ReturnType<typeof withDevKeyFallback<z.infer<typeof schema>>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkflowConfig {
  return withDevKeyFallback(parseEnv(schema, env, 'workflow'));
}
