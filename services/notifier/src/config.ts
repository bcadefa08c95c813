import { z } from 'zod';
import { apiKeysEnv, consumerServiceEnv, envVars, parseEnv, requireApiKeysInProduction, requireSecretInProduction, serviceEnv, withDevKeyFallback } from '@tthc/platform';
import { ACK_WINDOW_PATTERN, parseAckWindow } from './domain/escalate-after';

const DEV_ACK_SECRET = 'dev-ack-secret-not-for-production';
const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const DURATION_PATTERN = /^(\d{1,6})(s|m|h|d)$/;
const DURATION_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationMs = (text: string) => {
  const m = DURATION_PATTERN.exec(text);
  return m ? Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS] : Number.NaN;
};

// Connection, greeting and socket timeouts of the SMTP sender, added up.
export const SMTP_SEND_BUDGET_MS = 40_000;

const schema = z
  .object({
    ...apiKeysEnv,
    ...serviceEnv(8084),
    ...consumerServiceEnv,
    // Defaults fit the development mail catcher (packages/testkit smtp-sink, port 1025).
    SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    SMTP_PORT: envVars.port(1025),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASS: z.string().min(1).optional(),
    MAIL_FROM: z.string().min(3).default('Giám sát hạn TTHC <no-reply@tthc.invalid>'),
    // Links in messages: the dossier in the dashboard, and this service's public address for
    // the signed acknowledgement link.
    DASHBOARD_URL: httpUrl.default('http://127.0.0.1:8081/dashboard'),
    PUBLIC_URL: httpUrl.default('http://127.0.0.1:8084'),
    // Key of the acknowledgement links' HMAC; rotating it invalidates links already sent.
    ACK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    // A mailed acknowledgement link stops working this long after the message was sent.
    ACK_LINK_TTL: z
      .string()
      .regex(DURATION_PATTERN, 'must be <n>d, <n>h, <n>m or <n>s')
      .refine((t) => !DURATION_PATTERN.test(t) || (durationMs(t) >= 60_000 && durationMs(t) <= 90 * 86_400_000), 'must be between 1 minute and 90 days')
      .default('7d'),
    // Webhooks to loopback, private, link-local and other non-public addresses are refused
    // unless this is set (tests with a local receiver, closed networks).
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
    // Keeps one key from filling the store and the delivery queue with subscriptions.
    MAX_SUBSCRIPTIONS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(200),
    RATE_LIMIT_PER_MINUTE: envVars.rateLimitPerMinute,
    RATE_LIMIT_BURST: envVars.rateLimitBurst,
    // Sends per message before it is declared dead; the backoff doubles from the base delay
    // (15 s × 2^n: 8 attempts span about half an hour).
    DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    DELIVERY_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(15_000),
    DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    // No legal rule found for how long a manager has to react: one working day by default.
    ESCALATE_AFTER: z.string().regex(ACK_WINDOW_PATTERN, 'must be <n>wd (working days), <n>wh (working hours) or <n>s (seconds)').default('1wd'),
    // From this recipient level on (0 manager, 1 agency head, 2 reform office) a message goes
    // out at once, even at night or on a day off; below it waits for the next working instant.
    URGENT_LEVEL: z.coerce.number().int().min(0).max(3).default(2),
    // Local time (of the national calendar's zone) of the morning digest on working days.
    DIGEST_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM').default('07:30'),
    DIGEST_ENABLED: bool.default(true),
    // Jobs live in Redis, their truth in MongoDB: this often, open deliveries, pending
    // acknowledgement checks and the digest schedule are compared and lost jobs put back.
    RECONCILE_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    RECONCILE_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    // A send lease older than this is taken for a crash mid-send and the message is sent again
    // (same Message-ID / webhook-id). It must exceed the longest send: the SMTP timeouts
    // (connection 10 s, greeting 10 s, socket 20 s) and WEBHOOK_TIMEOUT_MS. Shorter means a
    // message caught by a crash goes out sooner after it.
    SEND_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    // The calendars subscriptions may name.
    AGENCY_PROFILES_FILE: envVars.agencyProfilesFile,
  })
  .superRefine(requireApiKeysInProduction)
  .superRefine(requireSecretInProduction('ACK_SECRET'))
  .superRefine((env, ctx) => {
    if (Boolean(env.SMTP_USER) !== Boolean(env.SMTP_PASS)) ctx.addIssue({ code: 'custom', path: [env.SMTP_USER ? 'SMTP_PASS' : 'SMTP_USER'], message: 'SMTP_USER and SMTP_PASS go together' });
    if (!parseAckWindow(env.ESCALATE_AFTER)) ctx.addIssue({ code: 'custom', path: ['ESCALATE_AFTER'], message: 'must be a positive amount' });
    if (env.SEND_LEASE_SECONDS * 1000 <= Math.max(env.WEBHOOK_TIMEOUT_MS, SMTP_SEND_BUDGET_MS))
      ctx.addIssue({ code: 'custom', path: ['SEND_LEASE_SECONDS'], message: `must exceed the longest send (${Math.max(env.WEBHOOK_TIMEOUT_MS, SMTP_SEND_BUDGET_MS) / 1000} s)` });
  });

export type NotifierConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const cfg = withDevKeyFallback(parseEnv(schema, env, 'notifier'));
  return {
    ...cfg,
    ACK_SECRET: cfg.ACK_SECRET ?? DEV_ACK_SECRET,
    usingDevAckSecret: !cfg.ACK_SECRET,
    ackWindow: parseAckWindow(cfg.ESCALATE_AFTER)!,
    ackLinkTtlMs: durationMs(cfg.ACK_LINK_TTL),
  };
}
