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

export type AlertRelay = RelaySignal & {
  start(): void;
  stop(timeoutMs?: number): Promise<void>;
  stats(): OutboxStats & { failing: boolean; lastError: string | null };
};

type RelayDeps = { outbox: AlertOutbox; publisher: AlertPublisher; clock: Clock; hooks?: RelayHooks; sleep?: RelaySleep };

/**
 * Publishes every stored alert for as long as it takes. It runs a pass at start (alerts stored
 * before a crash), whenever `wake()` is called after a store, and every `sweepMs`. After a
 * failure it waits, doubling the wait up to `maxBackoffMs`, and a success resets the wait; a
 * wake-up does not cut a backoff short, so a burst of stores during an outage cannot turn into
 * a burst of produce attempts.
 */
export function createAlertRelay(deps: RelayDeps, opts: RelayOptions): AlertRelay {
  return new OutboxRelay(deps, opts);
}

class OutboxRelay implements AlertRelay {
  private readonly sleep: RelaySleep;
  private readonly hooks: RelayHooks;
  private stopped = true;
  private pending = true;
  private failing = false;
  private lastError: string | null = null;
  private backoffMs = 0;
  private lastStatsAt = -Infinity;
  private figures: OutboxStats = { pending: 0, oldestRaisedAt: null };
  private stopping = new AbortController();
  private idle: AbortController | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: RelayDeps,
    private readonly opts: RelayOptions,
  ) {
    this.sleep = deps.sleep ?? abortableSleep;
    this.hooks = deps.hooks ?? {};
  }

  wake(): void {
    this.pending = true;
    this.idle?.abort();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.pending = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  /**
   * Ends the loop after sending what is pending, waiting at most `timeoutMs`: whatever Kafka
   * has not acknowledged by then stays stored and unpublished, and the next start (here, or
   * on another instance once the claim expired) sends it.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  stats(): OutboxStats & { failing: boolean; lastError: string | null } {
    return { ...this.figures, failing: this.failing, lastError: this.lastError };
  }

  private async refreshStats(force: boolean): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (!force && now - this.lastStatsAt < this.opts.statsEveryMs) return;
    this.lastStatsAt = now;
    try {
      this.figures = await this.deps.outbox.stats();
      this.hooks.onStats?.(this.figures);
    } catch {
      // The store being unreachable shows as publish failures already; the last figures stay.
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      // Stopping still sends what is pending while Kafka answers (the last firings of a
      // stopping worker); it gives up at the first failure, leaving the rest stored.
      if (this.stopped && (!this.pending || this.failing)) break;
      if (!this.pending) {
        await this.waitForWork();
        continue;
      }
      this.pending = false;
      try {
        await this.pass();
      } catch (err) {
        if (await this.afterFailure(err as Error)) break;
      }
    }
  }

  /** Sleeps until a wake-up or the sweep interval; either way a pass follows. */
  private async waitForWork(): Promise<void> {
    const idle = new AbortController();
    this.idle = idle;
    const onStop = () => idle.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    await this.sleep(this.opts.sweepMs, 'idle', idle.signal);
    this.stopping.signal.removeEventListener('abort', onStop);
    const woken = idle.signal.aborted;
    this.idle = null;
    if (this.stopped) return;
    // Woken or not, a pass follows: the sweep is what finds other instances' expired claims.
    this.pending = true;
    // Only a sweep reads the figures first; a wake-up goes straight to the alert it is for.
    if (!woken) await this.refreshStats(true);
  }

  private async pass(): Promise<void> {
    const result = await relayPendingAlerts(this.deps, this.opts);
    this.failing = false;
    this.lastError = null;
    this.backoffMs = 0;
    if (result.published.length > 0) this.hooks.onPublished?.(result.published, this.deps.clock.now());
    if (result.more) this.pending = true;
    // The end of a burst is read at once, so the gauge and readiness do not keep showing
    // alerts that are gone until the next sweep.
    await this.refreshStats(!result.more && this.figures.pending > 0);
  }

  /** Backs off after a failed pass; true when the relay is stopping and should give up. */
  private async afterFailure(err: Error): Promise<boolean> {
    this.failing = true;
    this.lastError = err.message;
    this.pending = true;
    this.backoffMs = this.backoffMs === 0 ? this.opts.initialBackoffMs : Math.min(this.opts.maxBackoffMs, this.backoffMs * 2);
    this.hooks.onFailure?.(err, this.backoffMs);
    if (this.stopped) return true;
    await this.refreshStats(false);
    await this.sleep(this.backoffMs, 'backoff', this.stopping.signal);
    return false;
  }
}
