import type { AlertEventType, AlertKind, AlertSubject, DeadlineKind, DeadlineStatus, DossierPhase } from '@tthc/contracts';

export type TimerStage = 'warning' | 'due' | 'escalation';

/**
 * `removed`: the key no longer appears in the subject's snapshots (a step dropped by a
 * re-derivation); it keeps no timers, like a settled deadline.
 */
export type TrackedStatus = DeadlineStatus | 'removed';

/** The SLA service's view of one deadline of a dossier or petition: one per (subject, key). */
export interface TrackedDeadline {
  subjectCode: string;
  key: string;
  subject: AlertSubject;
  kind: DeadlineKind;
  /** Agency owning the subject (scopes the alert in the reporting API). */
  agencyCode: string | null;
  /** Agency answerable for this deadline (the step's agency, the petition's holder). */
  responsibleAgencyCode: string | null;
  procedureCode: string | null;
  label: string | null;
  legalBasis: string;
  dueAt: Date;
  /** The deadline entry's version; timers and alert ids are keyed by it. */
  version: number;
  /**
   * When this version was set: the emission time of the first snapshot that carried it. A
   * warning instant before it is never planned (see `planTimers`).
   */
  since: Date;
  status: TrackedStatus;
  phase: DossierPhase;
  warn: boolean;
  escalate: boolean;
  /** Workflow revision this view was built from; older snapshots are ignored. */
  revision: number;
  /** Stage tags (`warning`, `due`, `escalation:2`) whose alert is stored for this version. */
  raised: string[];
  /**
   * Every deadline key of the snapshot this entry came from, so the keys a newer snapshot
   * dropped are found by id; null for documents written before it was kept.
   */
  siblings: string[] | null;
  /**
   * When the next stage not yet raised fires (null: inactive, or every stage raised); the
   * horizon loader finds the deadlines whose timer Redis must hold by it. Undefined only in
   * views not read from the store yet. A hint that errs early, never late: a stale value
   * makes the loader look again and correct it, whereas a late one would delay the alert.
   */
  nextFireAt?: Date | null;
  /**
   * The planner's key (`TimerPlanner.key`) `nextFireAt` was planned under; absent when it was
   * not planned (older documents, the migrations' "due now"), which the start's walk re-plans.
   */
  planKey?: string;
  /**
   * From a snapshot only, never stored: the revision since which workflow saw this entry and
   * the subject's fields copied here unchanged (the entry's `changedAt`).
   */
  changedAt?: number | undefined;
}

/** Timers run only for open deadlines of subjects that are not closed. */
export function isActive(d: Pick<TrackedDeadline, 'status' | 'phase'>): boolean {
  return d.status === 'open' && d.phase !== 'closed';
}

export interface TimerRef {
  subjectCode: string;
  key: string;
  version: number;
  stage: TimerStage;
  level: number;
}

export interface Alert {
  id: string;
  /** The CloudEvent type without the `vn.tthc.` prefix (`dossier.overdue`, `deadline.warning`, …). */
  type: string;
  eventType: AlertEventType;
  kind: AlertKind;
  level: number;
  subject: AlertSubject;
  dossierCode: string;
  deadlineKey: string;
  deadlineKind: DeadlineKind;
  agencyCode: string | null;
  responsibleAgencyCode: string | null;
  procedureCode: string | null;
  label: string | null;
  dueAt: Date;
  deadlineVersion: number;
  raisedAt: Date;
  workingMinutesLate: number;
  reason: string;
  legalBasis: string;
  publishedAt: Date | null;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Redis holds the timer of a deadline only once its next stage fires before now + `seconds`
 * (TIMER_HORIZON_SECONDS): the memory then follows the near-term load rather than every open
 * deadline. The loader brings the rest in as the horizon reaches them.
 */
export interface TimerHorizon {
  clock: Clock;
  seconds: number;
}

/** The instant up to which timers are held in Redis now. */
export function horizonEnd(h: TimerHorizon): Date {
  return new Date(h.clock.now().getTime() + h.seconds * 1000);
}

/** Identifies the stored view a write was computed from. */
export type DeadlineRevisionRef = Pick<TrackedDeadline, 'subjectCode' | 'key' | 'version' | 'revision'>;

export interface DeadlineRepository {
  /**
   * Stores the view unless the stored one has the same or a newer revision; returns the view
   * stored before the call and the one stored after it.
   */
  /**
   * `nextFireAt` is given the view as it will be stored (raised stages of the same version
   * kept) and its answer is written with it, in the same write.
   */
  upsertIfNewer(d: TrackedDeadline, nextFireAt: (stored: TrackedDeadline) => Date | null, planKey: string): Promise<{ previous: TrackedDeadline | null; stored: TrackedDeadline }>;
  find(subjectCode: string, key: string): Promise<TrackedDeadline | null>;
  listForSubject(subjectCode: string): Promise<TrackedDeadline[]>;
  /**
   * Records that the stages `tags` name have their alerts stored, with the next stage's
   * instant when the view is still the one `d` was read at; a no-op when the version moved on
   * meanwhile.
   */
  markRaised(d: DeadlineRevisionRef, tags: readonly string[], nextFireAt: Date | null, planKey: string): Promise<void>;
  /**
   * Writes `nextFireAt` with the key it was planned under, unless the view changed since `d`
   * was read (revision, or `nextFireAt` itself); true when written.
   */
  setNextFireAt(d: DeadlineRevisionRef & Pick<TrackedDeadline, 'nextFireAt'>, nextFireAt: Date | null, planKey: string): Promise<boolean>;
  /**
   * Active deadlines whose instant was not planned under `planKey`, in a stable order,
   * `pageSize` at a time, read by one walk: pages that each query again from a cursor cost a
   * store without a real index walk the whole rest every time.
   */
  walkActive(pageSize: number, notPlannedWith: string): AsyncIterable<TrackedDeadline[]>;
  /**
   * Deadlines whose `nextFireAt` is before `until`, active or not (a stale value is corrected
   * by whoever reads it), earliest first, `pageSize` at a time, read by one walk.
   */
  walkNearTerm(until: Date, pageSize: number): AsyncIterable<TrackedDeadline[]>;
}

export interface AlertRepository {
  /** Inserts the alert unless one with the same id exists; returns the stored alert. */
  insertOnce(alert: Alert): Promise<{ alert: Alert; inserted: boolean }>;
}

/** What the relay needs to know about the stored alerts not yet acknowledged by Kafka. */
export interface OutboxStats {
  pending: number;
  oldestRaisedAt: Date | null;
}

/**
 * The unpublished alerts (`publishedAt: null`) seen as an outbox. A claim is a lease: several
 * instances sharing one database rarely publish the same alert twice, and a crashed
 * instance's claims expire so another one takes them over.
 */
export interface AlertOutbox {
  /**
   * Claims for `owner` until `leaseUntil` up to `limit` unpublished alerts, oldest first, that
   * nobody holds, whose lease expired before `now`, or that `owner` holds already.
   */
  claimUnpublished(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<Alert[]>;
  /** Records Kafka's acknowledgement; the first acknowledgement time is kept. */
  markPublished(ids: readonly string[], at: Date): Promise<void>;
  /** Gives up `owner`'s claims on alerts still unpublished, so any instance may try them. */
  releaseClaims(owner: string, ids: readonly string[]): Promise<void>;
  stats(): Promise<OutboxStats>;
}

export interface AlertPublisher {
  /** One acknowledged (acks = all) produce request for the whole batch, in the given order. */
  publish(alerts: readonly Alert[]): Promise<void>;
}

/** Wakes the relay after an alert is stored, so the normal path does not wait for a sweep. */
export interface RelaySignal {
  wake(): void;
}

export interface TimerScheduler {
  /** Idempotent: a timer whose id exists is left as it is. All timers go in one round trip. */
  schedule(timers: ReadonlyArray<{ ref: TimerRef; fireAt: Date }>): Promise<void>;
  cancel(t: TimerRef): Promise<void>;
  /**
   * Schedules the timer when Redis has no runnable job of that id, or brings a held one
   * forward when it would fire later than `fireAt` (a calendar change moved the instant);
   * true when it had to.
   */
  ensure(t: TimerRef, fireAt: Date): Promise<boolean>;
}
