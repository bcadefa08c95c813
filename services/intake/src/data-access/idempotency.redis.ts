import { createHash, hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClaimState, IdempotencyStore } from '../domain/accept-events.use-case';

const PENDING = 'pending';
const DONE = 'done';
// Long enough for a Kafka send with its retries; short enough that a crashed request's claim
// expires before the portal retries.
export const CLAIM_LEASE_MS = 30_000;

// A batch of up to 500 ids in one round trip: a SET NX and a GET per id from the client cost a
// socket write and a reply each, a quarter of intake's CPU per event. Atomic per call, so
// no claim can expire or appear between an id's SET NX and its GET.
const CLAIM = `
local states = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'PX', ARGV[3], 'NX') then
    states[i] = 0
  elseif redis.call('GET', key) == ARGV[2] then
    states[i] = 2
  else
    states[i] = 1
  end
end
return states
`;
// All at once like MULTI with a SET per id, but with one reply instead of two per id to parse.
const COMPLETE = `
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
end
return #KEYS
`;
const STATES: readonly ClaimState[] = ['claimed', 'pending', 'done'];

// ioredis sends a defined command as EVALSHA and falls back to EVAL when Redis has forgotten the
// script (restarted or flushed). The key count comes first in each call.
type ScriptedRedis = Redis & {
  tthcIntakeClaim(numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  tthcIntakeComplete(numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
};
function withScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand('tthcIntakeClaim', { lua: CLAIM });
  redis.defineCommand('tthcIntakeComplete', { lua: COMPLETE });
  return redis as ScriptedRedis;
}

// Every id is hashed twice (claim, then complete); the one-shot hash of Node ≥ 20.12 spares a Hash
// object each time. Same digest either way, so existing keys are still found.
const sha256Hex: (text: string) => string = typeof hash === 'function' ? (text) => hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

export function createRedisIdempotencyStore(client: Redis, ttlSeconds: number, prefix: string): IdempotencyStore {
  const redis = withScripts(client);
  const k = (key: string) => `${prefix}:intake:event:${sha256Hex(key)}`;
  return {
    async claim(keys) {
      if (keys.length === 0) return [];
      const reply = await redis.tthcIntakeClaim(keys.length, ...keys.map(k), PENDING, DONE, String(CLAIM_LEASE_MS));
      if (!Array.isArray(reply) || reply.length !== keys.length) throw new Error(`the claim script answered ${Array.isArray(reply) ? reply.length : typeof reply} states for ${keys.length} ids`);
      return reply.map((code) => {
        const state = STATES[Number(code)];
        if (!state) throw new Error(`the claim script answered an unknown state ${String(code)}`);
        return state;
      });
    },
    async complete(keys) {
      if (keys.length === 0) return;
      await redis.tthcIntakeComplete(keys.length, ...keys.map(k), DONE, String(ttlSeconds));
    },
    async release(keys) {
      if (keys.length === 0) return;
      await redis.del(...keys.map(k));
    },
  };
}
