import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { loseRedisKeys, requireEnv, uniqueName } from '@tthc/testkit';
import { createRedisIdempotencyStore } from '../src/data-access/idempotency.redis';

const prefix = uniqueName('intake-idem');
const redis = new Redis(requireEnv('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 2 });
const store = createRedisIdempotencyStore(redis, 3600, prefix);

beforeAll(async () => {
  await redis.connect();
});
afterAll(async () => {
  await loseRedisKeys(redis, `${prefix}:`);
  redis.disconnect();
});

describe('the Redis idempotency store', () => {
  test('when a batch repeats ids already done or pending, then each gets its state and only the new ids are claimed', async () => {
    expect(await store.claim(['done-1', 'pending-1', 'done-2'])).toEqual(['claimed', 'claimed', 'claimed']);
    await store.complete(['done-1', 'done-2']);

    expect(await store.claim(['new-1', 'done-1', 'pending-1', 'done-2', 'new-2'])).toEqual(['claimed', 'done', 'pending', 'done', 'claimed']);
    expect(await store.claim(['new-1', 'new-2'])).toEqual(['pending', 'pending']);
  });

  test('when claims are released, then the next batch claims them again and done ids stay done', async () => {
    expect(await store.claim(['r-1', 'r-2', 'r-3'])).toEqual(['claimed', 'claimed', 'claimed']);
    await store.complete(['r-2']);
    await store.release(['r-1', 'r-3']);
    expect(await store.claim(['r-1', 'r-2', 'r-3'])).toEqual(['claimed', 'done', 'claimed']);
  });

  test('when a batch of 500 ids is claimed while half of them are done, then the answer holds 500 states in the order asked', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `big-${i}`);
    await store.claim(ids.filter((_, i) => i % 2 === 0));
    await store.complete(ids.filter((_, i) => i % 2 === 0));
    expect(await store.claim(ids)).toEqual(ids.map((_, i) => (i % 2 === 0 ? 'done' : 'claimed')));
  });

  test('when an id is claimed and then done, then its key is <prefix>:intake:event:<sha256 of the id>, as earlier versions wrote it', async () => {
    const key = `${prefix}:intake:event:${createHash('sha256').update('format-1').digest('hex')}`;
    await store.claim(['format-1']);
    expect(await redis.get(key)).toBe('pending');
    await store.complete(['format-1']);
    expect(await redis.get(key)).toBe('done');
    expect(await redis.ttl(key)).toBeGreaterThan(3000);
  });
});
