import type { Calendar } from '@tthc/calendar';
import { agenciesOfDuty, dutyInForce, dutyPeriodOf, type DutiesFile, type Duty, type DutyAgency, type DutyPeriod } from '@tthc/catalog';
import { DUTY_DEADLINE_KEY, dutyPeriodCode, type DutyFulfilledV1, type DutyFulfilmentRecord, type DutyPeriodFields } from '@tthc/contracts';
import type { Clock, TrackedDeadline } from './deadline';
import { trackSnapshot, type TrackDeps } from './track-deadline.use-case';

/** One period of one duty of one agency, as sla records it (reporting reads it). */
export interface DutyPeriodRecord extends DutyPeriodFields {
  code: string;
  dutyVersion: string;
  dutiesVersion: string;
  dueAt: Date;
  openedAt: Date;
}

export type DutyFulfilment = DutyFulfilmentRecord;

export interface DutyPeriodStore {
  /** Records the period unless it is recorded already (what it was opened with is kept). */
  open(records: readonly DutyPeriodRecord[]): Promise<void>;
  /** Records the period if needed and its fulfilment if it has none; true when this one was recorded. */
  fulfil(record: DutyPeriodRecord, fulfilment: DutyFulfilment): Promise<boolean>;
}

export interface DutyDeps extends TrackDeps {
  duties: DutiesFile;
  /** The agencies of the directory with their level, for duties given by level. */
  agencies: readonly DutyAgency[];
  calendarFor: (agencyCode: string) => Calendar;
  store: DutyPeriodStore;
  clock: Clock;
}

/**
 * A period opens at revision 1 and its fulfilment settles it at revision 2, so whichever comes
 * first, the deadline store keeps the fulfilled view (it ignores revisions it already passed).
 */
const OPENED_REVISION = 1;
const FULFILLED_REVISION = 2;

/** Why a duty event cannot be applied, ever: the runner dead-letters it with this code. */
export class DutyRefusedError extends Error {
  constructor(readonly code: 'unknown-duty' | 'duty-not-applicable', message: string) {
    super(message);
  }
}

function recordOf(duty: Duty, duties: DutiesFile, agencyCode: string, period: DutyPeriod, now: Date): DutyPeriodRecord {
  return {
    code: dutyPeriodCode({ dutyId: duty.id, agencyCode, period: period.id }),
    dutyId: duty.id,
    dutyVersion: duty.version,
    dutiesVersion: duties.version,
    title: duty.title,
    legalBasis: duty.legalBasis,
    agencyCode,
    period: period.id,
    startDate: period.startDate,
    endDate: period.endDate,
    dueAt: period.dueAt,
    openedAt: now,
  };
}

/**
 * The period's deadline in the shape every other deadline has, so the same timers, stages and
 * alerts follow it: warning before the period ends, overdue at its end, escalation after.
 */
function deadlineOf(r: DutyPeriodRecord, duty: Duty, status: 'open' | 'met', revision: number, since: Date): TrackedDeadline {
  return {
    subjectCode: r.code,
    key: DUTY_DEADLINE_KEY,
    subject: 'duty',
    kind: 'duty',
    agencyCode: r.agencyCode,
    responsibleAgencyCode: r.agencyCode,
    procedureCode: null,
    label: `${duty.title.vi} (kỳ ${r.period})`,
    legalBasis: r.legalBasis,
    dueAt: r.dueAt,
    version: 1,
    since,
    status,
    phase: status === 'open' ? 'open' : 'closed',
    warn: duty.warn,
    escalate: duty.escalate,
    revision,
    raised: [],
    siblings: [DUTY_DEADLINE_KEY],
  };
}

/**
 * Opens the current period of every duty for every agency it applies to, "current" by the
 * local date of now on the agency's calendar. Run at start and on a schedule; a period already
 * open (or already fulfilled) is left as it is.
 */
export async function openDutyPeriods(deps: DutyDeps): Promise<{ opened: number }> {
  const now = deps.clock.now();
  const records: Array<{ record: DutyPeriodRecord; duty: Duty }> = [];
  for (const duty of deps.duties.duties) {
    for (const agencyCode of agenciesOfDuty(duty, deps.agencies)) {
      const calendar = deps.calendarFor(agencyCode);
      const period = dutyPeriodOf(duty.everyMonths, calendar.localDate(now), calendar);
      if (dutyInForce(duty, period)) records.push({ record: recordOf(duty, deps.duties, agencyCode, period, now), duty });
    }
  }
  await deps.store.open(records.map((r) => r.record));
  for (const { record, duty } of records) {
    await trackSnapshot({ subjectCode: record.code, revision: OPENED_REVISION, deadlines: [deadlineOf(record, duty, 'open', OPENED_REVISION, now)] }, deps);
  }
  return { opened: records.length };
}

/**
 * Closes the period the evidence's date falls in: the duty was carried out within it, so its
 * deadline is met and its timers go. The first fulfilment of a period is the one kept.
 */
export async function fulfilDuty(
  data: DutyFulfilledV1,
  sender: { source: string; eventId: string; keyId: string | null },
  deps: DutyDeps,
): Promise<{ code: string; recorded: boolean }> {
  const duty = deps.duties.duties.find((d) => d.id === data.dutyId);
  if (!duty) throw new DutyRefusedError('unknown-duty', `duty ${data.dutyId} is not in the duties file (version ${deps.duties.version})`);
  if (!agenciesOfDuty(duty, deps.agencies).includes(data.agencyCode)) {
    throw new DutyRefusedError('duty-not-applicable', `duty ${data.dutyId} does not apply to agency ${data.agencyCode}`);
  }
  const now = deps.clock.now();
  const period = dutyPeriodOf(duty.everyMonths, data.evidence.date, deps.calendarFor(data.agencyCode));
  const record = recordOf(duty, deps.duties, data.agencyCode, period, now);
  const recorded = await deps.store.fulfil(record, {
    date: data.evidence.date,
    minutes: data.evidence.minutes ?? null,
    link: data.evidence.link ?? null,
    ...sender,
    recordedAt: now,
  });
  await trackSnapshot({ subjectCode: record.code, revision: FULFILLED_REVISION, deadlines: [deadlineOf(record, duty, 'met', FULFILLED_REVISION, now)] }, deps);
  return { code: record.code, recorded };
}
