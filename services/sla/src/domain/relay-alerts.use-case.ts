import type { Alert, AlertOutbox, AlertPublisher, Clock, OutboxStats, RelaySignal } from './deadline';

export interface RelayOptions {
  /** Names this instance in the claims; unique per running app. */
  owner: string;
  /** How long a claim keeps other instances off an alert; a crashed owner's claims expire after it. */
  leaseMs: number;
  /** Alerts per produce request. */
  batchSize: number;
  /** First wait after a failed publish; doubled after each further failure up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A pass runs at least this often without a wake-up: alerts of crashed instances, stats. */
  sweepMs: number;
  /** Pending count and oldest age are read again at most this often while alerts flow. */
  statsEveryMs: number;
}

export interface RelayHooks {
  onPublished?(alerts: readonly Alert[], at: Date): void;
  onFailure?(err: Error, retryInMs: number): void;
  onStats?(stats: OutboxStats): void;
}

export type RelaySleep = (ms: number, why: 'backoff' | 'idle', signal: AbortSignal) => Promise<void>;

/**
 * One relay pass: claims the oldest unpublished alerts, publishes them in one acknowledged
 * request and records the acknowledgement. A failed publish gives the claims back so that
 * another instance, whose Kafka may be reachable, need not wait for the lease to run out.
 * Publishing before recording means a crash in between publishes the same alert id again,
 * which consumers recognise, and never loses it.
 */
export async function relayPendingAlerts(
  deps: { outbox: AlertOutbox; publisher: AlertPublisher; clock: Clock },
  opts: Pick<RelayOptions, 'owner' | 'leaseMs' | 'batchSize'>,
): Promise<{ published: Alert[]; more: boolean }> {
  const now = deps.clock.now();
  const batch = await deps.outbox.claimUnpublished(opts.owner, now, new Date(now.getTime() + opts.leaseMs), opts.batchSize);
  if (batch.length === 0) return { published: [], more: false };
  const ids = batch.map((a) => a.id);
  try {
    await deps.publisher.publish(batch);
  } catch (err) {
    await deps.outbox.releaseClaims(opts.owner, ids).catch(() => undefined);
    throw err;
  }
  await deps.outbox.markPublished(ids, deps.clock.now());
  return { published: batch, more: batch.length === opts.batchSize };
}

const abortableSleep: RelaySleep = (ms, _why, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Publishes every stored alert for as long as it takes. It runs a pass at start (alerts stored
 * before a crash), whenever `wake()` is called after a store, and every `sweepMs`. After a
 * failure it waits, doubling the wait up to `maxBackoffMs`, and a success resets the wait; a
 * wake-up does not cut a backoff short, so a burst of stores during an outage cannot turn into
 * a burst of produce attempts.
 */
export function createAlertRelay(
  deps: { outbox: AlertOutbox; publisher: AlertPublisher; clock: Clock; hooks?: RelayHooks; sleep?: RelaySleep },
  opts: RelayOptions,
): RelaySignal & { start(): void; stop(timeoutMs?: number): Promise<void>; stats(): OutboxStats & { failing: boolean; lastError: string | null } } {
  const sleep = deps.sleep ?? abortableSleep;
  const hooks = deps.hooks ?? {};
  let stopped = true;
  let pending = true;
  let failing = false;
  let lastError: string | null = null;
  let backoffMs = 0;
  let lastStatsAt = -Infinity;
  let stats: OutboxStats = { pending: 0, oldestRaisedAt: null };
  let stopping = new AbortController();
  let idle: AbortController | null = null;
  let loop: Promise<void> = Promise.resolve();

  async function refreshStats(force: boolean) {
    const now = deps.clock.now().getTime();
    if (!force && now - lastStatsAt < opts.statsEveryMs) return;
    lastStatsAt = now;
    try {
      stats = await deps.outbox.stats();
      hooks.onStats?.(stats);
    } catch {
      // The store being unreachable shows as publish failures already; the last figures stay.
    }
  }

  async function run() {
    for (;;) {
      // Stopping still sends what is pending while Kafka answers (the last firings of a
      // stopping worker); it gives up at the first failure, leaving the rest stored.
      if (stopped && (!pending || failing)) break;
      if (!pending) {
        idle = new AbortController();
        const onStop = () => idle?.abort();
        stopping.signal.addEventListener('abort', onStop, { once: true });
        await sleep(opts.sweepMs, 'idle', idle.signal);
        stopping.signal.removeEventListener('abort', onStop);
        const woken = idle.signal.aborted;
        idle = null;
        if (stopped) continue;
        // Woken or not, a pass follows: the sweep is what finds other instances' expired claims.
        pending = true;
        // Only a sweep reads the figures first; a wake-up goes straight to the alert it is for.
        if (!woken) await refreshStats(true);
        continue;
      }
      pending = false;
      try {
        const result = await relayPendingAlerts(deps, opts);
        failing = false;
        lastError = null;
        backoffMs = 0;
        if (result.published.length > 0) hooks.onPublished?.(result.published, deps.clock.now());
        if (result.more) pending = true;
        // The end of a burst is read at once, so the gauge and readiness do not keep showing
        // alerts that are gone until the next sweep.
        await refreshStats(!result.more && stats.pending > 0);
      } catch (err) {
        failing = true;
        lastError = (err as Error).message;
        pending = true;
        backoffMs = backoffMs === 0 ? opts.initialBackoffMs : Math.min(opts.maxBackoffMs, backoffMs * 2);
        hooks.onFailure?.(err as Error, backoffMs);
        if (stopped) break;
        await refreshStats(false);
        await sleep(backoffMs, 'backoff', stopping.signal);
      }
    }
  }

  return {
    wake() {
      pending = true;
      idle?.abort();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      pending = true;
      stopping = new AbortController();
      loop = run();
    },
    /**
     * Ends the loop after sending what is pending, waiting at most `timeoutMs`: whatever Kafka
     * has not acknowledged by then stays stored and unpublished, and the next start (here, or
     * on another instance once the claim expired) sends it.
     */
    async stop(timeoutMs = 5000) {
      stopped = true;
      stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
    stats: () => ({ ...stats, failing, lastError }),
  };
}
