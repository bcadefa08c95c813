import { CalendarInputError } from '@tthc/calendar';
import { DOSSIER_STATE_CHANGED_V1, cloudEventEnvelope, dossierStateChangedV1 } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage } from '@tthc/platform';
import type { DeadlineRepository, TimerHorizon, TimerScheduler } from '../../domain/deadline';
import type { TimerPlanner } from '../../domain/timer-plan';
import { deadlinesFromSnapshot, trackSnapshot } from '../../domain/track-deadline.use-case';

export function dossierStateHandler(deps: { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner; horizon: TimerHorizon }) {
  return async (msg: ConsumedMessage): Promise<void> => {
    const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
    if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
    if (env.data.type !== DOSSIER_STATE_CHANGED_V1) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
    const parsed = dossierStateChangedV1.safeParse(env.data.data);
    if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid state snapshot: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const s = parsed.data;
    try {
      await trackSnapshot({ subjectCode: s.dossierCode, revision: s.revision, deadlines: deadlinesFromSnapshot(s, new Date(env.data.time)) }, deps);
    } catch (err) {
      // A deadline whose timers the calendar cannot place (beyond its years or span) fails the
      // same way on every retry: dead-letter the snapshot with the calendar's reason rather
      // than hold back the subjects behind it.
      if (err instanceof CalendarInputError) throw new PoisonMessageError('calendar-input', `timers of ${s.dossierCode} (revision ${s.revision}) cannot be placed on the calendar: ${err.message}`, err);
      throw err;
    }
  };
}
