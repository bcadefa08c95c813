import type { Queue } from 'bullmq';

/**
 * A BullMQ job scheduler lives only in Redis: when Redis loses its data, the schedule goes with
 * it and nothing left in Redis brings it back, so the recurring job silently stops until the
 * service restarts. This watch looks for the scheduler twice per period (at most every 10 s) and
 * schedules it again when it is gone. Checks never overlap; a failed check (Redis away) is
 * reported and tried again at the next tick. Returns the function that stops the watch.
 */
export function watchJobScheduler(opts: {
  queue: Pick<Queue, 'getJobScheduler'>;
  schedulerId: string;
  everyMs: number;
  schedule: () => Promise<unknown>;
  onRestored: () => void;
  onError: (err: Error) => void;
}): () => void {
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      if (await opts.queue.getJobScheduler(opts.schedulerId)) return;
      await opts.schedule();
      opts.onRestored();
    })()
      .catch((err: unknown) => opts.onError(err instanceof Error ? err : new Error(String(err))))
      .finally(() => (checking = false));
  }, Math.max(250, Math.min(opts.everyMs / 2, 10_000)));
  timer.unref();
  return () => clearInterval(timer);
}
