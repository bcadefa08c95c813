import { randomBytes } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createMetrics } from '../metrics';
import { parseApiKeys, requireApiKey } from './api-keys';
import { rateLimitKey, rateLimitPerKey } from './rate-limit';
import { listen, type RunningServer } from './service-http';

const redisUrl = () => {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run through the root jest config');
  return url;
};

describe('per-key rate limit on the real Redis', () => {
  let redis: Redis;
  const servers: RunningServer[] = [];
  const prefix = `rl-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    redis = new Redis(redisUrl());
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    const keys = await redis.keys(rateLimitKey(prefix, '*'));
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  /** Two instances of one service sharing the limit, as two replicas would. */
  async function twoInstances(settings: { perMinute: number; burst: number }, client: Redis = redis) {
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = express();
      app.use(requireApiKey(parseApiKeys('key-aaaaaa:G01;key-bbbbbb:G02')));
      app.use(rateLimitPerKey({ redis: client, prefix, settings, logger: pino({ level: 'silent' }), metrics: createMetrics('rl-test') }));
      app.get('/x', (_req, res) => {
        res.json({ ok: true });
      });
      const server = await listen(app, 0);
      servers.push(server);
      urls.push(server.url);
    }
    return urls;
  }
  const get = (url: string, key: string) => fetch(`${url}/x`, { headers: { authorization: `Bearer ${key}` } });

  test('when a key exceeds its burst across two instances, then it gets 429 with Retry-After and other keys pass', async () => {
    const [a, b] = await twoInstances({ perMinute: 60, burst: 3 });
    const statuses: number[] = [];
    for (const url of [a!, b!, a!, b!]) statuses.push((await get(url, 'key-aaaaaa')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await get(a!, 'key-aaaaaa');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { type: string }).type).toBe('urn:tthc:problem:rate-limited');
    expect((await get(b!, 'key-bbbbbb')).status).toBe(200);
  });

  test('when Redis does not answer, then requests pass rather than fail', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const [a] = await twoInstances({ perMinute: 1, burst: 1 }, dead);
    for (let i = 0; i < 3; i++) expect((await get(a!, 'key-aaaaaa')).status).toBe(200);
    dead.disconnect();
  });
});
