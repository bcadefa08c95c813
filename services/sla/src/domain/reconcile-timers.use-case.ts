import { horizonEnd, isActive, type DeadlineRepository, type TimerHorizon, type TimerScheduler, type TrackedDeadline } from './deadline';
import { stageTag, type PlannedTimer, type TimerPlanner } from './timer-plan';

export interface ReconcileResult {
  /** Deadlines whose next stage fires within the horizon, looked at. */
  deadlines: number;
  /** Active deadlines whose next instant was planned again (runs with `replan` only). */
  replanned: number;
  /** Stored next instants found wrong and corrected (stale, inactive, or re-planned). */
  corrected: number;
  /**
   * Timers that Redis should have held and did not, scheduled again (past ones fire at once):
   * lost with Redis's data, or never scheduled. What an operator alerts on.
   */
  recreated: Array<{ subjectCode: string; key: string; stage: string }>;
  /** Timers of deadlines that came within the horizon since the previous run: the loader's routine work. */
  loaded: number;
  /** Deadlines the calendar cannot place (e.g. beyond its years), skipped rather than ending the run. */
  unplannable: Array<{ subjectCode: string; key: string; error: string }>;
}

type Deps = {
  deadlines: DeadlineRepository;
  timers: TimerScheduler;
  planner: TimerPlanner;
  horizon: TimerHorizon;
  onRecreated?: (stage: string) => void;
  onLoaded?: (stage: string) => void;
  /** Where the last completed pass loaded up to; without it every timer created counts as recreated. */
  loadedHorizon?: LoadedHorizon;
};

/**
 * The instant up to which a completed pass loaded the timers, kept beside them in Redis: a
 * timer the loader has to create for a later instant belongs to a deadline that came within
 * the horizon since (routine), one for an earlier instant was lost or never scheduled. Lost
 * with the timers, it then makes every timer created count as recreated, as it should.
 */
export interface LoadedHorizon {
  /** Null when no pass completed since Redis last started empty. */
  get(): Promise<Date | null>;
  /** Moves the mark to `until` unless it is already later (passes of several instances overlap). */
  advance(until: Date): Promise<void>;
}

export interface ReconcileOptions {
  pageSize: number;
  replan?: boolean;
}

const sameInstant = (a: Date | null | undefined, b: Date | null) => (a ?? null)?.getTime() === b?.getTime();

/**
 * The horizon loader, which is also the repair after Redis lost its data. MongoDB is the
 * source of truth: every deadline whose next stage fires before now + horizon (by its
 * `nextFireAt`, through an index, earliest first) gets that stage's timer when Redis does not
 * hold it; one whose instant passed fires at once. Deadlines further out hold nothing in
 * Redis until a later run reaches them, which is why the run period must stay well below
 * the horizon. Alert ids keep a timer that did fire from raising twice.
 *
 * With `replan`, every active deadline's next instant is computed again first: after a new
 * calendar version (warning and escalation instants move with it) and at start, when the
 * calendars or the escalation policy may differ from the previous run's. That walk also
 * fills in the documents written before `nextFireAt` existed; until it reaches them they are
 * "due now" for the loader (see the repository's `init`).
 */
export async function reconcileTimers(deps: Deps, opts: ReconcileOptions): Promise<ReconcileResult> {
  const result: ReconcileResult = { deadlines: 0, replanned: 0, corrected: 0, recreated: [], loaded: 0, unplannable: [] };
  // One entry the calendar cannot place must not keep every other timer from being loaded.
  const plan = (d: TrackedDeadline): { next: PlannedTimer | null } | null => {
    try {
      return { next: deps.planner.next(d) };
    } catch (err) {
      result.unplannable.push({ subjectCode: d.subjectCode, key: d.key, error: (err as Error).message });
      return null;
    }
  };
  const correct = async (d: TrackedDeadline, at: Date | null, planKey: string) => {
    const same = sameInstant(d.nextFireAt, at);
    // A right instant under another key is stamped too, or every start would walk it again.
    if (same && d.planKey === planKey) return;
    if ((await deps.deadlines.setNextFireAt(d, at, planKey)) && !same) result.corrected += 1;
  };

  const loadHorizon = async (counted: boolean): Promise<void> => {
    // Fixed for the pass: a deadline entering the window meanwhile is the next pass's.
    const until = horizonEnd(deps.horizon);
    // Read before the walk: a mark another instance moves meanwhile only makes this pass count
    // a timer as recreated that it could have counted as loaded.
    const loadedUntil = (await deps.loadedHorizon?.get()) ?? null;
    const enteredAfter = loadedUntil === null ? Infinity : loadedUntil.getTime();
    const planKey = deps.planner.key();
    for await (const page of deps.deadlines.walkNearTerm(until, opts.pageSize)) {
      // One page's Redis look-ups go out together: the window can hold thousands of deadlines.
      await Promise.all(
        page.map(async (d) => {
          // Recomputed rather than trusted: the stored instant may be stale (a stage raised by a
          // firing that lost a race, a settled deadline); the plan and `raised` decide.
          const planned = plan(d);
          if (!planned) return;
          const { next } = planned;
          await correct(d, next?.fireAt ?? null, planKey);
          if (!next || next.fireAt.getTime() > until.getTime()) return;
          const ref = { subjectCode: d.subjectCode, key: d.key, version: d.version, stage: next.stage, level: next.level };
          const recreated = await deps.timers.ensure(ref, next.fireAt);
          if (!recreated) return;
          // A snapshot may have stored a new version (or ended the deadline) and removed the old
          // timers after this page was read: the timer just put back is then a leftover. The
          // tracker stores before it removes, so a read made now sees the change.
          const current = await deps.deadlines.find(d.subjectCode, d.key);
          if (!current || current.version !== d.version || !isActive(current)) {
            await deps.timers.cancel(ref);
            return;
          }
          if (next.fireAt.getTime() > enteredAfter) {
            result.loaded += 1;
            deps.onLoaded?.(next.stage);
            return;
          }
          result.recreated.push({ subjectCode: d.subjectCode, key: d.key, stage: stageTag(next) });
          deps.onRecreated?.(next.stage);
        }),
      );
      if (counted) result.deadlines += page.length;
    }
    await deps.loadedHorizon?.advance(until);
  };

  if (opts.replan) {
    // The stored instants are loaded first: after a restart that lost Redis, the timers due
    // soonest must not wait for the walk of every open deadline (minutes at a million).
    await loadHorizon(false);
    // Only the instants planned under other rules, policy or calendars than today's (or not
    // planned at all) can be wrong: a restart that changed none of them walks nothing.
    const planKey = deps.planner.key();
    for await (const page of deps.deadlines.walkActive(opts.pageSize, planKey)) {
      await Promise.all(
        page.map(async (d) => {
          const planned = plan(d);
          if (planned) await correct(d, planned.next?.fireAt ?? null, planKey);
        }),
      );
      result.replanned += page.length;
    }
  }
  await loadHorizon(true);
  return result;
}
