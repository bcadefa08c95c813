import { z } from 'zod';
import { apiKeysEnv, envVars, kafkaEnv, parseEnv, requireApiKeysInProduction, serviceEnv, withDevKeyFallback } from '@tthc/platform';

const schema = z
  .object({
    ...apiKeysEnv,
    // Portals reach intake through a reverse proxy in production; bind all interfaces there (HOST).
    ...serviceEnv(8080),
    ...kafkaEnv,
    // Prefix of intake's Redis keys, to share one Redis between environments (as KAFKA_TOPIC_NAMESPACE does a cluster).
    REDIS_KEY_PREFIX: z.string().min(1).default('tthc'),
    REDIS_URL: envVars.redisUrl,
    // How long an accepted event id is remembered for duplicate detection (portals retry for days).
    DEDUP_TTL_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
    // Upper bound of one HTTP wait for Kafka before answering 503 (kafkajs retries inside it).
    KAFKA_SEND_TIMEOUT_MS: z.coerce.number().int().min(500).default(8000),
    // Compression of each request's record batch. See the README for what gzip did to throughput.
    KAFKA_COMPRESSION: z.enum(['none', 'gzip'], { message: 'must be none or gzip' }).default('none'),
    // Zone of the portal's yyyyMMddHHmmss dates (POST /v1/portal/dossiers), which carry no offset.
    // Requests per minute and burst per API key, shared by every intake instance through Redis.
    RATE_LIMIT_PER_MINUTE: envVars.rateLimitPerMinute,
    RATE_LIMIT_BURST: envVars.rateLimitBurst,
    // Unconfirmed rule: a dossier code in the TT 04/2025 shape (MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX)
    // starts with the receiving unit's agency code, so the key must cover that agency too. This
    // stops a key from posting another agency's next reception ahead of it. Turn it off where
    // portals number dossiers of other units in that shape.
    CODE_AGENCY_CHECK: z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .optional()
      .transform((v) => v === undefined || v === 'true' || v === '1'),
    PORTAL_TIME_ZONE: z
      .string()
      .default('Asia/Ho_Chi_Minh')
      .refine(isKnownTimeZone, 'must be an IANA time zone, e.g. Asia/Ho_Chi_Minh'),
  })
  .superRefine(requireApiKeysInProduction);

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type IntakeConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return withDevKeyFallback(parseEnv(schema, env, 'intake'));
}
