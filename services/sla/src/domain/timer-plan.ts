import { createHash } from 'node:crypto';
import type { Calendar } from '@tthc/calendar';
import type { SlaDuration } from './duration';
import { isActive, type TimerRef, type TimerStage, type TrackedDeadline } from './deadline';

export interface TimerPolicy {
  /** How long before due the warning fires (SLA_WARNING_LEAD). */
  warningLead: SlaDuration;
  /** Escalation level n fires this long after due (SLA_ESCALATION_STEPS). */
  escalationSteps: SlaDuration[];
  /** A deadline learned when already past due fires no sooner than this after it was learned. */
  lateArrivalSettleSeconds?: number;
}

export interface PlannedTimer {
  stage: TimerStage;
  /** 0 for warning and due, 1…n for escalation. */
  level: number;
  fireAt: Date;
}

const MS_PER_SECOND = 1000;
// Far enough back for any lead a configuration could sensibly hold (Tết plus a month of days).
const MAX_SEARCH_BACK_MS = 400 * 24 * 3600 * 1000;

/** `from` plus a duration: working time through the calendar, plain seconds otherwise. */
export function addDuration(calendar: Calendar, from: Date, d: SlaDuration): Date {
  if (d.unit === 'second') return new Date(from.getTime() + d.amount * MS_PER_SECOND);
  return calendar.due({ from, amount: d.amount, unit: d.unit }).due;
}

/**
 * The latest instant w (to the second) with addDuration(w, lead) ≤ dueAt. The calendar has no
 * backwards operation; `due` is monotonic in its start, so a bisection over `due` answers it
 * exactly, including across weekends, Tết and make-up Saturdays. Calendar-time arithmetic below
 * only brackets the search; every answer is checked with `due`.
 */
export function latestStartBefore(calendar: Calendar, dueAt: Date, lead: SlaDuration): Date {
  const target = Math.floor(dueAt.getTime() / MS_PER_SECOND) * MS_PER_SECOND;
  const unit = lead.unit;
  if (unit === 'second') return new Date(target - lead.amount * MS_PER_SECOND);
  const fits = (t: number) => calendar.due({ from: new Date(t), amount: lead.amount, unit }).due.getTime() <= target;
  let hi = target;
  if (fits(hi)) return new Date(hi);
  const hoursPerUnit = unit === 'working-day' ? 24 : 1;
  let span = Math.max(MS_PER_SECOND, Math.ceil(lead.amount * hoursPerUnit) * 3600 * MS_PER_SECOND);
  let lo = target - span;
  while (!fits(lo)) {
    hi = lo;
    span *= 2;
    if (span > MAX_SEARCH_BACK_MS) throw new Error(`no start within ${MAX_SEARCH_BACK_MS / 86_400_000} days before ${dueAt.toISOString()} fits a lead of ${lead.text}`);
    lo = target - span;
  }
  // Invariant: fits(lo) and not fits(hi); both are whole seconds.
  while (hi - lo > MS_PER_SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_SECOND) * MS_PER_SECOND;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return new Date(lo);
}

/**
 * Every timer of one deadline entry, in firing order. A deadline set inside its own warning
 * window (an appointment less than the lead away) gets no warning: the duty to apologise "at
 * the latest one day before" never applied to it, and its overdue alert still comes. A deadline
 * already past when it was learned (`since` ≥ due: back-dated facts) fires no sooner than the
 * settle time after `since`, because the facts that close it usually come in the same push.
 */
export function planTimers(entry: Pick<TrackedDeadline, 'dueAt' | 'warn' | 'escalate' | 'since'>, calendar: Calendar, policy: TimerPolicy): PlannedTimer[] {
  const out: PlannedTimer[] = [];
  if (entry.warn) {
    const fireAt = latestStartBefore(calendar, entry.dueAt, policy.warningLead);
    if (fireAt.getTime() >= entry.since.getTime()) out.push({ stage: 'warning', level: 0, fireAt });
  }
  out.push({ stage: 'due', level: 0, fireAt: entry.dueAt });
  if (entry.escalate) {
    policy.escalationSteps.forEach((step, i) => out.push({ stage: 'escalation', level: i + 1, fireAt: addDuration(calendar, entry.dueAt, step) }));
  }
  const settle = policy.lateArrivalSettleSeconds ?? 0;
  if (settle === 0 || entry.since.getTime() < entry.dueAt.getTime()) return out;
  const earliest = entry.since.getTime() + settle * MS_PER_SECOND;
  return out.map((t) => (t.fireAt.getTime() < earliest ? { ...t, fireAt: new Date(earliest) } : t));
}

/** The tag recorded on the deadline once a stage's alert was raised. */
export function stageTag(t: { stage: TimerStage; level: number }): string {
  return t.stage === 'escalation' ? `escalation:${t.level}` : t.stage;
}

/**
 * The one timer a deadline holds at a time: its earliest stage whose alert is not stored yet
 * (null when it is inactive or all are raised). When it fires and its alert is stored, the
 * next one is scheduled, so stages still fire in order however late a firing runs.
 */
export function nextTimer(d: TrackedDeadline, planned: PlannedTimer[]): PlannedTimer | null {
  if (!isActive(d)) return null;
  let next: PlannedTimer | null = null;
  for (const t of planned) {
    if (d.raised.includes(stageTag(t))) continue;
    // Ties keep plan order (warning, due, escalation levels).
    if (!next || t.fireAt.getTime() < next.fireAt.getTime()) next = t;
  }
  return next;
}

/**
 * Every timer id a deadline version may own under the policy, for cancellation. A deadline
 * holds one at a time, but documents scheduled before that held one per stage, and removing
 * an absent id costs one round trip.
 */
export function allTimerRefs(d: Pick<TrackedDeadline, 'subjectCode' | 'key' | 'version'>, policy: TimerPolicy): TimerRef[] {
  const base = { subjectCode: d.subjectCode, key: d.key, version: d.version };
  return [
    { ...base, stage: 'warning', level: 0 },
    { ...base, stage: 'due', level: 0 },
    ...policy.escalationSteps.map((_, i): TimerRef => ({ ...base, stage: 'escalation', level: i + 1 })),
  ];
}

/**
 * Plans timers with the calendar of the agency answerable for the deadline, and measures
 * lateness in that calendar's working time.
 */
/**
 * The rules `planTimers` and `nextTimer` follow. Bumped with any change to how an instant is
 * planned (code, not configuration), so that instants stored under the old rules are planned
 * again at the next start, as a changed policy or calendar makes them.
 */
export const PLANNING_RULES = 1;

export interface TimerPlanner {
  policy: TimerPolicy;
  /**
   * Names everything a planned instant depends on: the rules, the policy and the calendars'
   * versions and assignments. Stored with each instant, so that a start with the same key
   * finds nothing to plan again, and one after a change of any of them re-plans exactly the
   * instants planned before it. Read before planning, so a change that lands meanwhile leaves
   * the older key on the instant (planned again later) rather than the newer one.
   */
  key(): string;
  plan(d: TrackedDeadline): PlannedTimer[];
  /** `nextTimer` of the entry's plan. */
  next(d: TrackedDeadline): PlannedTimer | null;
  workingMinutesBetween(d: TrackedDeadline, from: Date, to: Date): number;
}

/**
 * @param calendarsKey names the calendars `calendarFor` answers with (the registry's
 * fingerprint); a constant when they cannot change.
 */
export function createTimerPlanner(calendarFor: (agencyCode: string | null) => Calendar, policy: TimerPolicy, calendarsKey: () => string = () => 'fixed'): TimerPlanner {
  const cal = (d: TrackedDeadline) => calendarFor(d.responsibleAgencyCode ?? d.agencyCode);
  const plan = (d: TrackedDeadline) => planTimers(d, cal(d), policy);
  const rulesAndPolicy = JSON.stringify([PLANNING_RULES, policy]);
  let last: { calendars: string; key: string } | null = null;
  return {
    policy,
    key() {
      const calendars = calendarsKey();
      if (last?.calendars !== calendars) {
        last = { calendars, key: createHash('sha256').update(rulesAndPolicy).update('\0').update(calendars).digest('base64url').slice(0, 22) };
      }
      return last.key;
    },
    plan,
    // Inactive entries are answered before planning: settled deadlines beyond the calendar's
    // years must not fail the walk that clears them.
    next: (d) => (isActive(d) ? nextTimer(d, plan(d)) : null),
    workingMinutesBetween: (d, from, to) => cal(d).between(from, to).minutes,
  };
}
