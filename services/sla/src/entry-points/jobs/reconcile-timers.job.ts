import type { Logger, Metrics } from '@tthc/platform';
import type { ReconcileTimersJobV1 } from '@tthc/contracts';
import type { DeadlineRepository, TimerHorizon, TimerScheduler } from '../../domain/deadline';
import { reconcileTimers, type LoadedHorizon, type ReconcileResult } from '../../domain/reconcile-timers.use-case';
import type { TimerPlanner } from '../../domain/timer-plan';

/**
 * Runs that plan every active deadline's next instant again before loading the horizon: at
 * start (the calendars or the policy may have changed while the service was down) and after a
 * calendar version was installed.
 */
export const REPLAN_REASONS: ReadonlySet<string> = new Set(['start', 'calendar-changed']);

/** The reconciliation run (the horizon loader), callable from the scheduled job and directly (start, tests). */
export function timerReconciler(deps: { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner; horizon: TimerHorizon; logger: Logger; metrics: Metrics; pageSize: number; loadedHorizon: LoadedHorizon }) {
  const recreated = deps.metrics.counter('sla_timers_recreated_total', 'Timers Redis should have held and did not, scheduled again by reconciliation', ['stage']);
  const loaded = deps.metrics.counter('sla_timers_loaded_total', 'Timers of deadlines that came within the horizon, scheduled by the loader', ['stage']);
  const runs = deps.metrics.counter('sla_timer_reconciliations_total', 'Timer reconciliation runs');
  // Runs under way that are repairing: started because something was lost (at start, the
  // schedule gone from Redis, on demand), or a routine run that has found a missing timer.
  // Routine runs that find nothing do not count, or readiness would flap every period.
  const repairing = new Set<{ reason: string; recreated: number }>();
  const run = async (reason: string): Promise<ReconcileResult> => {
    const current = { reason, recreated: 0 };
    if (reason !== 'schedule') repairing.add(current);
    let result: ReconcileResult;
    try {
      const onRecreated = (stage: string) => {
        recreated.inc({ stage });
        current.recreated += 1;
        repairing.add(current);
      };
      const onLoaded = (stage: string) => loaded.inc({ stage });
      result = await reconcileTimers({ ...deps, onRecreated, onLoaded }, { pageSize: deps.pageSize, replan: REPLAN_REASONS.has(reason) });
    } finally {
      repairing.delete(current);
    }
    runs.inc();
    if (result.unplannable.length > 0) deps.logger.error({ reason, unplannable: result.unplannable.slice(0, 20), count: result.unplannable.length }, 'deadlines the calendar cannot place were skipped');
    const log = result.recreated.length > 0 ? deps.logger.warn.bind(deps.logger) : deps.logger.debug.bind(deps.logger);
    log({ reason, deadlines: result.deadlines, replanned: result.replanned, corrected: result.corrected, recreated: result.recreated.length, loaded: result.loaded }, 'timers reconciled');
    return result;
  };
  /** Handler of the scheduled job in the maintenance queue's table. */
  const handle = async (payload: ReconcileTimersJobV1) => {
    const result = await run(payload.reason);
    return { deadlines: result.deadlines, replanned: result.replanned, corrected: result.corrected, recreated: result.recreated.length, loaded: result.loaded };
  };
  /** What readiness reports as degraded: the repairing runs under way, e.g. `start (12 timers recreated so far)`. */
  const repairs = () => [...repairing].map((r) => `${r.reason} (${r.recreated} timers recreated so far)`);
  return { run, handle, repairs };
}
