/** The one Redis command the helper needs; ioredis clients and BullMQ's connection both have it. */
interface EvalClient {
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

// One server-side script, so every matching key disappears at one instant, as in a restart
// without persistence. Deleting key by key from the client lets a running service re-create a
// job between deletions and leave it half gone (its hash without its place in a state set),
// which no real Redis loss does.
const DELETE_MATCHING = "local n, c = 0, '0' repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) c = r[1] for _, k in ipairs(r[2]) do n = n + redis.call('DEL', k) end until c == '0' return n";

/** Deletes every key starting with `prefix` at once; returns how many there were. */
export async function loseRedisKeys(redis: EvalClient, prefix: string): Promise<number> {
  return Number(await redis.eval(DELETE_MATCHING, 0, `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`));
}
