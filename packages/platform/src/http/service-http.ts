import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { AppError } from '../errors';
import { classifyFailure } from '../kafka/failure-class';
import { problemType, sendProblem } from './problem';

export type ReadinessCheck = () => Promise<void>;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface ServiceHttpOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** Each check throws when its dependency is unreachable. */
  readiness: Record<string, ReadinessCheck>;
  /** The service's OpenAPI document, served at /openapi.json without a key: clients read it before they have one. */
  openApi?: object;
}

/**
 * Express app with the endpoints every service has: liveness, readiness (all dependencies
 * reachable), Prometheus metrics and request timing. Routes are added by the caller, then
 * `finishServiceHttp` adds the 404 and problem+json error handlers.
 */
export function createServiceHttp(opts: ServiceHttpOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const duration = opts.metrics.histogram('http_request_duration_seconds', 'HTTP request duration', ['method', 'route', 'status'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // Only a matched route's pattern is a label: a raw path (junk, probes, an id in the URL)
      // would add a time series per request and grow /metrics without bound.
      const route = typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER', route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: opts.service });
  });

  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 3000);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: Object.fromEntries(results) });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });

  const openApi = opts.openApi;
  if (openApi) {
    app.get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });
  }
  return app;
}

export function finishServiceHttp(app: Express, logger: Logger): void {
  app.use((req: Request, res: Response) => {
    sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No route for ${req.method} ${req.path}` });
  });
  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; limit?: number; message?: string; charset?: string; expose?: boolean };
    if (res.headersSent) {
      logger.error({ err, method: req.method, path: req.path }, 'request failed after the answer started');
      // Ended normally, a streamed answer cut short would look complete to its reader; a
      // destroyed connection shows the transfer broke.
      res.destroy();
      return;
    }
    if (e?.type === 'entity.too.large') {
      sendProblem(res, { type: problemType('payload-too-large'), title: 'Payload Too Large', status: 413, detail: `The body exceeds ${e.limit} bytes.` });
      return;
    }
    if (e?.type === 'entity.parse.failed') {
      sendProblem(res, { type: problemType('malformed-json'), title: 'Malformed JSON', status: 400, detail: 'The body is not valid JSON.' });
      return;
    }
    if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
      const what = e.type === 'charset.unsupported' ? `charset "${String(e.charset ?? '').slice(0, 40)}"` : 'content encoding';
      sendProblem(res, { type: problemType('unsupported-media-type'), title: 'Unsupported Media Type', status: 415, detail: `Unsupported ${what}; send UTF-8 JSON without a content encoding.` });
      return;
    }
    // Any other client error the body parser or a router raised (aborted request, bad URL encoding, …).
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false) {
      sendProblem(res, { type: problemType('bad-request'), title: 'Bad Request', status: e.status, detail: 'The request could not be read.' });
      return;
    }
    if (err instanceof AppError && err.status < 500) {
      sendProblem(res, { type: problemType(err.code), title: err.message, status: err.status });
      return;
    }
    // A store or broker that does not answer is the service's temporary state, not a bug: 503
    // tells clients (and load balancers) to come back, as readiness already says.
    const failure = classifyFailure(err);
    if (failure.kind === 'dependency') {
      logger.warn({ err: failure.reason, dependency: failure.dependency, method: req.method, path: req.path }, 'request failed: dependency unavailable');
      sendProblem(res, { type: problemType('unavailable'), title: 'Service Unavailable', status: 503, detail: `A dependency (${failure.dependency ?? 'store'}) does not answer; retry later.` }, { 'Retry-After': '5' });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    sendProblem(res, { type: problemType('internal'), title: 'Internal Server Error', status: 500 });
  });
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Adds the closing handlers, listens, and logs where the service can be reached. */
export async function serveHttp(app: Express, opts: { service: string; logger: Logger; port: number; host: string }): Promise<RunningServer> {
  finishServiceHttp(app, opts.logger);
  const server = await listen(app, opts.port, opts.host);
  opts.logger.info({ url: server.url }, `${opts.service} listening`);
  return server;
}

export function listen(app: Express, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://${host}:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** Rejects when `p` has not settled within `ms` (a readiness check must answer in bounded time). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
