import { ControllableClock } from '@tthc/testkit';
import type { DeadlineRepository, TimerRef, TimerScheduler, TrackedDeadline } from '../../src/domain/deadline';
import type { TimerPlanner } from '../../src/domain/timer-plan';
import { pagesOf } from './pages-of';

/** An in-memory repository with the same compare-and-set rule as the MongoDB one, and timers in a map; a horizon of `horizonHours` from `now`. */
export function memoryDeadlines(planner: TimerPlanner, now: Date, horizonHours = 24 * 60) {
  const docs = new Map<string, TrackedDeadline>();
  const id = (c: string, k: string) => `${c}|${k}`;
  const repo: DeadlineRepository = {
    find: async (c, k) => docs.get(id(c, k)) ?? null,
    listForSubject: async (c) => [...docs.values()].filter((d) => d.subjectCode === c),
    upsertIfNewer: async (d, nextFireAt) => {
      const previous = docs.get(id(d.subjectCode, d.key)) ?? null;
      if (previous && previous.revision >= d.revision) return { previous, stored: previous };
      const same = previous?.version === d.version;
      const merged = { ...d, raised: same ? previous!.raised : [], since: same ? previous!.since : d.since };
      const stored = { ...merged, nextFireAt: nextFireAt(merged) };
      docs.set(id(d.subjectCode, d.key), stored);
      return { previous, stored };
    },
    markRaised: async () => undefined,
    setNextFireAt: async () => false,
    walkActive: (pageSize) => pagesOf([], pageSize),
    walkNearTerm: (_until, pageSize) => pagesOf([], pageSize),
  };
  const scheduled = new Map<string, Date>();
  // Every removal asked for, in order, whether or not the timer was held.
  const cancelled: string[] = [];
  const key = (t: TimerRef) => `${t.stage}${t.level}:${t.key}:v${t.version}`;
  const timers: TimerScheduler = {
    schedule: async (timers) => timers.forEach(({ ref, fireAt }) => void scheduled.set(key(ref), fireAt)),
    cancel: async (t) => {
      cancelled.push(key(t));
      scheduled.delete(key(t));
    },
    ensure: async () => false,
  };
  const clock = new ControllableClock(now.toISOString());
  return { repo, timers, scheduled, cancelled, deps: { deadlines: repo, timers, planner, horizon: { clock, seconds: horizonHours * 3600 } } };
}
