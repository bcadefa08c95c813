import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClaimState, IdempotencyStore } from '../domain/accept-events.use-case';

const PENDING = 'pending';
const DONE = 'done';
// Long enough for a Kafka send with its retries; short enough that a crashed request's claim
// expires before the portal retries.
const CLAIM_LEASE_MS = 30_000;

export function createRedisIdempotencyStore(redis: Redis, ttlSeconds: number, prefix: string): IdempotencyStore {
  const k = (key: string) => `${prefix}:intake:event:` + createHash('sha256').update(key).digest('hex');
  return {
    async claim(key) {
      const set = await redis.set(k(key), PENDING, 'PX', CLAIM_LEASE_MS, 'NX');
      if (set === 'OK') return 'claimed';
      const value = await redis.get(k(key));
      if (value === null) return this.claim(key);
      return (value === DONE ? 'done' : 'pending') as ClaimState;
    },
    async complete(keys) {
      if (keys.length === 0) return;
      const tx = redis.multi();
      for (const key of keys) tx.set(k(key), DONE, 'EX', ttlSeconds);
      await tx.exec();
    },
    async release(keys) {
      if (keys.length === 0) return;
      await redis.del(...keys.map(k));
    },
  };
}
