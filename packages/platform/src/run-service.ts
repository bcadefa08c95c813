import { ConfigError } from './config';
import { createLogger, type Logger } from './logger';
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
    // Named fields rather than the error itself: a driver's error can hold the whole client
    // (topology, pools), which the logger cannot serialise, and the cause would be lost.
    logger.fatal({ error: startFailure(err) }, `${service} failed to start`);
    void shutdown.run('start-failure').finally(() => process.exit(1));
  });
}

function startFailure(err: unknown): { type: string; message: string; code?: unknown; stack?: string; cause?: string } {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const { code, cause } = err as Error & { code?: unknown };
  return {
    type: err.name,
    message: err.message,
    ...(code !== undefined ? { code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    ...(cause !== undefined ? { cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) } : {}),
  };
}
