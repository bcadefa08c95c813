import type { Deadline, DeadlineRepository, TimerScheduler } from './deadline';

/**
 * Keeps one timer per open deadline. The timer is reconciled with the stored view on every
 * delivery, including redeliveries, because a crash may have happened between storing the
 * view and scheduling the timer.
 */
export async function trackDeadline(
  snapshot: Deadline,
  deps: { deadlines: DeadlineRepository; timers: TimerScheduler },
): Promise<'scheduled' | 'cancelled' | 'none'> {
  const { previous: before, stored } = await deps.deadlines.upsertIfNewer(snapshot);
  if (before && before.deadlineVersion !== stored.deadlineVersion) {
    await deps.timers.cancel(before.dossierCode, before.deadlineVersion);
  }
  if (stored.phase === 'open' && stored.dueAt && !stored.overdueAt) {
    await deps.timers.schedule(stored.dossierCode, stored.deadlineVersion, stored.dueAt);
    return 'scheduled';
  }
  if (stored.deadlineVersion > 0) {
    await deps.timers.cancel(stored.dossierCode, stored.deadlineVersion);
    return 'cancelled';
  }
  return 'none';
}
