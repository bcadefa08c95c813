import { digestDeliveryKey, digestScope, scheduledDelivery } from './delivery-policy';
import type { CalendarLookup } from './notify-alert.use-case';
import type { Clock, DeliveryRepository, DeliveryScheduler, DigestRunLog, OpenDossierReader, SubscriptionRepository } from './notification';

export interface DigestDeps {
  subscriptions: SubscriptionRepository;
  deliveries: DeliveryRepository;
  deliveryScheduler: DeliveryScheduler;
  dossiers: OpenDossierReader;
  calendars: CalendarLookup;
  clock: Clock;
  digestRuns: DigestRunLog;
  /** The calendar whose local date names a run (the schedule's zone). */
  nationalCalendarId: string;
}

export interface DigestOutcome {
  queued: number;
  /** Subscribers for whom today is not a working day on their calendar. */
  dayOff: number;
  /** Subscribers with nothing overdue or at risk: no message rather than an empty one. */
  nothingOpen: number;
}

/**
 * The morning digest: for each subscriber whose calendar says today is a working day, one
 * message listing the open overdue and at-risk dossiers in their scope. The key holds the
 * local date, so a second run on the same day sends nothing new.
 */
export async function sendDigests(deps: DigestDeps): Promise<DigestOutcome> {
  const now = deps.clock.now();
  const outcome: DigestOutcome = { queued: 0, dayOff: 0, nothingOpen: 0 };
  for (const sub of await deps.subscriptions.findWithDigest()) {
    const calendar = deps.calendars(sub.calendarId);
    const date = calendar.localDate(now);
    if (!calendar.isWorkingDay(date).value) {
      outcome.dayOff++;
      continue;
    }
    const items = await deps.dossiers.overdueOrAtRisk({ agencies: digestScope(sub) });
    if (items.length === 0) {
      outcome.nothingOpen++;
      continue;
    }
    const { delivery } = await deps.deliveries.insertOnce(
      scheduledDelivery(
        {
          id: digestDeliveryKey(date, sub.id, sub.channel.type),
          subscriptionId: sub.id,
          channel: sub.channel.type,
          kind: 'digest',
          alertId: null,
          level: 0,
          digestDate: date,
          digestItems: items,
          scheduledFor: now,
          urgent: false,
        },
        now,
      ),
    );
    if (delivery.status === 'scheduled') {
      await deps.deliveryScheduler.enqueue(delivery.id, delivery.scheduledFor);
      outcome.queued++;
    }
  }
  // Only a run that reached every subscriber counts; a failed one is retried or made up.
  await deps.digestRuns.markDone(deps.calendars(deps.nationalCalendarId).localDate(now), deps.clock.now());
  return outcome;
}
