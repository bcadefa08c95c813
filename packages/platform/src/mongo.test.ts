import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { sleep, waitFor } from '@tthc/testkit';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { connectMongo, pingMongo, watchMongo, type MongoWatchdog } from './mongo';

const logger = createLogger({ service: 'mongo-watchdog-test', level: 'silent' });

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A TCP path to the real server that can be cut and restored, as a network partition would. */
async function startProxy(target: URL, port = 0): Promise<{ url: (db: string) => string; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    url: (db) => `mongodb://127.0.0.1:${bound}/${db}?directConnection=true`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('MongoDB watchdog on the real MongoDB-wire server', () => {
  const base = process.env.MONGO_URL ?? 'mongodb://missing';
  const dbName = `watchdog-${randomBytes(4).toString('hex')}`;
  let conn: Connection | null = null;
  let watchdog: MongoWatchdog | null = null;

  afterEach(async () => {
    watchdog?.stop();
    await conn?.close().catch(() => undefined);
    conn = null;
  });
  afterAll(async () => {
    const cleanup = await mongoose.createConnection(databaseUrl(base, dbName)).asPromise();
    await cleanup.dropDatabase();
    await cleanup.close();
  });

  test('when the service client stops working while the server answers, then after the stale time it is reopened and its models work again', async () => {
    const url = databaseUrl(base, dbName);
    conn = await connectMongo(url, logger);
    const Thing = conn.model('Thing', new mongoose.Schema({ n: Number }));
    await Thing.create({ n: 1 });
    const metrics = createMetrics('watchdog-test');
    watchdog = watchMongo(conn, url, logger, { staleAfterMs: 300, recoveryGraceMs: 300, checkEveryMs: 60_000, metrics });

    // The driver's client closed under mongoose: every operation fails although the server is fine.
    await conn.getClient().close(true);
    await expect(Thing.countDocuments()).rejects.toThrow(/must be connected/);

    expect(await watchdog.check()).toBe('failing');
    // Part of the scenario: the failure has to outlast staleAfterMs (300)…
    await sleep(400);
    // …and the driver gets its grace (300) from the moment a fresh client is seen to answer.
    expect(await watchdog.check()).toBe('failing');
    await sleep(400);
    expect(await watchdog.check()).toBe('reopened');

    expect(await Thing.countDocuments()).toBe(1);
    expect(await watchdog.check()).toBe('healthy');
    expect(await metrics.registry.getSingleMetricAsString('mongo_client_reopened_total')).toMatch(/mongo_client_reopened_total\{service="watchdog-test"\} 1$/m);
  });

  test('when the server cannot be reached at all, then the client is left to the driver and recovers on its own once the path is back', async () => {
    const proxy = await startProxy(new URL(base));
    const url = proxy.url(dbName);
    conn = await connectMongo(url, logger);
    const Thing = conn.model('Thing', new mongoose.Schema({ n: Number }));
    watchdog = watchMongo(conn, url, logger, { staleAfterMs: 100, recoveryGraceMs: 60_000, checkEveryMs: 60_000 });
    expect(await watchdog.check()).toBe('healthy');

    await proxy.close();
    expect(await watchdog.check()).toBe('failing');
    // Part of the scenario: the failure has to outlast staleAfterMs (100).
    await sleep(200);
    expect(await watchdog.check()).toBe('server-unreachable');

    const restored = await startProxy(new URL(base), proxy.port);
    try {
      // The driver reconnects by itself within a heartbeat and a server selection; nothing reopened it.
      const answered = await waitFor('the driver to reconnect', () => pingMongo(conn!).then(() => true, () => false), { timeoutMs: 30_000, intervalMs: 500 });
      expect(answered).toBe(true);
      expect(await watchdog.check()).toBe('healthy');
      expect(await Thing.countDocuments()).toBeGreaterThanOrEqual(0);
    } finally {
      watchdog.stop();
      await conn.close().catch(() => undefined);
      conn = null;
      await restored.close();
    }
  });
});
