import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { apiKeyTexts, parseApiKeys } from './http/api-keys';
import { DEFAULT_FETCH_BYTES_PER_PARTITION } from './kafka/consumer-runner';

/**
 * Parses the process environment once at start-up. A bad or missing variable stops the
 * service with a message that names it, instead of failing later at first use.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, service: string): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`${service}: invalid configuration\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A JSON file the service reads at start (calendar, profiles, directory, duties, rubric): one
 * that is missing or not JSON is named here by its variable, where the loader's own error would
 * come as a stack trace out of createApp with only the path. Its content is checked by its loader.
 */
const jsonFile = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${path}` });
      return;
    }
    try {
      JSON.parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `is not valid JSON (${(err as Error).message}): ${path}` });
    }
  });

/** Shared variable schemas, so every service names and checks them the same way. */
export const envVars = {
  jsonFile,
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  kafkaBrokers: z
    .string({ message: 'is required (comma-separated host:port list)' })
    .min(1, 'is required (comma-separated host:port list)')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((list) => list.every((b) => /^[^\s:]+:\d+$/.test(b)), 'each broker must be host:port'),
  // Agency and province calendar profiles (packages/calendar README, "agency profiles"); one name in
  // every service that computes working time. Unset: every agency uses the national calendar.
  agencyProfilesFile: jsonFile.optional(),
  mongoUrl: z.string({ message: 'is required' }).regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb://'),
  // How long the service's MongoDB client may keep failing while a fresh client reaches the server
  // before it is reopened (see watchMongo); 0 turns the watchdog off.
  mongoWatchdogSeconds: z.coerce.number({ message: 'must be a whole number of seconds' }).int('must be a whole number').min(0, 'must be 0 (off) or more').max(86_400, 'must be at most 86400').default(60),
  redisUrl: z.string({ message: 'is required' }).regex(/^rediss?:\/\//, 'must start with redis://'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: z.enum(['development', 'test', 'production']).default('development'),
  // Dossiers handled at once per consumer; one dossier's messages always stay in order.
  consumerConcurrency: z.coerce.number().int().min(1).max(4096).default(32),
  // Partitions whose fetched batches are handled at the same time (kafkajs partitionsConsumedConcurrently).
  partitionsConcurrently: z.coerce.number().int().min(1).max(1000).default(1),
  // Bytes one fetch may bring per partition (kafkajs maxBytesPerPartition, 1 MiB by default there).
  // A backlog fetched in larger batches holds more of one subject's facts together, so they cost
  // one write and one snapshot instead of several (docs/capacity.md measures 8 MiB against 1); a
  // caught-up consumer fetches what is there whatever the limit.
  fetchBytesPerPartition: z.coerce.number({ message: 'must be a whole number of bytes' }).int('must be a whole number').min(65_536, 'must be at least 65536').max(268_435_456, 'must be at most 268435456').default(DEFAULT_FETCH_BYTES_PER_PARTITION),
  // Per API key, shared by all instances through Redis; 0 turns the limit off.
  rateLimitPerMinute: z.coerce.number().int().min(0).default(6000),
  rateLimitBurst: z.coerce.number().int().min(1).default(300),
  topicNamespace: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "-" or "_"')
    .optional(),
  // Partitions per topic: the most consumer instances of one group that can share the work. Existing
  // topics with fewer are grown at start, never shrunk. The bench wants 12 or more.
  kafkaPartitions: z.coerce.number({ message: 'must be a whole number of partitions' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(6),
  // Copies of each partition; capped at the brokers alive when a topic is created (1 on a single
  // local broker), with a warning.
  kafkaReplicationFactor: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(32, 'must be at most 32').default(3),
  // Replicas an acks=all write must reach; capped at the replication factor. 2 of 3 lets one broker
  // die without refusing writes or losing acknowledged ones.
  kafkaMinInsyncReplicas: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(32, 'must be at most 32').default(2),
};

// Shape fragments of the variables several services read, spread into each service's
// `z.object({...})` so every one names, defaults and checks them the same way.

/** How a service logs and where its HTTP endpoints listen (loopback unless HOST says otherwise). */
export const serviceEnv = (port: number) => ({
  LOG_LEVEL: envVars.logLevel,
  HOST: z.string().default('127.0.0.1'),
  PORT: envVars.port(port),
});

/** The Kafka cluster and the topic layout (partitions, replication, min.insync.replicas; see envVars). */
export const kafkaEnv = {
  KAFKA_BROKERS: envVars.kafkaBrokers,
  // Prefix of every topic name, to share one cluster between environments.
  KAFKA_TOPIC_NAMESPACE: envVars.topicNamespace,
  KAFKA_PARTITIONS: envVars.kafkaPartitions,
  KAFKA_REPLICATION_FACTOR: envVars.kafkaReplicationFactor,
  KAFKA_MIN_INSYNC_REPLICAS: envVars.kafkaMinInsyncReplicas,
};

/** The service's MongoDB and its client watchdog. */
export const mongoEnv = {
  MONGO_URL: envVars.mongoUrl,
  MONGO_WATCHDOG_SECONDS: envVars.mongoWatchdogSeconds,
};

/**
 * What the services that consume topics and run BullMQ jobs (workflow, sla, notifier) share:
 * Kafka and the consumer's concurrency, MongoDB, the jobs' Redis, the consumer group and the
 * queue prefix.
 */
export const consumerServiceEnv = {
  ...kafkaEnv,
  KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency,
  KAFKA_PARTITIONS_CONCURRENTLY: envVars.partitionsConcurrently,
  KAFKA_FETCH_BYTES_PER_PARTITION: envVars.fetchBytesPerPartition,
  ...mongoEnv,
  REDIS_URL: envVars.redisUrl,
  // Lets tests run several isolated instances against one broker.
  CONSUMER_GROUP: z.string().min(1).optional(),
  // BullMQ key prefix; lets several environments (or test files) share one Redis.
  QUEUE_PREFIX: z.string().min(1).default('tthc'),
};

/**
 * Key table used when API_KEYS is unset outside production: a reform-office key that reads
 * everything and a portal key that may post for every agency. Production refuses both.
 */
export const DEV_API_KEYS = 'dev-key:*:reform-office;dev-portal-key:*:portal';
export const DEV_KEY_TEXTS = ['dev-key', 'dev-portal-key'];
/** Shortest secret (API key, signing key) production accepts, in bytes. */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/**
 * `API_KEYS` is mandatory in production; elsewhere a development key for every agency is
 * used, and the service says so in its log.
 */
export const apiKeysEnv = {
  NODE_ENV: envVars.nodeEnv,
  // The table is read here as well as in createApp, so a malformed entry stops the service with
  // the configuration's message and exit code 78 rather than a stack trace from the app.
  API_KEYS: z
    .string()
    .optional()
    .superRefine((spec, ctx) => {
      if (spec === undefined) return;
      try {
        parseApiKeys(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^API_KEYS: /, '') });
      }
    }),
};

export function requireApiKeysInProduction(env: { NODE_ENV: string; API_KEYS?: string | undefined }, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== 'production') return;
  if (!env.API_KEYS) {
    ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'is required when NODE_ENV=production' });
    return;
  }
  const keys = apiKeyTexts(env.API_KEYS);
  if (keys.some((k) => DEV_KEY_TEXTS.includes(k))) {
    ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: `must not contain the development keys (${DEV_KEY_TEXTS.join(', ')}) when NODE_ENV=production` });
  }
  const short = keys.filter((k) => Buffer.byteLength(k) < MIN_PRODUCTION_SECRET_BYTES).length;
  if (short > 0) {
    ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: `${short} key(s) are shorter than ${MIN_PRODUCTION_SECRET_BYTES} bytes; production keys must be long random strings (openssl rand -base64 32)` });
  }
}

/** A signing secret: optional outside production, at least 32 bytes and required in it. */
export function requireSecretInProduction(name: string) {
  return (env: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (env['NODE_ENV'] !== 'production') return;
    const value = env[name];
    if (typeof value !== 'string' || value.length === 0) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
    else if (Buffer.byteLength(value) < MIN_PRODUCTION_SECRET_BYTES) ctx.addIssue({ code: 'custom', path: [name], message: `must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes when NODE_ENV=production` });
  };
}

export function withDevKeyFallback<T extends { API_KEYS?: string | undefined }>(cfg: T): Omit<T, 'API_KEYS'> & { API_KEYS: string; usingDevKey: boolean } {
  return { ...cfg, API_KEYS: cfg.API_KEYS ?? DEV_API_KEYS, usingDevKey: !cfg.API_KEYS };
}
