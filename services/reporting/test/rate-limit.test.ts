import { Redis } from 'ioredis';
import { rateLimitKey } from '@tthc/platform';
import { requireEnv, uniqueName, waitFor } from '@tthc/testkit';
import { reportingRateLimitPrefix } from '../src/app';
import { MANAGER, PORTAL, REFORM, startReporting, type ReportingUnderTest } from './reporting-harness';

const prefix = uniqueName('reporting-limit');
let api: ReportingUnderTest;
let redis: Redis;
let stopped = false;

beforeAll(async () => {
  redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 3 });
  // One request a minute after a burst of two: the third request in a row is always over.
  api = await startReporting({ name: 'reporting-limit', seed: false, env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2', REDIS_KEY_PREFIX: prefix } });
});

afterAll(async () => {
  if (!stopped) await api.stop();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const clientNames = async () => String(await redis.client('LIST')).split('\n').map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');

describe('per-key rate limit', () => {
  test('when a key goes over its burst, then it gets 429 problem+json with Retry-After and other keys are served', async () => {
    expect((await api.get('/v1/procedures', PORTAL)).status).toBe(200);
    expect((await api.get('/v1/alerts', PORTAL)).status).toBe(200);
    const limited = await api.get('/v1/dossiers', PORTAL);
    expect(limited.status).toBe(429);
    expect(limited.type).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ type: 'urn:tthc:problem:rate-limited', status: 429 });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    expect((await api.get('/v1/procedures', MANAGER)).status).toBe(200);
    expect((await api.get('/v1/procedures', REFORM)).status).toBe(200);
    // The bucket is reporting's own, under the configured prefix.
    expect(await redis.keys(rateLimitKey(reportingRateLimitPrefix(prefix), '*'))).toHaveLength(3);
  });

  test('when a key is limited, then the dashboard page and readiness still load and readiness checks redis', async () => {
    expect((await api.get('/v1/procedures', PORTAL)).status).toBe(429);
    expect((await api.get('/dashboard/', PORTAL)).status).toBe(200);
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongo: 'ok', kafka: 'ok', consumer: 'ok', redis: 'ok' });
  });

  test('when an unknown key asks, then it is refused with 401 before any bucket is used', async () => {
    const before = (await redis.keys(`${prefix}:*`)).length;
    expect((await api.get('/v1/procedures', 'no-such-key')).status).toBe(401);
    expect((await redis.keys(`${prefix}:*`)).length).toBe(before);
  });
});

describe('shutdown', () => {
  test('when the service stops, then its Redis connection is closed', async () => {
    const name = `reporting:${prefix}`;
    expect(await clientNames()).toContain(name);
    await api.stop();
    stopped = true;
    // QUIT is answered before the server drops the connection, so the list is asked until it is gone.
    await waitFor('the connection to close', async () => !(await clientNames()).includes(name), { timeoutMs: 1000 });
    expect(await clientNames()).not.toContain(name);
  });
});
