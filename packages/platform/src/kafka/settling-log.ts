import { logLevel } from 'kafkajs';

/**
 * Errors kafkajs reports while a cluster settles: a group coordinator still loading its offsets
 * (every fresh cluster, and after a broker restart), a partition between leaders, a topic just
 * created and not yet known everywhere, a rebalance. kafkajs retries each of them and logs them at
 * error level with a stack, which reads like a failure on a healthy start. They are logged at warn
 * once per minute per kind and at debug otherwise; what kafkajs gives up on still reaches the
 * consumer runner's crash handling and the send paths as an error. A settled line carries no stack:
 * the kind says all there is to say.
 */
const SETTLING_ERRORS: ReadonlyArray<readonly [string, RegExp]> = [
  ['coordinator-loading', /coordinator is loading/i],
  ['coordinator-unavailable', /coordinator is not available|not the correct coordinator|coordinator is not aware of this member/i],
  ['leader-election', /no leader for this topic-partition|not the leader for that topic-partition|leader not available/i],
  ['topic-unknown', /does not host this topic-partition|unknown topic or partition/i],
  ['rebalance', /group is rebalancing/i],
  // Services creating the same topics at once: ensureTopics treats "already exists" as done and
  // fails the start with its own error for anything else.
  ['topic-creation-race', /Topic creation errors|already exists/i],
];
const SETTLING_WARN_EVERY_MS = 60_000;

export function settlingLog(now: () => number = Date.now): (level: number, message: string, fields: Record<string, unknown>) => 'warn' | 'debug' | null {
  const lastWarned = new Map<string, number>();
  return (level, message, fields) => {
    if (level !== logLevel.ERROR && level !== logLevel.WARN) return null;
    // A restart after a crash is kafkajs recovering; the crash line itself says why.
    if (message.startsWith('Restarting the consumer')) return 'warn';
    const text = `${message} ${typeof fields['error'] === 'string' ? fields['error'] : ''}`;
    const kind = SETTLING_ERRORS.find(([, pattern]) => pattern.test(text))?.[0];
    if (!kind) return null;
    const last = lastWarned.get(kind);
    if (last !== undefined && now() - last < SETTLING_WARN_EVERY_MS) return 'debug';
    lastWarned.set(kind, now());
    return 'warn';
  };
}
