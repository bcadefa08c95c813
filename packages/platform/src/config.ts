import { z } from 'zod';

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

/** Shared variable schemas, so every service names and checks them the same way. */
export const envVars = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  kafkaBrokers: z
    .string({ message: 'is required (comma-separated host:port list)' })
    .min(1, 'is required (comma-separated host:port list)')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((list) => list.every((b) => /^[^\s:]+:\d+$/.test(b)), 'each broker must be host:port'),
  mongoUrl: z.string({ message: 'is required' }).regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb://'),
  redisUrl: z.string({ message: 'is required' }).regex(/^rediss?:\/\//, 'must start with redis://'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: z.enum(['development', 'test', 'production']).default('development'),
  // Dossiers handled at once per consumer; one dossier's messages always stay in order.
  consumerConcurrency: z.coerce.number().int().min(1).max(256).default(32),
  topicNamespace: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "-" or "_"')
    .optional(),
};

/** Key table used when API_KEYS is unset outside production. */
export const DEV_API_KEYS = 'dev-key:*';

/**
 * `API_KEYS` is mandatory in production; elsewhere a development key for every agency is
 * used, and the service says so in its log.
 */
export const apiKeysEnv = {
  NODE_ENV: envVars.nodeEnv,
  API_KEYS: z.string().optional(),
};

export function requireApiKeysInProduction(env: { NODE_ENV: string; API_KEYS?: string | undefined }, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === 'production' && !env.API_KEYS) {
    ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'is required when NODE_ENV=production' });
  }
}

export function withDevKeyFallback<T extends { API_KEYS?: string | undefined }>(cfg: T): Omit<T, 'API_KEYS'> & { API_KEYS: string; usingDevKey: boolean } {
  return { ...cfg, API_KEYS: cfg.API_KEYS ?? DEV_API_KEYS, usingDevKey: !cfg.API_KEYS };
}
