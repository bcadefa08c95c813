import { z } from 'zod';
import { apiKeysEnv, envVars, kafkaEnv, mongoEnv, parseEnv, requireApiKeysInProduction, serviceEnv, withDevKeyFallback } from '@tthc/platform';

const schema = z
  .object({
    ...apiKeysEnv,
    ...serviceEnv(8081),
    ...mongoEnv,
    // The state topic feeds the delay counters every report reads (see README, Delay counters).
    ...kafkaEnv,
    // The lanes handled at once are counted together (one read, one claim, one `$inc` of the
    // counters per batch), so more of them make fewer, larger batches, as in workflow and sla.
    KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency.default(512),
    KAFKA_PARTITIONS_CONCURRENTLY: envVars.partitionsConcurrently.default(6),
    KAFKA_FETCH_BYTES_PER_PARTITION: envVars.fetchBytesPerPartition,
    // A batch of counter changes interrupted between its claims and its counters (a crash) is
    // applied again by any instance once its claims are this old; younger ones may still be in
    // flight on another instance. Checked at start and every COUNTER_RECOVERY_INTERVAL_SECONDS.
    COUNTER_RECOVERY_AFTER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    COUNTER_RECOVERY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    // The one-time fill of the counters from the subjects already stored reads them in batches
    // of this many (two counted at once): larger batches write each counter document fewer times.
    COUNTER_FILL_BATCH: z.coerce.number().int().min(1).max(100_000).default(20_000),
    // Lets tests run several isolated instances against one broker.
    CONSUMER_GROUP: z.string().min(1).optional(),
    // Redis holds the per-key rate-limit buckets, shared by every instance of the service.
    REDIS_URL: envVars.redisUrl,
    // Prefix of the service's Redis keys, to share one Redis between environments.
    REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or "_.:-"').default('tthc'),
    RATE_LIMIT_PER_MINUTE: envVars.rateLimitPerMinute,
    RATE_LIMIT_BURST: envVars.rateLimitBurst,
    // Agencies' names, levels (ministry / province / commune / historic district) and the
    // successors of pre-July-2025 district units. The shipped sample is used when unset outside
    // production; in production reports would otherwise show codes without names or levels.
    AGENCY_DIRECTORY_FILE: envVars.jsonFile.optional(),
    // PAR Index rubric (criteria, thresholds, points) of one or more years. The official
    // thresholds were not found (docs/legal-rules.md §3), so none is built in: the labelled sample is used
    // when unset outside production, and no PAR criterion is scored when unset in production.
    PAR_RUBRIC_FILE: envVars.jsonFile.optional(),
    // National calendar file (docs/calendar.md): period boundaries and working days late. The shipped
    // packages/calendar/data/vn-civil-service.json when unset.
    CALENDAR_FILE: envVars.jsonFile.optional(),
    // The case record reads the stored history with workflow's rules; these two change what it
    // shows (the pauses, the last day to apologise), so they take workflow's variables and defaults.
    RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK: z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .optional()
      .transform((v) => v === 'true' || v === '1'),
    RULE_APOLOGY_LEAD_WORKING_DAYS: z.coerce.number().int().min(0).max(100).default(1),
    // Citizens' rating levels: names, which are a dislike (766 criterion 5.4) and their weight in the
    // satisfied share. Unconfirmed (docs/legal-rules.md, ratings): built-in defaults when unset.
    RATING_LEVELS_FILE: envVars.jsonFile.optional(),
    // The satisfied share a SIPAS-style survey result is measured against, percent.
    SIPAS_TARGET_PERCENT: z.coerce.number().min(0).max(100).default(89),
  })
  .superRefine(requireApiKeysInProduction);

export type ReportingConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return withDevKeyFallback(parseEnv(schema, env, 'reporting'));
}
