import type { Clock } from './deadline';
import type { BrokerOutage, SourceProgress } from './source-progress';

/**
 * How far the facts behind sla's deadlines have been applied: every fact the portals had handed
 * over before the instant returned has reached sla's store. Null until first known (or while
 * the broker cannot be asked).
 */
export interface InputWatermark {
  caughtUpTo(): Date | null;
  /** When the broker stopped answering, once it has not for a while; null while it answers. */
  awaySince(): Date | null;
  /**
   * The latest spell of failed calls to the broker, however short, and when it ended (null
   * while it lasts); null if none since start.
   */
  lastOutage(): BrokerOutage | null;
}

export interface BacklogHoldPolicy {
  /** How far behind the watermark may be and the alert still go out at once. */
  graceSeconds: number;
  /** The longest a firing waits for the backlog; then it raises anyway. 0: never waits. */
  maxHoldSeconds: number;
  /**
   * How soon a held firing looks again on its own. Where the process wakes its held firings as
   * the watermark moves (`releasable`), this is only the look of last resort, for a firing
   * another instance or a previous run held.
   */
  retryMs: number;
}

export type HoldRelease = 'not-waiting' | 'backlog-applied' | 'source-caught-up' | 'wait-ran-out' | 'broker-away';

/** What the hold needs to know of the deadline behind a firing, read when it first fires. */
export interface HeldFiring {
  agencyCode: string | null;
  dueAt: Date;
  /** First heard of after its due instant: told of by a portal handing over its history. */
  lateArrival: boolean;
}
export type HoldDecision = { hold: true; retryAt: Date } | { hold: false; heldMs: number; reason: HoldRelease };

export interface BacklogHold {
  /**
   * Whether the firing named `key` waits for the backlog now, or raises (and after how long a
   * wait). `firing` is given at the first look; later looks use what it said then.
   */
  decide(key: string, firing?: HeldFiring): HoldDecision;
  /** Whether the firing named `key` is already waiting (it read its deadline when it began to). */
  isWaiting(key: string): boolean;
  /** The firing is over (raised, or its deadline changed or closed meanwhile). */
  forget(key: string): void;
  /** Firings waiting now, in this process (looked at within the last few retries). */
  waiting(): number;
  /**
   * The waiting firings whose next look would raise them now: their backlog is applied, their
   * agency's history has passed their due instant, or their wait ran out. Asked on every round of
   * the watermark, so a held firing is woken when it can go rather than looking every second.
   */
  releasable(): string[];
}

/** The firing's identity across its retries: one deadline version's one stage. */
export function holdKeyOf(job: { dossierCode: string; deadlineKey: string; deadlineVersion: number; stage: string; level: number }): string {
  return `${job.dossierCode}|${job.deadlineKey}|${job.deadlineVersion}|${job.stage}|${job.level}`;
}

type Waiting = { first: number; last: number; firing: HeldFiring | null; readyAt: number | null; waitedForSource: boolean };

/**
 * A timer fires at its instant whatever the pipeline is doing. After an outage or a burst the
 * facts applied to sla's store can be minutes behind those the portals have pushed, and the
 * resolution that closed a dossier on time may be waiting in that backlog: alerting now would
 * tell a manager a dossier is late that was not. So a firing waits until every fact handed over
 * before it first fired has been applied (less the grace that a caught-up pipeline's own lag
 * takes), then reads its deadline again: closed, it raises nothing; still open, it raises, late
 * by the wait. A pipeline that stays behind past `maxHoldSeconds` releases it anyway.
 *
 * Wall time throughout: the watermark is read off the broker, whatever clock deadlines run on.
 * The first firing's instant is remembered in this process only; a restart or another instance
 * starts the wait again from its own first look, which can only make it longer, never skip it.
 */
export function createBacklogHold(watermark: InputWatermark, policy: BacklogHoldPolicy, wall: Clock, sources?: SourceProgress): BacklogHold {
  /**
   * Each waiting firing's first and latest look; for a late arrival, since when its agency's
   * facts have passed its due instant (null while they have not), and whether it waited for that.
   */
  const since = new Map<string, Waiting>();
  const graceMs = policy.graceSeconds * 1000;
  const maxMs = policy.maxHoldSeconds * 1000;
  let sweptAt = wall.now().getTime();
  // Entries of firings that never came back (their deadline closed and the timer was removed).
  const sweep = (now: number) => {
    if (now - sweptAt < 60_000) return;
    sweptAt = now;
    for (const [key, at] of since) if (now - at.first > maxMs + 60_000) since.delete(key);
  };
  /** Where the watermark and the broker stand now: read once for every firing looked at. */
  const situation = (now: number) => ({ now, mark: watermark.caughtUpTo(), away: watermark.awaySince(), outage: watermark.lastOutage() });
  /** What a look at `at` now decides: wait, or go for a reason. Records on `at` when its agency's history passed. */
  const look = (at: Waiting, { now, mark, away, outage }: ReturnType<typeof situation>): { go: false } | { go: true; reason: HoldRelease } => {
    const heldMs = now - at.first;
    const release = (reason: HoldRelease) => ({ go: true as const, reason });
    const wait = { go: false as const };
    // An on-time firing waits for what was handed over before it first fired, less the grace
    // a caught-up pipeline's own lag takes. A late arrival is late already, so it takes no
    // grace, and first waits until its agency's history has passed its due instant: the
    // closing fact of a portal handing over in order is then handed over, and the watermark
    // then tells when it is applied.
    const late = at.firing?.lateArrival === true;
    let from = at.first - graceMs;
    if (late && at.firing && sources) {
      if (sources.behind(at.firing.agencyCode, at.firing.dueAt, outage, now)) {
        if (heldMs >= maxMs) return release('wait-ran-out');
        at.readyAt = null;
        at.waitedForSource = true;
        return wait;
      }
      at.readyAt ??= now;
      from = at.readyAt;
    }
    const applied = at.waitedForSource ? 'source-caught-up' : 'backlog-applied';
    if (mark && mark.getTime() >= from) return release(applied);
    // Portals cannot hand anything over while the broker is away (intake answers 503). If
    // the facts were applied up to the moment it went, nothing can be queued behind this
    // on-time firing, so the outage holds nothing back; a backlog it interrupted is still
    // waited for. Not a late arrival's: the history that may close it was cut off by the
    // outage and comes when the broker answers, so it waits for the watermark past then.
    if (!late && away && mark && mark.getTime() >= away.getTime() - graceMs) return release('broker-away');
    if (heldMs >= maxMs) return release('wait-ran-out');
    return wait;
  };
  return {
    decide(key, firing) {
      const now = wall.now().getTime();
      if (maxMs === 0) return { hold: false, heldMs: 0, reason: 'not-waiting' };
      sweep(now);
      const at = since.get(key) ?? { first: now, last: now, firing: firing ?? null, readyAt: null, waitedForSource: false };
      const seen = look(at, situation(now));
      if (seen.go) {
        const waited = since.delete(key);
        return { hold: false, heldMs: now - at.first, reason: waited ? seen.reason : 'not-waiting' };
      }
      since.set(key, { ...at, last: now });
      return { hold: true, retryAt: new Date(Math.min(now + policy.retryMs, at.first + maxMs)) };
    },
    releasable() {
      const now = situation(wall.now().getTime());
      const out: string[] = [];
      for (const [key, at] of since) if (look(at, now).go) out.push(key);
      return out;
    },
    isWaiting: (key) => since.has(key),
    forget(key) {
      since.delete(key);
    },
    // Those looked at lately; the others' deadlines closed and their timers went.
    waiting: () => {
      const now = wall.now().getTime();
      let n = 0;
      for (const at of since.values()) if (now - at.last <= policy.retryMs * 2) n += 1;
      return n;
    },
  };
}
