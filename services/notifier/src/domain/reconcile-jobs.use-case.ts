import type { Calendar } from '@tthc/calendar';
import type {
  AlertRecordRepository,
  Clock,
  DeliveryRepository,
  DeliveryScheduler,
  DigestRunLog,
  EscalationCursor,
  EscalationScheduler,
  OpenDelivery,
  RecurringSchedules,
} from './notification';

export type RecreatedKind = 'delivery' | 'escalation' | 'schedule' | 'digest-run';

export interface DigestCatchUp {
  runs: Pick<DigestRunLog, 'isDone' | 'anyBefore'>;
  /** Queues the day's digest run (idempotent per local date); true when it had to be queued. */
  ensureRun(localDate: string): Promise<boolean>;
  /** `HH:MM` in the calendar's zone. */
  at: string;
  calendar: Calendar;
}

export interface ReconcileDeps {
  deliveries: Pick<DeliveryRepository, 'listOpen'>;
  alertRecords: Pick<AlertRecordRepository, 'listPendingEscalations'>;
  deliveryScheduler: Pick<DeliveryScheduler, 'ensure'>;
  escalationScheduler: Pick<EscalationScheduler, 'ensureCheck'>;
  schedules: RecurringSchedules;
  /** Null when digests are off. */
  digest: DigestCatchUp | null;
  clock: Clock;
  sendLeaseMs: number;
  onRecreated?(kind: RecreatedKind, count: number): void;
}

export interface ReconcileResult {
  /** Open deliveries and pending escalation checks looked at. */
  deliveries: number;
  escalations: number;
  /** Jobs Redis did not hold (or held dead) and that were queued again. */
  recreated: { deliveries: number; escalations: number; schedules: string[]; digestRun: string | null };
}

/**
 * MongoDB holds what must still happen (open deliveries, pending acknowledgement checks, the
 * day's digest run); Redis holds only the jobs that do it. This walks the former in pages and
 * puts back every job the latter lost. Job ids are deterministic, so a job that is there is
 * left alone, and a job that runs twice finds its record final and does nothing.
 */
export async function reconcileJobs(deps: ReconcileDeps, opts: { pageSize: number }): Promise<ReconcileResult> {
  const result: ReconcileResult = { deliveries: 0, escalations: 0, recreated: { deliveries: 0, escalations: 0, schedules: [], digestRun: null } };
  const recreated = (kind: RecreatedKind, count = 1) => {
    if (count > 0) deps.onRecreated?.(kind, count);
  };

  // Schedules first: they are few, and the digest catch-up below relies on them being back.
  result.recreated.schedules = await deps.schedules.ensure();
  recreated('schedule', result.recreated.schedules.length);

  let afterDelivery: string | null = null;
  do {
    const page = await deps.deliveries.listOpen(afterDelivery, opts.pageSize);
    // One page's Redis look-ups go out together; a sequential walk would not keep up with a
    // province's backlog after an outage.
    const added = await Promise.all(page.items.map((d) => deps.deliveryScheduler.ensure(d.id, dueInstant(d, deps.sendLeaseMs))));
    const n = added.filter(Boolean).length;
    result.recreated.deliveries += n;
    recreated('delivery', n);
    result.deliveries += page.items.length;
    afterDelivery = page.next;
  } while (afterDelivery !== null);

  let afterEscalation: EscalationCursor | null = null;
  do {
    const page = await deps.alertRecords.listPendingEscalations(afterEscalation, opts.pageSize);
    const added = await Promise.all(page.items.map((e) => deps.escalationScheduler.ensureCheck(e.alertId, e.level, e.at)));
    const n = added.filter(Boolean).length;
    result.recreated.escalations += n;
    recreated('escalation', n);
    result.escalations += page.items.length;
    afterEscalation = page.next;
  } while (afterEscalation !== null);

  if (deps.digest) {
    const date = await missedDigestDate(deps.digest, deps.clock.now());
    if (date && (await deps.digest.ensureRun(date))) {
      result.recreated.digestRun = date;
      recreated('digest-run');
    }
  }
  return result;
}

/** When the job should run: its instant, or the end of an abandoned send lease. */
export function dueInstant(d: OpenDelivery, sendLeaseMs: number): Date {
  if (d.status !== 'sending' || !d.sendingSince) return d.scheduledFor;
  return new Date(Math.max(d.scheduledFor.getTime(), d.sendingSince.getTime() + sendLeaseMs));
}

/**
 * Today's local date when today's digest time has passed without a completed run, on a
 * service that has run digests before (a first start does not send a late digest).
 */
export async function missedDigestDate(digest: Pick<DigestCatchUp, 'runs' | 'at' | 'calendar'>, now: Date): Promise<string | null> {
  const localTime = digest.calendar.formatInstant(now).slice(11, 16);
  if (localTime < digest.at) return null;
  const date = digest.calendar.localDate(now);
  if (await digest.runs.isDone(date)) return null;
  return (await digest.runs.anyBefore(date)) ? date : null;
}
