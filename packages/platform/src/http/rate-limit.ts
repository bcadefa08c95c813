import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { principalOf } from './api-keys';
import { problemType, sendProblem } from './problem';

export interface RateLimitSettings {
  /** Sustained requests per minute per key; 0 turns the limit off. */
  perMinute: number;
  /** Requests a key may send at once above the sustained rate. */
  burst: number;
}

/**
 * A token bucket per key in Redis, so every instance of a service draws from the same bucket.
 * Redis's own clock refills it, so instances with skewed clocks agree. Returns the wait in
 * milliseconds before one request is allowed again (0: allowed now, and the token is taken).
 */
const TAKE_TOKEN = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or nowMs
tokens = math.min(capacity, tokens + math.max(0, nowMs - at) * perMs)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(nowMs))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / perMs) + 1000)
return wait
`;

/** The Redis key of one API key's bucket under `prefix` (`'*'` as the key id matches them all). */
export function rateLimitKey(prefix: string, keyId: string): string {
  return `${prefix}:ratelimit:${keyId}`;
}

/**
 * Limits each API key (mount after `requireApiKey`) to a sustained rate with a burst, shared by
 * all instances through Redis. Over the limit: 429 problem+json with `Retry-After`. When Redis
 * does not answer, requests pass: a limiter outage must not become a service outage.
 */
export function rateLimitPerKey(opts: { redis: Redis; prefix: string; settings: RateLimitSettings; logger: Logger; metrics: Metrics }) {
  const { perMinute, burst } = opts.settings;
  const limited = opts.metrics.counter('http_rate_limited_total', 'Requests refused with 429 by the per-key rate limit', ['role']);
  const failures = opts.metrics.counter('http_rate_limit_errors_total', 'Rate-limit checks that failed open because Redis did not answer');
  const capacity = Math.max(1, burst);
  const perMs = perMinute / 60_000;
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (perMinute <= 0) return next();
    const principal = principalOf(res);
    let waitMs = 0;
    try {
      waitMs = Number(await opts.redis.eval(TAKE_TOKEN, 1, rateLimitKey(opts.prefix, principal.keyId), String(capacity), String(perMs)));
    } catch (err) {
      failures.inc();
      opts.logger.warn({ err: (err as Error).message }, 'rate limit not checked: redis unavailable');
      return next();
    }
    if (waitMs <= 0) return next();
    limited.inc({ role: principal.role });
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    sendProblem(
      res,
      { type: problemType('rate-limited'), title: 'Too Many Requests', status: 429, detail: `This key may send ${perMinute} requests per minute (bursts of ${capacity}); retry in ${retryAfter} s.` },
      { 'Retry-After': String(retryAfter) },
    );
  };
}
