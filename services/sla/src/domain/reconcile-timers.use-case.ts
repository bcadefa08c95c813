import type { DeadlineRepository, TimerScheduler } from './deadline';
import { stageTag, type TimerPlanner } from './timer-plan';

export interface ReconcileResult {
  /** Active deadlines looked at. */
  deadlines: number;
  /** Timers that Redis did not hold and were scheduled again (past ones fire at once). */
  recreated: Array<{ subjectCode: string; key: string; stage: string }>;
}

/**
 * Walks the active deadlines in MongoDB, the source of truth, and schedules every timer whose
 * alert is not stored yet and whose job Redis does not hold. A timer whose instant passed while
 * Redis was gone is scheduled without delay, so losing Redis delays alerts but loses none; the
 * alert ids keep a timer that did fire from raising twice.
 */
export async function reconcileTimers(
  deps: { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner; onRecreated?: (stage: string) => void },
  opts: { pageSize: number },
): Promise<ReconcileResult> {
  const result: ReconcileResult = { deadlines: 0, recreated: [] };
  let after: string | null = null;
  do {
    const page = await deps.deadlines.listActive(after, opts.pageSize);
    // One page's Redis look-ups go out together: a sequential walk of every open deadline
    // would take longer than the reconciliation period at a province's volume.
    const checks = page.items.flatMap((d) =>
      deps.planner
        .plan(d)
        .filter((t) => !d.raised.includes(stageTag(t)))
        .map(async (t) => {
          const recreated = await deps.timers.ensure({ subjectCode: d.subjectCode, key: d.key, version: d.version, stage: t.stage, level: t.level }, t.fireAt);
          if (!recreated) return;
          result.recreated.push({ subjectCode: d.subjectCode, key: d.key, stage: stageTag(t) });
          deps.onRecreated?.(t.stage);
        }),
    );
    await Promise.all(checks);
    result.deadlines += page.items.length;
    after = page.next;
  } while (after !== null);
  return result;
}
