import { DependencyUnavailableError } from './errors';
import { classifyFailure } from './kafka/failure-class';

/** What a batch gives back for one of its items: a value, or that item's own failure. */
export type Settled<O> = { value: O } | { error: unknown };

export interface BatcherOptions {
  /** Most items one call of the runner receives. @defaultValue 1000 */
  maxBatch?: number;
  /**
   * How long one call of the runner may take before its callers are failed as an outage and the
   * next batch goes out. Every later caller waits behind a batch in flight, so one operation
   * the driver never settles would otherwise stall every subject and timer of the process.
   * @defaultValue 60 000
   */
  timeoutMs?: number;
  /** Names the dependency in the timeout's error. @defaultValue 'store' */
  dependency?: string;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Turns one-at-a-time calls into batches without changing their callers: calls made while the
 * previous batch is in flight wait and go out together in the next one. Many concurrent callers
 * (the consumer's lanes, one per subject) thus share one round trip to the store or broker
 * instead of paying one each, and a lone caller waits for no timer.
 *
 * Batches run one after the other, never overlapping, so two calls of one caller reach the
 * runner in the order they were made. A runner that settles an item with `{ error }` fails that
 * item alone. A runner that throws for an unavailable dependency fails the whole batch (each
 * caller pauses on it); any other throw is retried item by item, so that one bad item (a document
 * the driver refuses, a message too large for the broker) fails alone instead of taking its
 * batch companions with it.
 */
export function createBatcher<I, O>(run: (items: readonly I[]) => Promise<ReadonlyArray<Settled<O>>>, opts: BatcherOptions = {}): (item: I) => Promise<O> {
  const maxBatch = Math.max(1, opts.maxBatch ?? 1000);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dependency = opts.dependency ?? 'store';
  let waiting: Array<Waiting<I, O>> = [];
  let draining = false;

  async function runOne(batch: Array<Waiting<I, O>>): Promise<void> {
    let results: ReadonlyArray<Settled<O>>;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A late answer of an abandoned run is dropped: the callers already failed and retry,
      // and a write that landed meanwhile comes back to them as a duplicate or a stale revision.
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DependencyUnavailableError(dependency, `${dependency} did not answer a batch of ${batch.length} within ${timeoutMs} ms`)), timeoutMs);
      });
      results = await Promise.race([run(batch.map((w) => w.item)), limit]).finally(() => clearTimeout(timer));
    } catch (err) {
      if (batch.length > 1 && classifyFailure(err).kind !== 'dependency') {
        for (const w of batch) await runOne([w]);
        return;
      }
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r === undefined) w.reject(new Error(`batch runner settled ${results.length} of ${batch.length} items`));
      else if ('error' in r) w.reject(r.error);
      else w.resolve(r.value);
    });
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
        waiting = waiting.length <= maxBatch ? [] : waiting.slice(maxBatch);
        await runOne(batch);
        // The callers just answered take their next step before the next batch is cut, so
        // their next calls join it rather than trickling out one by one.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = false;
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (draining) return;
      draining = true;
      // The other lanes of this tick add their calls before the first batch is cut.
      setImmediate(() => void drain());
    });
}
