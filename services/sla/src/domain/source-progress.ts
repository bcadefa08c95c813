import type { Clock } from './deadline';

/**
 * How far each agency's portal has got in handing over its facts, in the facts' own time.
 *
 * A portal coming back from its own outage, or joining the system, hands over its history oldest
 * first. A deadline it tells of is then already past due, and the fact that met it on time comes
 * later in the same stream, often after the short late-arrival settle: the overdue alert raised
 * meanwhile tells a manager that a dossier is late when it was not. While the agency's facts are
 * still moving forward and have not yet reached the deadline's due instant, the closing fact may
 * be on its way; once they pass it, a portal that hands over in order has handed it over.
 *
 * Only the instants a snapshot names are counted (reception and closing), a lower bound of
 * the stream's position, so a wait ends late rather than early. Progress that stops moving for
 * `quietSeconds` (the history is all handed over, or the pipeline stopped delivering it) ends
 * the wait: a portal that never catches up must not silence its overdue dossiers.
 * Held in the process only: a restart starts with nothing known, which waits for nothing.
 */
export interface SourceProgress {
  /** A snapshot of the agency's subject was applied; `factTime` is the newest instant it names. */
  heard(agencyCode: string | null, factTime: number | null): void;
  /** Whether the agency's facts are still arriving, and all before `dueAt`. */
  behind(agencyCode: string | null, dueAt: Date): boolean;
}

export function createSourceProgress(policy: { quietSeconds: number }, wall: Clock): SourceProgress {
  const quietMs = policy.quietSeconds * 1000;
  const agencies = new Map<string, { factTime: number; movedAt: number }>();
  return {
    heard(agencyCode, factTime) {
      if (quietMs === 0 || agencyCode === null || factTime === null) return;
      const known = agencies.get(agencyCode);
      const now = wall.now().getTime();
      // While the stream moves, only a fact newer than any before moves it on: snapshots
      // republished for sla's own alerts name old instants, and must not look like a portal
      // at work. Once it has stood still, a fact starts a new stream wherever it lies: a
      // second history of the agency, older than what it handed over before, is waited for too.
      if (known && factTime <= known.factTime && now - known.movedAt <= quietMs) return;
      agencies.set(agencyCode, { factTime, movedAt: now });
    },
    behind(agencyCode, dueAt) {
      if (quietMs === 0 || agencyCode === null) return false;
      const known = agencies.get(agencyCode);
      if (!known || known.factTime >= dueAt.getTime()) return false;
      return wall.now().getTime() - known.movedAt <= quietMs;
    },
  };
}

/** The newest instant a snapshot names: its reception or its closing. */
export function factTimeOf(s: { receivedAt: string | null; closedAt: string | null }): number | null {
  const times = [s.receivedAt, s.closedAt].filter((t): t is string => t !== null).map((t) => Date.parse(t));
  return times.length === 0 ? null : Math.max(...times);
}
