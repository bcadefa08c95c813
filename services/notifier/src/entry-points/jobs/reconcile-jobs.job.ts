import type { Logger, Metrics } from '@tthc/platform';
import { reconcileJobs, type ReconcileDeps, type ReconcileResult } from '../../domain/reconcile-jobs.use-case';

export interface ReconcileState {
  /** Since when the current run goes on; null when none runs. */
  runningSince: Date | null;
  lastResult: ReconcileResult | null;
  lastError: string | null;
}

/**
 * Runs reconciliation on an in-process timer. It is deliberately not a BullMQ job scheduler:
 * it must work precisely when Redis has lost its jobs and schedulers. Runs never overlap; a
 * call during a run waits for that run instead of starting another.
 */
export function jobReconciler(deps: Omit<ReconcileDeps, 'onRecreated'> & { logger: Logger; metrics: Metrics; pageSize: number; everyMs: number }) {
  const recreatedTotal = deps.metrics.counter('notifier_jobs_recreated_total', 'Jobs and schedules missing from Redis and queued again from MongoDB by reconciliation', ['kind']);
  const runs = deps.metrics.counter('notifier_reconciliations_total', 'Reconciliation runs', ['outcome']);
  const state: ReconcileState = { runningSince: null, lastResult: null, lastError: null };
  let current: Promise<ReconcileResult> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const runOnce = async (reason: string): Promise<ReconcileResult> => {
    state.runningSince = new Date();
    try {
      const result = await reconcileJobs({ ...deps, onRecreated: (kind, count) => recreatedTotal.inc({ kind }, count) }, { pageSize: deps.pageSize });
      runs.inc({ outcome: 'ok' });
      state.lastResult = result;
      state.lastError = null;
      const { recreated } = result;
      const any = recreated.deliveries + recreated.escalations + recreated.schedules.length > 0 || recreated.digestRun !== null;
      (any ? deps.logger.warn.bind(deps.logger) : deps.logger.debug.bind(deps.logger))(
        { reason, deliveries: result.deliveries, escalations: result.escalations, recreated },
        any ? 'jobs missing from Redis recreated from MongoDB' : 'jobs reconciled',
      );
      return result;
    } catch (err) {
      runs.inc({ outcome: 'failed' });
      state.lastError = (err as Error).message;
      throw err;
    } finally {
      state.runningSince = null;
    }
  };

  const run = (reason: string): Promise<ReconcileResult> => {
    // Set before the first await, so readiness reports the run from its first instant.
    current ??= runOnce(reason).finally(() => {
      current = null;
    });
    return current;
  };

  return {
    state,
    run,
    start() {
      timer = setInterval(() => {
        run('interval').catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'reconciliation failed; next interval retries'));
      }, deps.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await current?.catch(() => undefined);
    },
  };
}
