import type { Queue } from 'bullmq';

/**
 * A BullMQ job scheduler lives only in Redis: when Redis loses its data, the schedule goes with
 * it and nothing left in Redis brings it back, so the recurring job silently stops until the
 * service restarts. This watch calls `restoreMissing` twice per period (at most every 10 s);
 * it puts back whatever schedules are gone and names them, and `onRestored` hears about them
 * (sla reconciles its timers then, since Redis lost those too). Checks never overlap; a failed
 * check (Redis away) is reported and tried again at the next tick. Returns the stop function.
 */
export function watchSchedules(opts: {
  everyMs: number;
  restoreMissing: () => Promise<readonly string[]>;
  onRestored: (ids: readonly string[]) => unknown;
  onError: (err: Error) => void;
}): () => void {
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      const restored = await opts.restoreMissing();
      if (restored.length > 0) await opts.onRestored(restored);
    })()
      .catch((err: unknown) => opts.onError(err instanceof Error ? err : new Error(String(err))))
      .finally(() => (checking = false));
  }, Math.max(250, Math.min(opts.everyMs / 2, 10_000)));
  timer.unref();
  return () => clearInterval(timer);
}

/** Schedules again a job scheduler that Redis no longer holds; true when it was missing. */
export async function restoreJobScheduler(
  queue: Pick<Queue, 'getJobScheduler'>,
  schedulerId: string,
  schedule: () => Promise<unknown>,
): Promise<boolean> {
  if (await queue.getJobScheduler(schedulerId)) return false;
  await schedule();
  return true;
}
