import mongoose, { type ConnectOptions, type Connection, type Model, type Schema } from 'mongoose';
import type { Logger } from 'pino';
import { sharedCounter, type Metrics } from './metrics';
import { guardDestroyedSocketWrites } from './mongo-driver-guard';

const CONNECT_OPTIONS: ConnectOptions = {
  serverSelectionTimeoutMS: 5000,
  // Indexes are created explicitly with Model.init() at start-up, not lazily on first use.
  autoIndex: false,
};

export interface MongoWatchdogOptions {
  /**
   * How long the service's own client may fail while a fresh client reaches the same server
   * before it is closed and opened again. Longer than the driver's own recovery (a heartbeat
   * plus a server selection, about 15 s) so only a client that stopped recovering is reopened.
   */
  staleAfterMs: number;
  /**
   * How long a fresh client must have been reaching the server, with the service's own client
   * still failing, before the own client is reopened: the driver's own chance to reconnect once
   * the server is back (a heartbeat of 10 s plus a server selection). @defaultValue 20 000
   */
  recoveryGraceMs?: number;
  /** @defaultValue 5 000 */
  checkEveryMs?: number;
  metrics?: Metrics;
}

export interface ConnectMongoOptions {
  /** `staleAfterMs` of the watchdog in seconds; 0 or absent: no watchdog (command-line tools). */
  watchdogSeconds?: number;
  metrics?: Metrics;
}

/**
 * The connection's model `name`, declared with `schema` the first time: mongoose refuses a
 * second declaration of a name on one connection, and a repository is built once per app.
 */
export function modelOn<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}

/**
 * Each service opens its own connection (not mongoose's global one) so that several services
 * can share a process in end-to-end tests without sharing models.
 */
export async function connectMongo(url: string, logger: Logger, options: ConnectMongoOptions = {}): Promise<Connection> {
  const guard = guardDestroyedSocketWrites();
  if (!guard.installed) logger.warn({ reason: guard.reason }, 'mongodb driver guard not installed: a command written to a connection the server just closed may wait until its caller times out');
  const conn = mongoose.createConnection(url, CONNECT_OPTIONS);
  conn.on('disconnected', () => logger.warn('mongodb disconnected'));
  conn.on('reconnected', () => logger.info('mongodb reconnected'));
  await conn.asPromise();
  if (options.watchdogSeconds) watchMongo(conn, url, logger, { staleAfterMs: options.watchdogSeconds * 1000, ...(options.metrics ? { metrics: options.metrics } : {}) });
  return conn;
}

export async function pingMongo(conn: Connection): Promise<void> {
  if (conn.readyState !== 1 || !conn.db) throw new Error('not connected');
  await conn.db.command({ ping: 1 });
}

/** Whether a client of its own, opened now, reaches the server at `url`. */
async function reachableFresh(url: string): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export type WatchdogVerdict = 'healthy' | 'failing' | 'server-unreachable' | 'reopened';

export interface MongoWatchdog {
  /** One check now (the timer runs the same). */
  check(): Promise<WatchdogVerdict>;
  stop(): void;
}

/**
 * Reopens a client that stopped recovering on its own. In a long fault run one service's client
 * (mongodb driver 6.20 against mongo-java-server, after a server restart) answered
 * "connection closed" for 15 minutes while every other process had reconnected within seconds;
 * its consumer stayed paused holding half the partitions. A server that is really away is left
 * alone: the watchdog reopens only when a fresh client reaches the same URL. Reopening keeps the
 * connection object, so models and repositories built on it carry on; mongoose buffers their
 * commands meanwhile.
 */
export function watchMongo(conn: Connection, url: string, logger: Logger, opts: MongoWatchdogOptions): MongoWatchdog {
  const log = logger.child({ component: 'mongo-watchdog' });
  const reopened = opts.metrics ? sharedCounter(opts.metrics, 'mongo_client_reopened_total', 'MongoDB clients closed and opened again because they stopped recovering while the server answered') : null;
  const graceMs = opts.recoveryGraceMs ?? 20_000;
  let failingSince: number | null = null;
  // Since when a fresh client has been reaching the server while the own client failed.
  let answeringSince: number | null = null;
  let checking: Promise<WatchdogVerdict> | null = null;
  let reopening = false;
  let stopped = false;

  async function checkOnce(): Promise<WatchdogVerdict> {
    try {
      await withTimeout(pingMongo(conn), 10_000);
      failingSince = null;
      answeringSince = null;
      return 'healthy';
    } catch (err) {
      const now = Date.now();
      failingSince ??= now;
      if (now - failingSince < opts.staleAfterMs) return 'failing';
      if (!(await reachableFresh(url))) {
        answeringSince = null;
        return 'server-unreachable';
      }
      // A server just back after a long outage is not a stuck client yet.
      answeringSince ??= now;
      if (stopped || now - answeringSince < graceMs) return 'failing';
      log.error({ failingForMs: now - failingSince, serverAnsweringForMs: now - answeringSince, err: (err as Error).message }, 'mongodb client stopped recovering while the server answers a fresh client; reopening it');
      reopening = true;
      try {
        // A close that hangs on a wedged pool must not keep the connection shut for good.
        await withTimeout(conn.close(), 10_000).catch((closeErr: unknown) => log.warn({ err: (closeErr as Error).message }, 'closing the stale client failed; opening anyway'));
        await conn.openUri(url, CONNECT_OPTIONS);
      } finally {
        reopening = false;
      }
      reopened?.inc();
      failingSince = null;
      answeringSince = null;
      log.info('mongodb client reopened');
      return 'reopened';
    }
  }

  const check = (): Promise<WatchdogVerdict> => {
    // Overlapping checks would reopen twice.
    checking ??= checkOnce().finally(() => {
      checking = null;
    });
    return checking;
  };

  const timer = setInterval(() => {
    void check().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'mongodb watchdog check failed'));
  }, opts.checkEveryMs ?? 5000);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  // The service closing its connection ends the watch; the watchdog's own reopen does not.
  conn.on('close', () => {
    if (!reopening) stop();
  });
  return { check, stop };
}
