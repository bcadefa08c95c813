import { ConfigError } from './config';
import { createLogger, serializeError, type Logger } from './logger';
import { exitOnSignals, ShutdownRegistry } from './shutdown';

export interface Startable {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The whole of a service's `main.ts`: validate configuration (a bad variable is named and the
 * process exits 78, EX_CONFIG), build the app, start it, and stop it on SIGTERM/SIGINT.
 */
export function runService<C extends { LOG_LEVEL: string }>(
  service: string,
  loadConfig: () => C,
  createApp: (config: C, deps: { logger: Logger }) => Startable,
): void {
  let config: C;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const app = createApp(config, { logger });
  const shutdown = new ShutdownRegistry(logger);
  shutdown.register(service, () => app.stop());
  exitOnSignals(shutdown);
  app.start().catch((err: unknown) => {
    // Under `error` (what operators and the test read); the fields are the logger's own `err`
    // serializer's, so the fatal line and every other error line read alike.
    logger.fatal({ error: serializeError(err) }, `${service} failed to start`);
    void shutdown.run('start-failure').finally(() => process.exit(1));
  });
}
