import { CalendarInputError } from '@tthc/calendar';
import { DOSSIER_STATE_CHANGED_V1, cloudEventEnvelope, dossierStateChangedV1, type DossierStateChangedV1 } from '@tthc/contracts';
import { PoisonMessageError, parseJsonValue, type ConsumedMessage } from '@tthc/platform';
import type { DeadlineRepository, TimerHorizon, TimerScheduler } from '../../domain/deadline';
import type { TimerPlanner } from '../../domain/timer-plan';
import { deadlinesFromSnapshot, trackSnapshot } from '../../domain/track-deadline.use-case';
import { factTimeOf, type SourceProgress } from '../../domain/source-progress';

type Deps = { deadlines: DeadlineRepository; timers: TimerScheduler; planner: TimerPlanner; horizon: TimerHorizon; sources?: SourceProgress };

/** A consumed state snapshot, or poison. */
function parseSnapshot(msg: ConsumedMessage): { snapshot: DossierStateChangedV1; emittedAt: Date } {
  const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
  if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
  if (env.data.type !== DOSSIER_STATE_CHANGED_V1) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
  const parsed = dossierStateChangedV1.safeParse(env.data.data);
  if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid state snapshot: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return { snapshot: parsed.data, emittedAt: new Date(env.data.time) };
}

/** `sinceRevision`: the oldest revision of the subject fetched with this one (its own when alone). */
async function track({ snapshot: s, emittedAt }: ReturnType<typeof parseSnapshot>, deps: Deps, sinceRevision = s.revision): Promise<void> {
  try {
    await trackSnapshot({ subjectCode: s.dossierCode, revision: s.revision, deadlines: deadlinesFromSnapshot(s, emittedAt) }, deps);
    deps.sources?.heard(s.agencyCode, factTimeOf(s, sinceRevision));
  } catch (err) {
    // A deadline whose timers the calendar cannot place (beyond its years or span) fails the
    // same way on every retry: dead-letter the snapshot with the calendar's reason rather
    // than hold back the subjects behind it.
    if (err instanceof CalendarInputError) throw new PoisonMessageError('calendar-input', `timers of ${s.dossierCode} (revision ${s.revision}) cannot be placed on the calendar: ${err.message}`, err);
    throw err;
  }
}

/**
 * The consumer's handlers. A snapshot is the subject's whole state, so of the snapshots of one
 * subject fetched together (`handleLane`) only the newest revision is tracked: tracking the
 * older ones first would end in the same stored views and timers. If tracking it fails, the
 * lane goes back to one-by-one handling, so nothing the older ones carry is skipped unseen.
 */
export function dossierStateHandler(deps: Deps) {
  const handle = async (msg: ConsumedMessage): Promise<void> => track(parseSnapshot(msg), deps);
  const handleLane = async (msgs: readonly ConsumedMessage[]): Promise<Array<{ ok: true } | { error: unknown }>> => {
    const parsed = msgs.map((msg): { value: ReturnType<typeof parseSnapshot> } | { error: unknown } => {
      try {
        return { value: parseSnapshot(msg) };
      } catch (error) {
        return { error };
      }
    });
    let newest: ReturnType<typeof parseSnapshot> | null = null;
    let oldest = Infinity;
    for (const p of parsed) {
      if (!('value' in p)) continue;
      oldest = Math.min(oldest, p.value.snapshot.revision);
      if (newest === null || p.value.snapshot.revision >= newest.snapshot.revision) newest = p.value;
    }
    // What the skipped revisions changed is in the newest's stamps from the oldest on.
    if (newest) await track(newest, deps, oldest);
    return parsed.map((p) => ('error' in p ? { error: p.error } : { ok: true as const }));
  };
  // Joined: the agencies' facts can flow again, and those not heard of since start are
  // given the quiet time to show whether their portals are still handing over history.
  return { handle, handleLane, onJoin: () => deps.sources?.listening() };
}
