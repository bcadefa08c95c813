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
 * A stream stands still, too, while the broker is away: the portal's posts are refused (intake
 * answers 503) and it retries once the broker answers. So the quiet time does not run during an
 * outage that began while the stream was moving; it starts again, whole, when the broker answers.
 * Held in the process only. A restarted process knows no agency until its reader of workflow's
 * snapshots delivers again, and a portal may still be handing over history meanwhile: an agency
 * not heard of counts as behind until that reader has been listening for the quiet time.
 */
export interface SourceProgress {
  /** A snapshot of the agency's subject was applied; `factTime` is the newest instant it names. */
  heard(agencyCode: string | null, factTime: number | null): void;
  /**
   * Whether the agency's facts are still arriving, and all before `dueAt`. `outage` is the
   * broker's latest spell of not answering (`until` null while it lasts), if any. `now` (wall
   * milliseconds) saves reading the clock when many firings are asked about at once.
   */
  behind(agencyCode: string | null, dueAt: Date, outage?: BrokerOutage | null, now?: number): boolean;
  /** The reader of the snapshots joined its group (after a start, restart or rebalance). */
  listening(): void;
}

/** A spell during which the broker did not answer, in wall milliseconds; `until` null while it lasts. */
export interface BrokerOutage {
  since: number;
  until: number | null;
}

export function createSourceProgress(policy: { quietSeconds: number }, wall: Clock): SourceProgress {
  const quietMs = policy.quietSeconds * 1000;
  const agencies = new Map<string, { factTime: number; movedAt: number }>();
  /** Since when the snapshots could reach this process (null until they first could). */
  let listeningSince: number | null = null;
  return {
    listening() {
      listeningSince = wall.now().getTime();
    },
    heard(agencyCode, factTime) {
      const now = wall.now().getTime();
      listeningSince ??= now;
      if (quietMs === 0 || agencyCode === null || factTime === null) return;
      const known = agencies.get(agencyCode);
      // While the stream moves, only a fact newer than any before moves it on: snapshots
      // republished for sla's own alerts name old instants, and must not look like a portal
      // at work. Once it has stood still, a fact starts a new stream wherever it lies: a
      // second history of the agency, older than what it handed over before, is waited for too.
      if (known && factTime <= known.factTime && now - known.movedAt <= quietMs) return;
      agencies.set(agencyCode, { factTime, movedAt: now });
    },
    behind(agencyCode, dueAt, outage, now = wall.now().getTime()) {
      if (quietMs === 0 || agencyCode === null) return false;
      const known = agencies.get(agencyCode);
      if (!known) return listeningSince === null || now - listeningSince <= quietMs;
      if (known.factTime >= dueAt.getTime()) return false;
      let quietFrom = known.movedAt;
      // An outage that began after the stream had already stood still for the quiet time
      // revives nothing: the history was all in before the broker went.
      if (outage && outage.since <= known.movedAt + quietMs && (outage.until === null || outage.until > known.movedAt)) {
        if (outage.until === null) return true;
        quietFrom = outage.until;
      }
      return now - quietFrom <= quietMs;
    },
  };
}

/**
 * The newest instant a snapshot names (its reception or its closing), or null when it changed
 * nothing a deadline tracker copies since `sinceRevision` (the oldest revision of the subject
 * among those applied with it; its own revision by default). Workflow republishes a subject for
 * every alert it records, naming the subject's old instants, which may lie anywhere in a
 * history or at today: after the stream stood still, one such snapshot would start a new stream
 * there, and a history handed over just after it would not be waited for (the seven-fault drill
 * on 125df9b: 8 alerts for deadlines met on time, the agency's stream restarted at today by an
 * overdue alert of the fault before). An entry without the stamp counts as changed.
 */
export function factTimeOf(
  s: { receivedAt: string | null; closedAt: string | null; revision?: number; deadlines?: ReadonlyArray<{ changedAt?: number | undefined }> },
  sinceRevision = s.revision,
): number | null {
  const deadlines = s.deadlines ?? [];
  if (sinceRevision !== undefined && deadlines.length > 0 && deadlines.every((d) => d.changedAt !== undefined && d.changedAt < sinceRevision)) return null;
  const times = [s.receivedAt, s.closedAt].filter((t): t is string => t !== null).map((t) => Date.parse(t));
  return times.length === 0 ? null : Math.max(...times);
}
