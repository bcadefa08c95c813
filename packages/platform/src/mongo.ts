import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';

/**
 * Each service opens its own connection (not mongoose's global one) so that several services
 * can share a process in end-to-end tests without sharing models.
 */
export async function connectMongo(url: string, logger: Logger): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: 5000,
    // Indexes are created explicitly with Model.init() at start-up, not lazily on first use.
    autoIndex: false,
  });
  conn.on('disconnected', () => logger.warn('mongodb disconnected'));
  conn.on('reconnected', () => logger.info('mongodb reconnected'));
  await conn.asPromise();
  return conn;
}

export async function pingMongo(conn: Connection): Promise<void> {
  if (conn.readyState !== 1 || !conn.db) throw new Error('not connected');
  await conn.db.command({ ping: 1 });
}
