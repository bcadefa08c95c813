import { z } from 'zod';
import { apiKeysEnv, envVars, parseEnv, requireApiKeysInProduction, withDevKeyFallback } from '@tthc/platform';

const schema = z
  .object({
    ...apiKeysEnv,
    LOG_LEVEL: envVars.logLevel,
    HOST: z.string().default('127.0.0.1'),
    PORT: envVars.port(8081),
    MONGO_URL: envVars.mongoUrl,
  })
  .superRefine(requireApiKeysInProduction);

export type ReportingConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return withDevKeyFallback(parseEnv(schema, env, 'reporting'));
}
