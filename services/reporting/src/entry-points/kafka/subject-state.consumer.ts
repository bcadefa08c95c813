import type { Calendar } from '@tthc/calendar';
import { DOSSIER_STATE_CHANGED_V1, cloudEventEnvelope, dossierStateChangedV1 } from '@tthc/contracts';
import { PoisonMessageError, createBatcher, parseJsonValue, type ConsumedMessage, type Logger } from '@tthc/platform';
import { countSubjects, type CountedSubject, type DelayCounterStore } from '../../domain/count-subjects.use-case';

interface Deps {
  /** The subjects as workflow stored them (the snapshot only says which one changed). */
  load(codes: readonly string[]): Promise<CountedSubject[]>;
  store: DelayCounterStore;
  calendar: Calendar;
  logger: Pick<Logger, 'warn'>;
}

// Only the code and revision are read: the counters are built from the stored document, which
// holds what the snapshot lacks (apologies, the overdue and warning alerts) and is never older.
const trigger = dossierStateChangedV1.pick({ dossierCode: true, revision: true });

function codeOf(msg: ConsumedMessage): string {
  const env = cloudEventEnvelope.safeParse(parseJsonValue(msg.message));
  if (!env.success) throw new PoisonMessageError('invalid-event', 'not a CloudEvent');
  if (env.data.type !== DOSSIER_STATE_CHANGED_V1) throw new PoisonMessageError('unknown-type', `unexpected event type ${env.data.type}`);
  const parsed = trigger.safeParse(env.data.data);
  if (!parsed.success) throw new PoisonMessageError('invalid-event', `invalid state snapshot: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data.dossierCode;
}

/**
 * Counts the subjects whose state snapshots arrive: each is read back from workflow's store and
 * its contribution to the delay counters replaced, once per stored revision, so redelivered,
 * replayed and out-of-order snapshots change nothing.
 *
 * The consumer's lanes are one subject each; counting one costs some ten round trips (the
 * subject and the petitions naming it, the contributions, the claim, the counters, the settle)
 * whatever the number of subjects. The lanes handled at the same moment are therefore counted
 * together, one subject list per round trip, rather than each paying them all.
 */
export function subjectStateHandler(deps: Deps) {
  const countTogether = createBatcher(
    async (lanes: ReadonlyArray<readonly string[]>) => {
      const result = await countSubjects(await deps.load([...new Set(lanes.flat())]), deps.store, deps.calendar);
      if (result.unsettled.length > 0) deps.logger.warn({ subjects: result.unsettled.length }, 'subjects with a counted change not yet confirmed applied (in flight elsewhere, or interrupted: the recovery applies it once old enough); it is carried with the new one');
      return lanes.map(() => ({ value: undefined }));
    },
    { dependency: 'mongodb' },
  );
  const count = async (codes: readonly string[]) => {
    if (codes.length > 0) await countTogether(codes);
  };
  const handle = async (msg: ConsumedMessage): Promise<void> => count([codeOf(msg)]);
  const handleLane = async (msgs: readonly ConsumedMessage[]): Promise<Array<{ ok: true } | { error: unknown }>> => {
    const parsed = msgs.map((msg): { code: string } | { error: unknown } => {
      try {
        return { code: codeOf(msg) };
      } catch (error) {
        return { error };
      }
    });
    await count(parsed.flatMap((p) => ('code' in p ? [p.code] : [])));
    return parsed.map((p) => ('error' in p ? { error: p.error } : { ok: true as const }));
  };
  return { handle, handleLane };
}
