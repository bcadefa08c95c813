/**
 * `@tthc/read-models`: the documents of the collections one service writes and others read,
 * and the queries those readers run. The writers (workflow: `dossiers`, `calendars`,
 * `calendar_audits`; sla: `alerts`, `sla_deadlines`; reporting: its counters) type their own documents with these, so
 * a field renamed by a writer breaks the readers' build instead of their answers. Collection
 * names come from `COLLECTIONS` in `@tthc/contracts`.
 */
export { isoOf, type AgencyFilter, type Page, type StoredInstant } from './query-filter';
export {
  allCountedSubjects,
  answeredPetitionCodes,
  countedSubjects,
  findSubject,
  isSubjectClosed,
  listOpenSubjects,
  listOverdueOrAtRisk,
  openSubjectBatches,
  subjectDocuments,
  subjectsFor,
  type CountedSubject,
  type OpenSubjectBatches,
  type OpenSubjectCursor,
  type OpenSubjectQuery,
  type StoredFact,
  type StoredSubjectState,
  type SubjectDocument,
} from './subject.read-model';
export {
  calendarAuditDocuments,
  calendarDocuments,
  latestCalendarOf,
  latestCalendars,
  listCalendarAudits,
  type CalendarAuditDocument,
  type CalendarDocument,
  type StoredAffectedSubject,
} from './calendar.read-model';
export { namedDossiers, petitionLinksBetween, ratedDossiersSince, satisfactionSubjectCodes, subjectsNaming, type NamedDossier, type PetitionLink, type RatedDossier, type StoredRating } from './satisfaction.read-model';
export { alertDocuments, listAlerts, type AlertDocument, type AlertListQuery } from './alert.read-model';
export { deadlineDocId, deadlineDocuments, type DeadlineDocument, type StoredDeadlineStatus } from './deadline.read-model';
export {
  COUNTER_AGENCIES_ID,
  COUNTER_BACKFILL_ID,
  COUNTER_ROLLUP_ID,
  COUNTER_SATISFACTION_ID,
  COUNTER_ANSWERED_PETITIONS_ID,
  COUNTER_VERSION_ID,
  contributionDocuments,
  counterDocuments,
  createCounterIndexes,
  readContributions,
  readCounterDocuments,
  type ContributionDocument,
  type CounterDocument,
} from './counter.read-model';
export {
  dutyPeriodDocuments,
  isDutyPeriodFulfilled,
  listDutyPeriods,
  type DutyPeriodDocument,
  type DutyPeriodQuery,
  type DutyPeriodStatus,
  type StoredDutyFulfilment,
} from './duty-period.read-model';
