import type { Connection } from 'mongoose';
import {
  connectMongo,
  createLogger,
  createMetrics,
  createServiceHttp,
  serveHttp,
  parseApiKeys,
  pingMongo,
  requireApiKey,
  type Logger,
  type RunningServer,
} from '@tthc/platform';
import type { ReportingConfig } from './config';
import { createMongoReadModel } from './data-access/read-model.mongo';
import { readRouter } from './entry-points/http/read.routes';

export function createApp(config: ReportingConfig, deps: { logger?: Logger } = {}) {
  const logger = deps.logger ?? createLogger({ service: 'reporting', level: config.LOG_LEVEL });
  const metrics = createMetrics('reporting');
  const apiKeys = parseApiKeys(config.API_KEYS);
  let conn: Connection | null = null;
  let server: RunningServer | null = null;

  return {
    logger,
    async start() {
      if (config.usingDevKey) logger.warn('API_KEYS is not set: using the development key "dev-key" for every agency');
      conn = await connectMongo(config.MONGO_URL, logger);
      const http = createServiceHttp({ service: 'reporting', logger, metrics, readiness: { mongo: () => pingMongo(conn!) } });
      http.use(requireApiKey(apiKeys));
      http.use(readRouter(createMongoReadModel(conn)));
      server = await serveHttp(http, { service: 'reporting', logger, port: config.PORT, host: config.HOST });
      return server;
    },
    async stop() {
      await server?.close();
      await conn?.close();
    },
  };
}
